// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Response decoding. Every decoder is tolerant: unknown fields are ignored, errcode absent or 0 is success,
// numbers and booleans may arrive as strings, and the documented inconsistencies (func_info vs func_infos,
// items without appid, undocumented statuses) are accepted. Decoders never panic on any input (see the
// FuzzDecode* tests).

// envelope is the part every response shares.
type envelope struct {
	ErrCode flexInt    `json:"errcode"`
	ErrMsg  flexString `json:"errmsg"`
}

// errMalformed is the error for a 200 response whose body is not the JSON we expect. It may be a proxy's
// error page, so it is retryable (within the bounded attempts).
func errMalformed(api string, err error) *platform.Error {
	return &platform.Error{API: api, Msg: "malformed response: " + truncate(err.Error(), 120),
		Class: platform.ClassRetryable, Reason: platform.ReasonServerError}
}

// cleanErrmsg strips the stray whitespace the platform puts in errmsg (leading, trailing, doubled, such as
// " invalid appid hint: [abc] rid: 1234 " or "api minute-quota reach limit  mustslower  retry next minute"):
// every run of whitespace becomes one space.
func cleanErrmsg(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}

// decodeBody checks the envelope and, on success, decodes the body into out (which may be nil).
func decodeBody(api string, body []byte, out any, now time.Time) *platform.Error {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return errMalformed(api, err)
	}
	if env.ErrCode != 0 {
		return platform.Classify(api, int(env.ErrCode), cleanErrmsg(string(env.ErrMsg)), now)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return errMalformed(api, err)
		}
	}
	return nil
}

// --- tokens ---

type accessTokenResp struct {
	AccessToken string  `json:"access_token"`
	ExpiresIn   flexInt `json:"expires_in"`
}

type componentTokenResp struct {
	ComponentAccessToken string  `json:"component_access_token"`
	ExpiresIn            flexInt `json:"expires_in"`
}

type authorizerTokenResp struct {
	AuthorizerAccessToken  string  `json:"authorizer_access_token"`
	ExpiresIn              flexInt `json:"expires_in"`
	AuthorizerRefreshToken string  `json:"authorizer_refresh_token"`
}

// tokenGrant is what every token endpoint gives, normalised.
type tokenGrant struct {
	token        string
	ttl          time.Duration
	refreshToken string // api_authorizer_token only
}

// defaultTTL is used when a token response has no usable expires_in (the documented value is 7200 s).
const defaultTTL = 7200 * time.Second

func ttlOf(expiresIn flexInt) time.Duration {
	if expiresIn <= 0 || expiresIn > 30*24*3600 {
		return defaultTTL
	}
	return time.Duration(expiresIn) * time.Second
}

func decodeAccessToken(api string, body []byte, now time.Time) (tokenGrant, *platform.Error) {
	var r accessTokenResp
	if err := decodeBody(api, body, &r, now); err != nil {
		return tokenGrant{}, err
	}
	if r.AccessToken == "" {
		return tokenGrant{}, errMalformed(api, fmt.Errorf("no access_token in response"))
	}
	return tokenGrant{token: r.AccessToken, ttl: ttlOf(r.ExpiresIn)}, nil
}

func decodeComponentToken(api string, body []byte, now time.Time) (tokenGrant, *platform.Error) {
	var r componentTokenResp
	if err := decodeBody(api, body, &r, now); err != nil {
		return tokenGrant{}, err
	}
	if r.ComponentAccessToken == "" {
		return tokenGrant{}, errMalformed(api, fmt.Errorf("no component_access_token in response"))
	}
	return tokenGrant{token: r.ComponentAccessToken, ttl: ttlOf(r.ExpiresIn)}, nil
}

func decodeAuthorizerToken(api string, body []byte, now time.Time) (tokenGrant, *platform.Error) {
	var r authorizerTokenResp
	if err := decodeBody(api, body, &r, now); err != nil {
		return tokenGrant{}, err
	}
	if r.AuthorizerAccessToken == "" {
		return tokenGrant{}, errMalformed(api, fmt.Errorf("no authorizer_access_token in response"))
	}
	return tokenGrant{token: r.AuthorizerAccessToken, ttl: ttlOf(r.ExpiresIn),
		refreshToken: r.AuthorizerRefreshToken}, nil
}

// --- wxamplinkget ---

type funcInfo struct {
	ID     flexInt    `json:"id"`
	Status flexInt    `json:"status"`
	Name   flexString `json:"name"`
}

// funcInfoList accepts an array of funcInfo, a single object, or null.
type funcInfoList []funcInfo

func (l *funcInfoList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*l = nil
		return nil
	case b[0] == '{':
		var one funcInfo
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = funcInfoList{one}
		return nil
	}
	var many []funcInfo
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

type linkItem struct {
	Status   flexInt    `json:"status"`
	AppID    flexString `json:"appid"`
	Username flexString `json:"username"`
	Nickname flexString `json:"nickname"`
	Selected flexBool   `json:"selected"`
	Released flexBool   `json:"released"`
	// FuncInfos is the documented spelling; FuncInfo is the one an older page and a popular SDK use.
	FuncInfos funcInfoList `json:"func_infos"`
	FuncInfo  funcInfoList `json:"func_info"`
}

type linkListResp struct {
	WxOpens *struct {
		Items []linkItem `json:"items"`
	} `json:"wxopens"`
}

// funcPayment is func_infos id 2, "微信支付"; status 1 means open.
const funcPayment = 2

func decodeLinks(api string, body []byte, now time.Time) ([]platform.MiniProgramLink, *platform.Error) {
	var r linkListResp
	if err := decodeBody(api, body, &r, now); err != nil {
		return nil, err
	}
	if r.WxOpens == nil {
		return []platform.MiniProgramLink{}, nil
	}
	links := make([]platform.MiniProgramLink, 0, len(r.WxOpens.Items))
	for _, it := range r.WxOpens.Items {
		l := platform.MiniProgramLink{
			AppID:         string(it.AppID),
			Username:      string(it.Username),
			Nickname:      string(it.Nickname),
			Status:        platform.LinkStatus(clampInt(it.Status)),
			ShowOnProfile: bool(it.Selected),
			Released:      bool(it.Released),
		}
		for _, list := range []funcInfoList{it.FuncInfos, it.FuncInfo} {
			for _, f := range list {
				if f.ID == funcPayment && f.Status == 1 {
					l.PaymentEnabled = true
				}
			}
		}
		links = append(links, l)
	}
	return links, nil
}

// clampInt keeps a platform number inside int range (LinkStatus is an int).
func clampInt(n flexInt) int {
	const maxInt32, minInt32 = 1<<31 - 1, -1 << 31
	switch {
	case n > maxInt32:
		return maxInt32
	case n < minInt32:
		return minInt32
	}
	return int(n)
}

// --- account facts ---

type basicInfoResp struct {
	AppID          flexString `json:"appid"`
	AccountType    flexInt    `json:"account_type"`
	PrincipalType  *flexInt   `json:"principal_type"`
	PrincipalName  flexString `json:"principal_name"`
	RealnameStatus flexInt    `json:"realname_status"`
	CustomerType   flexInt    `json:"customer_type"`
	Nickname       flexString `json:"nickname"`
	WxVerifyInfo   *struct {
		QualificationVerify flexBool `json:"qualification_verify"`
		NamingVerify        flexBool `json:"naming_verify"`
		AnnualReview        flexBool `json:"annual_review"`
		AnnualReviewEndTime flexInt  `json:"annual_review_end_time"`
	} `json:"wx_verify_info"`
}

func decodeBasicInfo(api string, body []byte, now time.Time) (*basicInfoResp, *platform.Error) {
	var r basicInfoResp
	if err := decodeBody(api, body, &r, now); err != nil {
		return nil, err
	}
	return &r, nil
}

type idObject struct {
	ID *flexInt `json:"id"`
}

type authorizerInfoResp struct {
	AuthorizerInfo struct {
		NickName        flexString      `json:"nick_name"`
		ServiceTypeInfo *idObject       `json:"service_type_info"`
		VerifyTypeInfo  *idObject       `json:"verify_type_info"`
		UserName        flexString      `json:"user_name"`
		PrincipalName   flexString      `json:"principal_name"`
		AccountStatus   flexInt         `json:"account_status"`
		MiniProgramInfo json.RawMessage `json:"MiniProgramInfo"`
		BusinessInfo    *struct {
			OpenPay flexBool `json:"open_pay"`
		} `json:"business_info"`
	} `json:"authorizer_info"`
	AuthorizationInfo struct {
		AuthorizerAppID        flexString `json:"authorizer_appid"`
		AppID                  flexString `json:"appid"`
		AuthorizerRefreshToken string     `json:"authorizer_refresh_token"`
	} `json:"authorization_info"`
}

func decodeAuthorizerInfo(body []byte, now time.Time) (*authorizerInfoResp, *platform.Error) {
	var r authorizerInfoResp
	if err := decodeBody(apiAuthorizerInfo, body, &r, now); err != nil {
		return nil, err
	}
	return &r, nil
}

// --- open platform ---

type openResp struct {
	OpenAppID flexString `json:"open_appid"`
}

func decodeOpen(api string, body []byte, now time.Time) (string, *platform.Error) {
	var r openResp
	if err := decodeBody(api, body, &r, now); err != nil {
		return "", err
	}
	return string(r.OpenAppID), nil
}

// --- testers ---

type bindTesterResp struct {
	UserStr flexString `json:"userstr"`
}

type memberAuthResp struct {
	Members []struct {
		UserStr flexString `json:"userstr"`
	} `json:"members"`
}

func decodeMembers(api string, body []byte, now time.Time) ([]platform.Tester, *platform.Error) {
	var r memberAuthResp
	if err := decodeBody(api, body, &r, now); err != nil {
		return nil, err
	}
	out := make([]platform.Tester, 0, len(r.Members))
	for _, m := range r.Members {
		if m.UserStr != "" {
			out = append(out, platform.Tester{UserStr: string(m.UserStr)})
		}
	}
	return out, nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package stores

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Youzan (有赞云). Token: POST {base}/auth/token, JSON {client_id, client_secret, authorize_type: "silent",
// grant_id: kdt_id} (official SDKs) → {success, code, message, data: {access_token, expires, scope,
// authority_id}}, expires an epoch in milliseconds (unverified: read by size unless spec.api.expiryUnit says).
// Health: POST {base}/api/youzan.shop.get/3.0.0?access_token= {} (official PHP SDK example) → a v3
// {response: {...}} or v4 {success, code, data} body; gateway errors are {gw_err_resp: {err_code, err_msg}}
// with HTTP 200. Error codes are unverified (a third-party compilation of the docs).
type youzan struct{}

// youzanCodes classifies Youzan's token and gateway codes.
var youzanCodes = map[int]struct {
	class  platform.Class
	reason string
	fix    string
}{
	1000: {platform.ClassTerminal, platform.ReasonInvalidCredentials, "put the app's current client_id and client_secret in the credentials Secret"},
	1103: {platform.ClassTerminal, platform.ReasonInvalidCredentials, "the client or its authorisation of this shop (grant_id = kdt_id) does not exist: check the client ID and spec.shopID"},
	1004: {platform.ClassTerminal, platform.ReasonReauthorize, "the shop's authorisation of the app expired: authorise the app again in the Youzan console"},
	1005: {platform.ClassTerminal, platform.ReasonBadRequest, ""},
	1105: {platform.ClassTerminal, platform.ReasonBadRequest, "the app type does not support the silent (self-use) token"},
	4001: {platform.ClassTerminal, platform.ReasonBadRequest, "check spec.api.endpoint and spec.api.healthPath"},
	4005: {platform.ClassTerminal, platform.ReasonBadRequest, "check spec.api.healthPath"},
	4007: {platform.ClassTerminal, platform.ReasonIPNotWhitelisted, "add the operator's egress IP to the app's IP allow-list (IP白名单) in the Youzan console"},
	4201: {platform.ClassAuth, platform.ReasonTokenInvalid, ""},
	4202: {platform.ClassAuth, platform.ReasonTokenInvalid, ""},
	4203: {platform.ClassAuth, platform.ReasonTokenInvalid, ""},
	4204: {platform.ClassTerminal, platform.ReasonNotAuthorized, "grant the app the API's ability package (能力包) in the Youzan console"},
}

func (youzan) tokenRequest(cfg Config, c Credentials) (string, string, url.Values, []byte) {
	body, _ := json.Marshal(map[string]any{"client_id": c.ClientID, "client_secret": c.ClientSecret.Reveal(),
		"authorize_type": "silent", "grant_id": c.ShopID, "refresh": c.Refresh})
	return http.MethodPost, cfg.TokenPath, nil, body
}

type youzanEnvelope struct {
	Success *bool           `json:"success"`
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
	GwErr   *struct {
		ErrCode json.RawMessage `json:"err_code"`
		ErrMsg  string          `json:"err_msg"`
	} `json:"gw_err_resp"`
	ErrResp *struct {
		Code json.RawMessage `json:"code"`
		Msg  string          `json:"msg"`
	} `json:"error_response"`
	Response json.RawMessage `json:"response"`
}

// code reads a number that may come as a string.
func code(raw json.RawMessage) int {
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if v, err := n.Int64(); err == nil {
			return int(v)
		}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		v, _ := strconv.Atoi(s)
		return v
	}
	return 0
}

// youzanError is the error an envelope carries, or nil.
func youzanError(env youzanEnvelope) *platform.Error {
	switch {
	case env.GwErr != nil:
		return classified(code(env.GwErr.ErrCode), env.GwErr.ErrMsg, youzanCodes)
	case env.ErrResp != nil:
		return classified(code(env.ErrResp.Code), env.ErrResp.Msg, youzanCodes)
	case env.Success != nil && !*env.Success:
		return classified(code(env.Code), env.Message, youzanCodes)
	}
	return nil
}

func (youzan) decodeToken(body []byte, now time.Time, unit ExpiryUnit) (Token, *platform.Error) {
	var env youzanEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Token{}, malformed(err)
	}
	if perr := youzanError(env); perr != nil {
		return Token{}, perr
	}
	var data struct {
		AccessToken string      `json:"access_token"`
		Expires     json.Number `json:"expires"`
	}
	if err := json.Unmarshal(env.Data, &data); err != nil {
		return Token{}, malformed(err)
	}
	exp, err := data.Expires.Int64()
	if data.AccessToken == "" || err != nil {
		return Token{}, malformed(fmt.Errorf("no access_token or expires in data"))
	}
	at, perr := expiry(exp, now, unit, "")
	if perr != nil {
		return Token{}, perr
	}
	return Token{Value: platform.Secret(data.AccessToken), ObtainedAt: now, ExpiresAt: at}, nil
}

func (youzan) healthRequest(cfg Config, token platform.Secret) (string, string, url.Values, []byte) {
	return http.MethodPost, cfg.HealthPath, url.Values{"access_token": {token.Reveal()}}, []byte("{}")
}

func (youzan) decodeHealth(body []byte) (Shop, *platform.Error) {
	var env youzanEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Shop{}, malformed(err)
	}
	if perr := youzanError(env); perr != nil {
		return Shop{}, perr
	}
	raw := env.Data
	if len(env.Response) > 0 {
		raw = env.Response
	}
	var shop struct {
		ID   json.RawMessage `json:"id"`
		Name string          `json:"name"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &shop) != nil {
		return Shop{}, malformed(fmt.Errorf("no shop in response"))
	}
	return Shop{ID: rawID(shop.ID), Name: shop.Name}, nil
}

// rawID is an ID that may be a number or a string.
func rawID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

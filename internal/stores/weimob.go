// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package stores

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Weimob (微盟云). Token: POST {base}/fuwu/b/oauth2/token?grant_type=client_credentials&client_id=&client_secret=
// [&shop_id=&shop_type=] with body {} (official go SDK) → {access_token, token_type, expires_in (seconds to
// live, verified), scope, business_id, business_operation_system_id}; a failure is a non-200 status whose
// body the SDK does not read (unverified shape). Health: POST {base}/apigw/bos/v2.0/info/get?accesstoken=
// {} → {code: {errcode: "0", errmsg}, data: {bosId, bosName}} (verified); errcodes other than "0" are not
// documented and count as retryable failures.
type weimob struct{}

func (weimob) tokenRequest(cfg Config, c Credentials) (string, string, url.Values, []byte) {
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret.Reveal()}}
	if c.ShopID != "" {
		q.Set("shop_id", c.ShopID)
	}
	if c.ShopType != "" {
		q.Set("shop_type", c.ShopType)
	}
	return http.MethodPost, cfg.TokenPath, q, []byte("{}")
}

// weimobCode is Weimob's {code: {errcode, errmsg}}, errcode a string in WOS and a number in older APIs.
type weimobCode struct {
	ErrCode json.RawMessage `json:"errcode"`
	ErrMsg  string          `json:"errmsg"`
}

func (c *weimobCode) err() *platform.Error {
	if c == nil || len(c.ErrCode) == 0 {
		return nil
	}
	s := string(c.ErrCode)
	if json.Unmarshal(c.ErrCode, &s) != nil {
		s = string(c.ErrCode)
	}
	if s == "0" {
		return nil
	}
	n := code(c.ErrCode)
	if n == 0 {
		n = -1 // not a number: the message says which
	}
	return classified(n, "errcode "+s+": "+c.ErrMsg, nil)
}

func (weimob) decodeToken(body []byte, now time.Time, unit ExpiryUnit) (Token, *platform.Error) {
	var resp struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		Code        *weimobCode     `json:"code"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return Token{}, malformed(err)
	}
	if perr := resp.Code.err(); perr != nil {
		return Token{}, perr
	}
	ttl := code(resp.ExpiresIn)
	if resp.AccessToken == "" || ttl <= 0 {
		return Token{}, malformed(fmt.Errorf("no access_token or expires_in"))
	}
	at, perr := expiry(int64(ttl), now, unit, ExpirySecondsToLive)
	if perr != nil {
		return Token{}, perr
	}
	return Token{Value: platform.Secret(resp.AccessToken), ObtainedAt: now, ExpiresAt: at}, nil
}

func (weimob) healthRequest(cfg Config, token platform.Secret) (string, string, url.Values, []byte) {
	return http.MethodPost, cfg.HealthPath, url.Values{"accesstoken": {token.Reveal()}}, []byte("{}")
}

func (weimob) decodeHealth(body []byte) (Shop, *platform.Error) {
	var resp struct {
		Code *weimobCode `json:"code"`
		Data *struct {
			BosID   json.RawMessage `json:"bosId"`
			BosName string          `json:"bosName"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return Shop{}, malformed(err)
	}
	if resp.Code == nil {
		return Shop{}, malformed(fmt.Errorf("no code in response"))
	}
	if perr := resp.Code.err(); perr != nil {
		return Shop{}, perr
	}
	if resp.Data == nil {
		return Shop{}, malformed(fmt.Errorf("no data in response"))
	}
	return Shop{ID: rawID(resp.Data.BosID), Name: resp.Data.BosName}, nil
}

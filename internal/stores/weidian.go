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

// Weidian (微店). Everything here is unverified (a copy of the 2015 python SDK and third-party code). Token:
// GET {base}/token?grant_type=client_credential&appkey=&secret= → {status: {status_code, status_reason},
// result: {access_token, expire_in (seconds to live)}}. Health: GET {base}/api?param={}&public={"method":
// "vdian.shop.cate.get","access_token":…,"version":"1.0","format":"json"} → {status, result}. status_code 0
// is success; 10013 and 10016 are reported as an invalid token.
type weidian struct{}

var weidianCodes = map[int]struct {
	class  platform.Class
	reason string
	fix    string
}{
	10013: {platform.ClassAuth, platform.ReasonTokenInvalid, ""},
	10016: {platform.ClassAuth, platform.ReasonTokenInvalid, ""},
}

// weidianHealthMethod is the cheap call used as a health check.
const weidianHealthMethod = "vdian.shop.cate.get"

func (weidian) tokenRequest(cfg Config, c Credentials) (string, string, url.Values, []byte) {
	q := url.Values{"grant_type": {"client_credential"}, "appkey": {c.ClientID}, "secret": {c.ClientSecret.Reveal()}}
	return http.MethodGet, cfg.TokenPath, q, nil
}

type weidianEnvelope struct {
	Status *struct {
		StatusCode   json.RawMessage `json:"status_code"`
		StatusReason string          `json:"status_reason"`
	} `json:"status"`
	Result json.RawMessage `json:"result"`
}

func (env weidianEnvelope) err() *platform.Error {
	if env.Status == nil {
		return malformed(fmt.Errorf("no status in response"))
	}
	if c := code(env.Status.StatusCode); c != 0 {
		return classified(c, env.Status.StatusReason, weidianCodes)
	}
	return nil
}

func (weidian) decodeToken(body []byte, now time.Time, unit ExpiryUnit) (Token, *platform.Error) {
	var env weidianEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Token{}, malformed(err)
	}
	if perr := env.err(); perr != nil {
		return Token{}, perr
	}
	var res struct {
		AccessToken string          `json:"access_token"`
		ExpireIn    json.RawMessage `json:"expire_in"`
	}
	if err := json.Unmarshal(env.Result, &res); err != nil || res.AccessToken == "" || code(res.ExpireIn) <= 0 {
		return Token{}, malformed(fmt.Errorf("no access_token or expire_in in result"))
	}
	at, perr := expiry(int64(code(res.ExpireIn)), now, unit, ExpirySecondsToLive)
	if perr != nil {
		return Token{}, perr
	}
	return Token{Value: platform.Secret(res.AccessToken), ObtainedAt: now, ExpiresAt: at}, nil
}

func (weidian) healthRequest(cfg Config, token platform.Secret) (string, string, url.Values, []byte) {
	public, _ := json.Marshal(map[string]string{"method": weidianHealthMethod, "access_token": token.Reveal(),
		"version": "1.0", "format": "json"})
	return http.MethodGet, cfg.HealthPath, url.Values{"param": {"{}"}, "public": {string(public)}}, nil
}

func (weidian) decodeHealth(body []byte) (Shop, *platform.Error) {
	var env weidianEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Shop{}, malformed(err)
	}
	if perr := env.err(); perr != nil {
		return Shop{}, perr
	}
	return Shop{}, nil // vdian.shop.cate.get lists categories: it names no shop
}

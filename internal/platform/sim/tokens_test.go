// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestTokenErrcodes(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	cases := []struct {
		name string
		q    url.Values
		want int
	}{
		{"ok", url.Values{"grant_type": {"client_credential"}, "appid": {"wxoa"}, "secret": {"secret-wxoa"}}, 0},
		{"bad grant_type", url.Values{"grant_type": {"password"}, "appid": {"wxoa"}, "secret": {"secret-wxoa"}}, 40002},
		{"missing appid", url.Values{"grant_type": {"client_credential"}, "secret": {"x"}}, 41002},
		{"unknown appid", url.Values{"grant_type": {"client_credential"}, "appid": {"wxnope"}, "secret": {"x"}}, 40013},
		{"missing secret", url.Values{"grant_type": {"client_credential"}, "appid": {"wxoa"}}, 41004},
		{"wrong secret", url.Values{"grant_type": {"client_credential"}, "appid": {"wxoa"}, "secret": {"nope"}}, 40125},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, m := e.do(http.MethodGet, "/cgi-bin/token", tc.q, nil)
			e.wantCode(m, tc.want, tc.name)
			if tc.want == 0 {
				if m["access_token"] == "" || m["expires_in"] != float64(7200) {
					t.Fatalf("answer %v: want a token and expires_in 7200", m)
				}
			} else if m["access_token"] != nil {
				t.Fatalf("error answer carries a token: %v", m)
			}
		})
	}
}

func TestTokenRotationGraceAndExpiry(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: 10 * time.Minute})
	e.seed(oaAcct("wxoa", "ACME"))
	basic := func(tok string) int {
		_, m := e.do(http.MethodGet, "/cgi-bin/account/getaccountbasicinfo", url.Values{"access_token": {tok}}, nil)
		return code(m)
	}
	first := e.token("wxoa")
	second := e.token("wxoa")
	if first == second {
		t.Fatal("each /cgi-bin/token call must issue a new token")
	}
	if got := basic(first); got != 0 {
		t.Fatalf("previous token right after rotation: %d, want 0 (5 minute grace)", got)
	}
	e.clock.Add(5*time.Minute - time.Second)
	if got := basic(first); got != 0 {
		t.Fatalf("previous token just inside the grace: %d, want 0", got)
	}
	e.clock.Add(2 * time.Second)
	if got := basic(first); got != 42001 {
		t.Fatalf("previous token after the grace: %d, want 42001", got)
	}
	if got := basic(second); got != 0 {
		t.Fatalf("current token: %d, want 0", got)
	}
	e.clock.Add(5 * time.Minute) // 10m after issue: expired
	if got := basic(second); got != 42001 {
		t.Fatalf("current token after its TTL: %d, want 42001", got)
	}
	for name, tc := range map[string]struct {
		tok  string
		want int
	}{
		"unknown":   {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 40001},
		"malformed": {"not a token!", 40014},
		"missing":   {"", 41001},
	} {
		if got := basic(tc.tok); got != tc.want {
			t.Errorf("%s token: %d, want %d", name, got, tc.want)
		}
	}
	// After the retention an expired token is forgotten: 40001.
	e.clock.Add(25 * time.Hour)
	if got := basic(second); got != 40001 {
		t.Fatalf("token expired for longer than the retention: %d, want 40001", got)
	}
}

func TestStableToken(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	stable := func(force any) map[string]any {
		body := map[string]any{"grant_type": "client_credential", "appid": "wxoa", "secret": "secret-wxoa"}
		if force != nil {
			body["force_refresh"] = force
		}
		_, m := e.do(http.MethodPost, "/cgi-bin/stable_token", nil, body)
		return m
	}
	a := stable(nil)
	e.wantCode(a, 0, "stable_token")
	e.clock.Add(10 * time.Minute)
	b := stable(false)
	if a["access_token"] != b["access_token"] {
		t.Fatal("stable_token must return the same token while it is valid")
	}
	if b["expires_in"] != float64(7200-600) {
		t.Fatalf("expires_in %v, want the remaining 6600", b["expires_in"])
	}
	// /cgi-bin/token does not disturb the stable token.
	_ = e.token("wxoa")
	if c := stable("0"); c["access_token"] != a["access_token"] {
		t.Fatal("a /cgi-bin/token call changed the stable token")
	}
	// force_refresh (sent as the string "1") issues a new token; the old one stays valid for the grace.
	f := stable("1")
	e.wantCode(f, 0, "force_refresh")
	if f["access_token"] == a["access_token"] {
		t.Fatal("force_refresh must issue a new token")
	}
	_, m := e.do(http.MethodGet, "/cgi-bin/account/getaccountbasicinfo", url.Values{"access_token": {a["access_token"].(string)}}, nil)
	e.wantCode(m, 0, "old stable token within the grace")
	// A second force within 30 s is refused; after 30 s it works.
	e.wantCode(stable(true), 45011, "force_refresh 10s later")
	e.clock.Add(31 * time.Second)
	e.wantCode(stable(1), 0, "force_refresh 31s later")
	// 20 a day: 2 used; 18 more, then 45009.
	for i := 0; i < 18; i++ {
		e.clock.Add(31 * time.Second)
		e.wantCode(stable(true), 0, "force_refresh within the daily 20")
	}
	e.clock.Add(31 * time.Second)
	e.wantCode(stable(true), 45009, "21st force_refresh of the day")
	// Near expiry, the platform renews: a fresh token when less than 5 minutes are left.
	cur := stable(nil)
	e.clock.Add(7200*time.Second - 4*time.Minute)
	if n := stable(nil); n["access_token"] == cur["access_token"] || n["expires_in"] != float64(7200) {
		t.Fatalf("near expiry: got the same token or a short life (%v)", n["expires_in"])
	}
	e.wantCode(stable("maybe"), 47001, "force_refresh of the wrong shape")
}

func TestStableTokenWithAShortTTL(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: time.Minute})
	e.seed(oaAcct("wxoa", "ACME"))
	body := map[string]any{"grant_type": "client_credential", "appid": "wxoa", "secret": "secret-wxoa"}
	_, a := e.do(http.MethodPost, "/cgi-bin/stable_token", nil, body)
	e.clock.Add(30 * time.Second)
	_, b := e.do(http.MethodPost, "/cgi-bin/stable_token", nil, body)
	if a["access_token"] != b["access_token"] || b["expires_in"] != float64(30) {
		t.Fatalf("with a 1 minute TTL the stable token must still be reused: %v then %v", a, b)
	}
}

func TestTokenStateIsBounded(t *testing.T) {
	e := newEnv(t, Options{Limits: Limits{Tokens: 10}})
	e.seed(oaAcct("wxoa", "ACME"))
	var toks []string
	for i := 0; i < 25; i++ {
		toks = append(toks, e.token("wxoa"))
		e.clock.Add(time.Second)
	}
	if n := len(e.sim.State().Tokens); n > 10 {
		t.Fatalf("%d tokens kept, limit 10", n)
	}
	_, m := e.do(http.MethodGet, "/cgi-bin/account/getaccountbasicinfo", url.Values{"access_token": {toks[0]}}, nil)
	e.wantCode(m, 40001, "pruned token")
	_, m = e.do(http.MethodGet, "/cgi-bin/account/getaccountbasicinfo", url.Values{"access_token": {toks[24]}}, nil)
	e.wantCode(m, 0, "newest token")
}

func TestBusinessEndpointsCheckTheTokensAccount(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"))
	mpTok := e.token("wxmp")
	oaTok := e.token("wxoa")
	e.wantCode(e.api("/cgi-bin/wxopen/wxamplink", mpTok, map[string]any{"appid": "wxmp"}), 48001, "wxamplink with a Mini Program token")
	e.wantCode(e.api("/wxa/bind_tester", oaTok, map[string]any{"wechatid": "tester_1"}), 48001, "bind_tester with an Official Account token")
	if err := e.sim.DeleteAccount("wxoa"); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.api("/cgi-bin/wxopen/wxamplinkget", oaTok, map[string]any{}), 40001, "token of a deleted account")
}

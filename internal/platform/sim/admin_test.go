// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAdminAPI(t *testing.T) {
	cb, _ := callback(t, "success")
	e := newEnv(t, Options{Component: &Component{AppID: "wxcomp", Secret: "cs", Token: "t", EncodingAESKey: testAESKey, CallbackURL: cb.URL}})
	admin := func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		return e.do(method, path, nil, body)
	}
	mustOK := func(status int, m map[string]any) {
		t.Helper()
		if status != http.StatusOK || code(m) != 0 {
			t.Fatalf("HTTP %d %v", status, m)
		}
	}
	mustOK(admin(http.MethodGet, "/sim/healthz", nil))
	st, m := admin(http.MethodPost, "/sim/accounts", []Account{oaAcct("wxoa", "ACME"), mpAcct("wxmp", "Other"), mpAcct("wxmp2", "ACME")})
	mustOK(st, m)
	st, m = admin(http.MethodPost, "/sim/accounts", SeedFile{Accounts: []Account{mpAcct("wxmp3", "ACME")},
		Links: []Link{{OfficialAccount: "wxoa", MiniProgram: "wxmp3"}}})
	mustOK(st, m)
	st, m = admin(http.MethodPost, "/sim/accounts", mpAcct("wxmp", "Changed Subject"))
	if st != http.StatusBadRequest || code(m) != 40097 {
		t.Fatalf("changing a subject: HTTP %d %v", st, m)
	}
	st, m = admin(http.MethodPost, "/sim/accounts", `{"appid":"x","typo":1}`)
	if st != http.StatusBadRequest {
		t.Fatalf("unknown admin field: HTTP %d %v", st, m)
	}

	tok := e.token("wxoa")
	e.wantCode(e.link(tok, "wxmp"), 0, "link")
	pair := map[string]any{"officialAccount": "wxoa", "miniProgram": "wxmp", "step": true}
	st, m = admin(http.MethodPost, "/sim/links/confirm", pair)
	mustOK(st, m)
	if m["status"] != float64(2) {
		t.Fatalf("after one step: %v", m)
	}
	st, m = admin(http.MethodPost, "/sim/links/reject", pair)
	mustOK(st, m)
	if e.linkItems(tok)["wxmp"]["status"] != float64(3) {
		t.Fatal("reject through the admin API did not take")
	}
	st, m = admin(http.MethodPost, "/sim/links/confirm", map[string]any{"officialAccount": "wxoa", "miniProgram": "nope"})
	if st != http.StatusNotFound || code(m) != 40013 {
		t.Fatalf("confirm an unknown link: HTTP %d %v", st, m)
	}
	mustOK(admin(http.MethodPost, "/sim/links/console", map[string]any{"officialAccount": "wxoa", "miniProgram": "wxmp2"}))
	mustOK(admin(http.MethodPost, "/sim/links/status", map[string]any{"officialAccount": "wxoa", "miniProgram": "wxmp2", "status": 4}))
	if e.linkItems(tok)["wxmp2"]["status"] != float64(4) {
		t.Fatal("forced status 4 not listed")
	}
	mustOK(admin(http.MethodPost, "/sim/links/remove", map[string]any{"officialAccount": "wxoa", "miniProgram": "wxmp2"}))
	mustOK(admin(http.MethodPost, "/sim/accounts/verification", map[string]any{"appid": "wxmp2", "verification": "Expired"}))
	if a, _ := e.sim.Account("wxmp2"); a.Verification != Expired {
		t.Fatalf("verification %s", a.Verification)
	}
	mustOK(admin(http.MethodPost, "/sim/merchants", map[string]any{"appid": "wxoa", "mchid": "1900000001"}))
	mustOK(admin(http.MethodPost, "/sim/wechat-ids", map[string]any{"wechatid": "ghost_user", "unknown": true}))
	mustOK(admin(http.MethodPost, "/sim/open-accounts", map[string]any{"openAppID": "wxopen", "subject": map[string]any{"name": "ACME"}, "members": []string{"wxoa"}}))

	// Faults.
	st, m = admin(http.MethodPost, "/sim/faults", map[string]any{"path": linkGet, "errcode": -1, "latency": "1ms", "count": 1})
	mustOK(st, m)
	if m["id"] == "" {
		t.Fatal("no fault id")
	}
	_, m = admin(http.MethodGet, "/sim/faults", nil)
	if fs := m["faults"].([]any); len(fs) != 1 || fs[0].(map[string]any)["latency"] != "1ms" {
		t.Fatalf("faults %v", m)
	}
	st, m = admin(http.MethodPost, "/sim/faults", map[string]any{"path": "/nope", "errcode": 1})
	if st != http.StatusBadRequest {
		t.Fatalf("bad fault: HTTP %d %v", st, m)
	}
	_, m = admin(http.MethodDelete, "/sim/faults", nil)
	if m["removed"] != float64(1) {
		t.Fatalf("clear: %v", m)
	}

	// Clock.
	_, m = admin(http.MethodPost, "/sim/clock", map[string]any{"now": "2026-11-30T16:00:00Z"})
	if m["beijing"] != "2026-12-01T00:00:00+08:00" {
		t.Fatalf("clock: %v", m)
	}
	_, m = admin(http.MethodPost, "/sim/clock", map[string]any{"advance": "1h"})
	if m["beijing"] != "2026-12-01T01:00:00+08:00" {
		t.Fatalf("clock: %v", m)
	}
	st, m = admin(http.MethodPost, "/sim/clock", map[string]any{})
	if st != http.StatusBadRequest {
		t.Fatalf("empty clock change: HTTP %d %v", st, m)
	}

	// Ticket push.
	st, m = admin(http.MethodPost, "/sim/ticket/push", nil)
	mustOK(st, m)
	if p := m["push"].(map[string]any); p["pushed"] != true || !strings.HasPrefix(p["ticket"].(string), "ticket@@@") {
		t.Fatalf("push %v", m)
	}

	// Calls and their reset.
	_, m = admin(http.MethodGet, "/sim/calls", nil)
	if c := m["calls"].(map[string]any)[linkGet].(map[string]any); c["total"] != float64(2) {
		t.Fatalf("calls %v", c)
	}
	mustOK(admin(http.MethodDelete, "/sim/calls", nil))
	if len(e.sim.Calls()) != 0 {
		t.Fatal("calls not reset")
	}

	// The dump holds neither secrets nor tokens.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.srv.URL+"/sim/state", nil)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, secret := range []string{"secret-wxoa", "secret-wxmp", tok, "cs"} {
		if strings.Contains(string(raw), `"`+secret+`"`) || strings.Contains(string(raw), tok) {
			t.Fatalf("the state dump reveals %q", secret)
		}
	}
	var dump struct {
		State Snapshot `json:"state"`
	}
	if err := json.Unmarshal(raw, &dump); err != nil {
		t.Fatal(err)
	}
	if len(dump.State.Accounts) != 4 || len(dump.State.Tokens) == 0 || len(dump.State.Merchants) != 1 || dump.State.LastTicketPush == nil {
		t.Fatalf("dump %+v", dump.State)
	}

	// Methods and unknown routes answer JSON with an errcode.
	st, m = admin(http.MethodGet, "/sim/links/confirm", nil)
	if st != http.StatusMethodNotAllowed || code(m) != 43001 {
		t.Fatalf("wrong method: HTTP %d %v", st, m)
	}
	st, m = admin(http.MethodGet, "/sim/nothing", nil)
	if st != http.StatusNotFound || code(m) != 40066 {
		t.Fatalf("unknown admin route: HTTP %d %v", st, m)
	}

	e.wantCode(e.api(linkGet, tok, map[string]any{}), 40001, "a token from before the clock jumped months ahead")
	fresh := e.token("wxoa")
	mustOK(admin(http.MethodPost, "/sim/tokens/expire", map[string]any{"appid": "wxoa"}))
	e.wantCode(e.api(linkGet, fresh, map[string]any{}), 42001, "expired by the admin API")
	mustOK(admin(http.MethodPost, "/sim/accounts/delete", map[string]any{"appid": "wxmp"}))
	mustOK(admin(http.MethodPost, "/sim/reset", nil))
	if len(e.sim.State().Accounts) != 0 {
		t.Fatal("reset left accounts")
	}
}

func TestAdminToken(t *testing.T) {
	e := newEnv(t, Options{AdminToken: "let-me-in"})
	st, _ := e.do(http.MethodGet, "/sim/state", nil, nil)
	if st != http.StatusUnauthorized {
		t.Fatalf("without the admin token: HTTP %d", st)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, e.srv.URL+"/sim/healthz", nil)
	req.Header.Set("Authorization", "Bearer let-me-in")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("with the admin token: HTTP %d", resp.StatusCode)
	}
	// The WeChat API itself needs no admin token.
	_, m := e.do(http.MethodGet, "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {"x"}, "secret": {"y"}}, nil)
	e.wantCode(m, 40013, "token call")
}

func TestStartServesOnLoopback(t *testing.T) {
	srv, err := Start(Options{TicketInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s", srv.URL)
	}
	if err := srv.Seed(oaAcct("wxoa", "ACME")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/cgi-bin/token?grant_type=client_credential&appid=wxoa&secret=secret-wxoa", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m["access_token"] == nil {
		t.Fatalf("token over Start: %v %v", m, err)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a simulator served over HTTP on 127.0.0.1 with a fake clock.
type env struct {
	t     *testing.T
	sim   *Simulator
	srv   *httptest.Server
	clock *fakeClock
}

// t0 is a Wednesday in the middle of a Beijing month.
var t0 = time.Date(2026, 6, 10, 4, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clk := newFakeClock(t0)
	if opts.Clock == nil {
		opts.Clock = clk.Now
	}
	if opts.TicketInterval == 0 {
		opts.TicketInterval = -1
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(s.Handler()) // listens on 127.0.0.1
	t.Cleanup(func() {
		srv.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, sim: s, srv: srv, clock: clk}
}

// do sends a request and decodes the JSON answer; body may be nil, a string (sent raw) or a value (JSON).
func (e *env) do(method, path string, q url.Values, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	u := e.srv.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		e.t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, raw)
	}
	return resp.StatusCode, m
}

// api POSTs to an API path with an access token.
func (e *env) api(path, token string, body any) map[string]any {
	e.t.Helper()
	_, m := e.do(http.MethodPost, path, url.Values{"access_token": {token}}, body)
	return m
}

func code(m map[string]any) int {
	f, ok := m["errcode"].(float64)
	if !ok {
		panic(fmt.Sprintf("no numeric errcode in %v", m))
	}
	return int(f)
}

// wantCode fails the test unless the answer has the errcode.
func (e *env) wantCode(m map[string]any, want int, what string) {
	e.t.Helper()
	if got := code(m); got != want {
		e.t.Fatalf("%s: errcode %d (%v), want %d", what, got, m["errmsg"], want)
	}
}

// token gets an access token over HTTP with the account's secret.
func (e *env) token(appid string) string {
	e.t.Helper()
	a, ok := e.sim.Account(appid)
	if !ok {
		e.t.Fatalf("no account %s", appid)
	}
	_, m := e.do(http.MethodGet, "/cgi-bin/token", url.Values{
		"grant_type": {"client_credential"}, "appid": {appid}, "secret": {a.Secret}}, nil)
	e.wantCode(m, 0, "token "+appid)
	return m["access_token"].(string)
}

func (e *env) seed(accts ...Account) {
	e.t.Helper()
	if err := e.sim.Seed(accts...); err != nil {
		e.t.Fatalf("Seed: %v", err)
	}
}

func oaAcct(appid, subject string) Account {
	return Account{AppID: appid, Secret: "secret-" + appid, Type: OfficialAccount,
		Subject: Subject{Name: subject, Type: Enterprise}, Verification: Verified, Nickname: "OA " + appid}
}

func mpAcct(appid, subject string) Account {
	return Account{AppID: appid, Secret: "secret-" + appid, Type: MiniProgram,
		Subject: Subject{Name: subject, Type: Enterprise}, Verification: Verified, Nickname: "MP " + appid, Released: true}
}

func boolPtr(b bool) *bool { return &b }

// items returns wxamplinkget's items keyed by appid.
func (e *env) linkItems(token string) map[string]map[string]any {
	e.t.Helper()
	m := e.api("/cgi-bin/wxopen/wxamplinkget", token, map[string]any{})
	e.wantCode(m, 0, "wxamplinkget")
	out := map[string]map[string]any{}
	for _, it := range m["wxopens"].(map[string]any)["items"].([]any) {
		item := it.(map[string]any)
		out[item["appid"].(string)] = item
	}
	return out
}

func (e *env) link(token, mp string) map[string]any {
	e.t.Helper()
	return e.api("/cgi-bin/wxopen/wxamplink", token, map[string]any{"appid": mp, "notify_users": 1, "show_profile": 1})
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRequestDecoding(t *testing.T) {
	e := newEnv(t, Options{MaxBodyBytes: 4096})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"))
	tok := e.token("wxoa")
	cases := []struct {
		name string
		path string
		body any
		want int
	}{
		{"bad JSON", "/cgi-bin/wxopen/wxamplink", `{"appid": "wxmp"`, 47001},
		{"not an object", "/cgi-bin/wxopen/wxamplink", `["wxmp"]`, 47001},
		{"trailing garbage", "/cgi-bin/wxopen/wxamplink", `{"appid":"wxmp"} x`, 47001},
		{"empty body", linkGet, "", 44002},
		{"oversize body", "/cgi-bin/wxopen/wxamplink", `{"appid":"wxmp","pad":"` + strings.Repeat("x", 8192) + `"}`, 47001},
		{"wrong type", "/cgi-bin/wxopen/wxamplink", `{"appid":"wxmp","show_profile":{"a":1}}`, 47001},
		{"bad boolean", "/cgi-bin/wxopen/wxamplink", `{"appid":"wxmp","notify_users":7}`, 47001},
		{"unknown fields are ignored", linkGet, `{"whatever":[1,2,{"x":null}]}`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.wantCode(e.api(tc.path, tok, tc.body), tc.want, tc.name)
		})
	}
	if n := e.sim.MonthlyOperations("wxoa"); n != 0 {
		t.Fatalf("refused requests counted %d operations", n)
	}
	// Booleans as strings, numbers and JSON booleans.
	for i, v := range []any{"1", 1, true} {
		mp := []string{"wxs", "wxn", "wxb"}[i]
		e.seed(mpAcct(mp, "ACME"))
		e.wantCode(e.api("/cgi-bin/wxopen/wxamplink", tok, map[string]any{"appid": mp, "show_profile": v, "notify_users": "0"}), 0, "flexible boolean")
		if sel := e.linkItems(tok)[mp]["selected"]; sel != float64(1) {
			t.Errorf("show_profile %#v: selected %v, want 1", v, sel)
		}
	}
}

func TestMethodsAndPaths(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	_, m := e.do(http.MethodGet, linkGet, url.Values{"access_token": {tok}}, nil)
	e.wantCode(m, 43002, "GET on a POST API")
	status, m := e.do(http.MethodPost, "/cgi-bin/nothing", nil, "{}")
	if status != http.StatusNotFound || code(m) != 40066 {
		t.Fatalf("unknown path: HTTP %d %v", status, m)
	}
	// The token in the component_access_token parameter is only for component APIs.
	_, m = e.do(http.MethodPost, linkGet, url.Values{"component_access_token": {tok}}, "{}")
	e.wantCode(m, 41001, "access_token under another name")
	_, m = e.do(http.MethodPost, "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {"wxoa"}, "secret": {"secret-wxoa"}}, nil)
	e.wantCode(m, 0, "POST /cgi-bin/token")
}

// panicLog records handler panics logged by the simulator.
type panicLog struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicLog) Enabled(context.Context, slog.Level) bool { return true }
func (p *panicLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "handler panic" {
		p.mu.Lock()
		p.panics = append(p.panics, r.Message)
		p.mu.Unlock()
	}
	return nil
}
func (p *panicLog) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicLog) WithGroup(string) slog.Handler      { return p }

func (p *panicLog) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.panics)
}

func TestPanicsAnswerSystemError(t *testing.T) {
	logs := &panicLog{}
	e := newEnv(t, Options{Logger: slog.New(logs)})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	e.sim.SetNow(func() time.Time { panic("clock broke") })
	e.wantCode(e.api(linkGet, tok, map[string]any{}), -1, "a panicking handler")
	if logs.count() != 1 {
		t.Fatalf("%d panics logged, want 1", logs.count())
	}
	// The state lock was released: the simulator still serves.
	e.sim.SetNow(e.clock.Now)
	e.wantCode(e.api(linkGet, tok, map[string]any{}), 0, "after the panic")
}

// TestLogsHoldNoSecrets checks that neither secrets nor tokens reach the logs.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf syncBuffer
	e := newEnv(t, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	e.wantCode(e.api(linkGet, tok, map[string]any{}), 0, "call")
	_, _ = e.do(http.MethodGet, "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {"wxoa"}, "secret": {"wrong-secret-value"}}, nil)
	out := buf.String()
	for _, secret := range []string{"secret-wxoa", "wrong-secret-value", tok} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds a secret or token:\n%s", out)
		}
	}
	if !strings.Contains(out, linkGet) {
		t.Fatalf("the log does not name the path:\n%s", out)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	for i := 0; i < 8; i++ {
		e.seed(mpAcct("wxmp"+string(rune('a'+i)), "ACME"))
	}
	tok := e.token("wxoa")
	var wg sync.WaitGroup
	errs := make(chan int, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(mp string) {
			defer wg.Done()
			for j := 0; j < 4; j++ {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost,
					e.srv.URL+"/cgi-bin/wxopen/wxamplink?access_token="+tok, strings.NewReader(`{"appid":"`+mp+`"}`))
				resp, err := e.srv.Client().Do(req)
				if err != nil {
					errs <- -2
					continue
				}
				_ = resp.Body.Close()
			}
		}("wxmp" + string(rune('a'+i)))
	}
	wg.Wait()
	close(errs)
	for c := range errs {
		t.Errorf("request failed: %d", c)
	}
	if n := len(e.linkItems(tok)); n != 8 {
		t.Fatalf("%d links, want 8", n)
	}
	// Only the first request of each pair was an operation; the others got 89015.
	if n := e.sim.MonthlyOperations("wxoa"); n != 8 {
		t.Fatalf("monthly operations %d, want 8", n)
	}
}

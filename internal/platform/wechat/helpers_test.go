// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// fakeClock is an injected clock whose Sleep advances it at once and records the wait.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
	f.slept = append(f.slept, d)
	return nil
}

func (f *fakeClock) Slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}

// call is one request the fake server received.
type call struct {
	Path  string
	Query map[string]string
	Body  map[string]any
}

// fakeWeChat is an httptest server on 127.0.0.1 with a handler per path and a record of the calls.
type fakeWeChat struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	calls    []call
	handlers map[string]func(w http.ResponseWriter, c call)
	// clock, when set, is the platform's clock: every response's Date header is read from it (a handler may
	// still set its own), so that the client's 45009 wait, which trusts the Date header, follows the test's
	// injected clock and not the wall clock net/http would stamp.
	clock func() time.Time
}

func newFakeWeChat(t *testing.T) *fakeWeChat {
	t.Helper()
	f := &fakeWeChat{t: t, handlers: map[string]func(http.ResponseWriter, call){}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeChat) serve(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	c := call{Path: r.URL.Path[1:], Query: map[string]string{}, Body: map[string]any{}}
	for k, v := range r.URL.Query() {
		c.Query[k] = v[0]
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &c.Body); err != nil {
			f.t.Errorf("%s: request body is not JSON: %v", c.Path, err)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	h := f.handlers[c.Path]
	clock := f.clock
	f.mu.Unlock()
	if clock != nil {
		w.Header().Set("Date", clock().UTC().Format(http.TimeFormat))
	}
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, c)
}

func (f *fakeWeChat) handle(path string, h func(w http.ResponseWriter, c call)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[path] = h
}

// count counts the calls to path that match (nil matches all).
func (f *fakeWeChat) count(path string, match func(call) bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Path == path && (match == nil || match(c)) {
			n++
		}
	}
	return n
}

func (f *fakeWeChat) callsTo(path string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func ok(extra map[string]any) map[string]any {
	m := map[string]any{"errcode": 0, "errmsg": "ok"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func errBody(code int, msg string) map[string]any {
	return map[string]any{"errcode": code, "errmsg": msg + " rid: 61932a5b-0e248764-42d1c1b2"}
}

// stableTokens makes stable_token hand out the tokens in order (the last repeats); force-refresh calls get
// forced (when not empty) instead.
func (f *fakeWeChat) stableTokens(forced string, tokens ...string) {
	var mu sync.Mutex
	i := 0
	f.handle(apiStableToken, func(w http.ResponseWriter, c call) {
		if c.Body["force_refresh"] == true && forced != "" {
			writeJSON(w, map[string]any{"access_token": forced, "expires_in": 7200})
			return
		}
		mu.Lock()
		tok := tokens[min(i, len(tokens)-1)]
		i++
		mu.Unlock()
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": 7200})
	})
}

func isForce(c call) bool    { return c.Body["force_refresh"] == true }
func isNotForce(c call) bool { return c.Body["force_refresh"] == false }

type testEnv struct {
	srv    *fakeWeChat
	clock  *fakeClock
	reg    *prometheus.Registry
	client *Client
}

// newEnv builds a client against a fresh fake server. mutate adjusts the config.
func newEnv(t *testing.T, mutate func(*Config)) *testEnv {
	t.Helper()
	srv := newFakeWeChat(t)
	clock := newFakeClock()
	srv.clock = clock.Now
	reg := prometheus.NewRegistry()
	cfg := Config{
		BaseURL:      srv.srv.URL,
		Timeout:      5 * time.Second,
		QPS:          1000,
		Burst:        1000,
		AccountQPS:   1000,
		AccountBurst: 1000,
		Clock:        clock.Now,
		Sleep:        clock.Sleep,
		Registerer:   reg,
		Logger:       logr.Discard(),
		Retry:        RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: 2 * time.Second},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testEnv{srv: srv, clock: clock, reg: reg, client: c}
}

var (
	ownOA = platform.Account{AppID: "wx0a0a0a0a0a0a0a01", Credential: "oa-app-secret-0123456789abcdef"}
	ownMP = platform.Account{AppID: "wx1b1b1b1b1b1b1b02", Credential: "mp-app-secret-0123456789abcdef"}
)

func mustClass(t *testing.T, err error, class platform.Class) *platform.Error {
	t.Helper()
	e, ok := platform.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *platform.Error", err, err)
	}
	if e.Class != class {
		t.Fatalf("error class = %s, want %s (%v)", e.Class, class, e)
	}
	return e
}

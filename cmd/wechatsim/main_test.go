// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

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

func TestHelpListsFlagsAndAdminRoutes(t *testing.T) {
	var out syncBuffer
	err := run(context.Background(), []string{"--help"}, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"-listen", "-seed", "-state-file", "-token-ttl", "-ticket-interval", "-component-appid",
		"WECHATSIM_COMPONENT_SECRET", "/cgi-bin/wxopen/wxamplink", "/sim/links/confirm", "/sim/faults", "/sim/clock"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help does not mention %s", want)
		}
	}
	if err := run(context.Background(), []string{"--nope"}, &out); err == nil {
		t.Fatal("an unknown flag must be an error")
	}
}

func TestServeSeedAndStateFile(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "accounts.yaml")
	state := filepath.Join(dir, "state.json")
	if err := os.WriteFile(seed, []byte(`
accounts:
- appid: wxoa
  secret: top-secret-value
  type: OfficialAccount
  subject: {name: ACME, type: Enterprise}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WECHATSIM_COMPONENT_SECRET", "component-secret-value")
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--seed", seed, "--state-file", state,
			"--component-appid", "wxcomp", "--ticket-interval", "0"}, &out)
	}()
	addr := waitListening(t, &out, done)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
		"http://"+addr+"/cgi-bin/token?grant_type=client_credential&appid=wxoa&secret=top-secret-value", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	err = json.NewDecoder(resp.Body).Decode(&m)
	_ = resp.Body.Close()
	if err != nil || m["errcode"] != float64(0) {
		t.Fatalf("token: %v %v", m, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	data, err := os.ReadFile(state)
	if err != nil || !bytes.Contains(data, []byte(`"wxoa"`)) {
		t.Fatalf("state file after shutdown: %v %s", err, data)
	}
	for _, secret := range []string{"top-secret-value", "component-secret-value", m["access_token"].(string)} {
		if strings.Contains(out.String(), secret) {
			t.Fatalf("the log reveals a secret:\n%s", out.String())
		}
	}
}

// waitListening polls run's log, with a bounded deadline, for the port it listens on (the log is the only
// place the port appears) and returns 127.0.0.1:port. A run that returns early fails the test.
func waitListening(t *testing.T, out *syncBuffer, done <-chan error) string {
	t.Helper()
	addrRe := regexp.MustCompile(`wechatsim listening.* addr=\S*:(\d+)`)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for {
		if m := addrRe.FindStringSubmatch(out.String()); m != nil {
			return "127.0.0.1:" + m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("no listening line:\n%s", out.String())
		case <-tick.C:
		}
	}
}

// TestAdminTokenRequiredOffLoopback: on an address other than loopback, wechatsim does not start without an
// admin token, and with one it serves the admin API only to callers that send it.
func TestAdminTokenRequiredOffLoopback(t *testing.T) {
	t.Setenv("WECHATSIM_ADMIN_TOKEN", "")
	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0", "example.com:0"} {
		var out syncBuffer
		err := run(context.Background(), []string{"--listen", listen}, &out)
		if err == nil || !strings.Contains(err.Error(), "--admin-token") {
			t.Fatalf("--listen %s without a token: %v, want an error naming --admin-token", listen, err)
		}
	}

	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "0.0.0.0:0", "--admin-token", "admin-secret-value"}, &out)
	}()
	addr := waitListening(t, &out, done)
	healthz := func(token string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/sim/healthz", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if got := healthz(""); got != http.StatusUnauthorized {
		t.Errorf("/sim/healthz without the token: HTTP %d, want 401", got)
	}
	if got := healthz("admin-secret-value"); got != http.StatusOK {
		t.Errorf("/sim/healthz with the token: HTTP %d, want 200", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if strings.Contains(out.String(), "admin-secret-value") {
		t.Fatalf("the log reveals the admin token:\n%s", out.String())
	}
}

func TestLoopback(t *testing.T) {
	for listen, want := range map[string]bool{"127.0.0.1:18080": true, "127.1.2.3:0": true, "localhost:80": true,
		"[::1]:0": true, "0.0.0.0:0": false, ":8080": false, "[::]:0": false, "10.0.0.5:80": false,
		"wechatsim.internal:80": false, "garbage": false} {
		if got := loopback(listen); got != want {
			t.Errorf("loopback(%q) = %v, want %v", listen, got, want)
		}
	}
}

func TestAdminTokenFromTheEnvironment(t *testing.T) {
	t.Setenv("WECHATSIM_ADMIN_TOKEN", "env-admin-token")
	c, err := parseFlags([]string{"--listen", "0.0.0.0:0", "--admin-token", "flag-admin-token"}, io.Discard)
	if err != nil || c.adminToken != "env-admin-token" {
		t.Fatalf("parseFlags = %+v, %v; want the environment's token", c, err)
	}
	t.Setenv("WECHATSIM_ADMIN_TOKEN", "")
	if c, err = parseFlags([]string{"--admin-token", "flag-admin-token"}, io.Discard); err != nil || c.adminToken != "flag-admin-token" {
		t.Fatalf("an empty $WECHATSIM_ADMIN_TOKEN erased --admin-token: %+v, %v", c, err)
	}
}

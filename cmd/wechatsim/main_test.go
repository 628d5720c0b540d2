// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
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
	addrRe := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	var addr string
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for addr == "" {
		if m := addrRe.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("no listening line:\n%s", out.String())
		case <-tick.C:
		}
	}
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

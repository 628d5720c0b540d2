// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestStoreSeedServesTheStoreSimulator: --store-seed serves the Youzan, Weimob and Weidian endpoints on the
// same address, the store simulator's admin API at /sim/stores/, and leaves wechatsim's own /sim/ alone.
func TestStoreSeedServesTheStoreSimulator(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "stores.yaml")
	if err := os.WriteFile(seed, []byte(`
shops:
- {provider: Youzan, clientID: yz, clientSecret: yz-secret, shopID: "1001", shopName: 有赞店}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--store-seed", seed, "--ticket-interval", "0"}, &out)
	}()
	addr := waitListening(t, &out, done)
	post := func(path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, bytes.NewBufferString(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return m
	}
	tok := post("/auth/token", `{"client_id":"yz","client_secret":"yz-secret","authorize_type":"silent","grant_id":"1001"}`)
	if tok["success"] != true {
		t.Fatalf("Youzan token: %v", tok)
	}
	if m := post("/sim/stores/tokens/expire", `{"clientID":"yz"}`); m["expired"] != float64(1) {
		t.Errorf("store admin API: %v", m)
	}
	if m := post("/sim/cooperations", `{}`); m["errcode"] == float64(0) {
		t.Errorf("wechatsim's own admin API should still answer /sim/cooperations (and refuse an empty body): %v", m)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

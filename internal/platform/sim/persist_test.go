// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPersistenceRoundTrip(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "state.json")
	clk := newFakeClock(t0)
	opts := Options{StateFile: file, Clock: clk.Now, TicketInterval: -1}

	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv1 := httptest.NewServer(s1.Handler())
	e := &env{t: t, sim: s1, srv: srv1, clock: clk}
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"), mpAcct("wxother", "Other"))
	tok := e.token("wxoa")
	e.wantCode(e.link(tok, "wxmp"), 0, "link")
	e.wantCode(e.link(tok, "wxother"), 0, "pending link")
	mpTok := e.token("wxmp")
	e.wantCode(e.api("/wxa/bind_tester", mpTok, map[string]any{"wechatid": "alice_01"}), 0, "tester")
	e.wantCode(e.api("/cgi-bin/open/create", tok, map[string]any{}), 0, "open create")
	if err := s1.BindMerchant("wxmp", "1900000001"); err != nil {
		t.Fatal(err)
	}
	s1.AdvanceClock(time.Hour)
	srv1.Close()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	before := s1.State()

	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v, want 0600", info.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".state.json.tmp-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}

	s2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(s2.Handler())
	defer srv2.Close()
	defer func() { _ = s2.Close() }()
	e2 := &env{t: t, sim: s2, srv: srv2, clock: clk}
	after := s2.State()
	if len(after.Accounts) != 3 || len(after.Links) != 2 || len(after.OpenAccounts) != 1 || len(after.Merchants) != 1 ||
		len(after.Testers["wxmp"]) != 1 || after.ClockOffset != "1h0m0s" || len(after.Tokens) != len(before.Tokens) {
		t.Fatalf("restored state differs:\nbefore %+v\nafter  %+v", before, after)
	}
	// The old tokens still work, the links, monthly counts and testers are there.
	items := e2.linkItems(tok)
	if items["wxmp"]["status"] != float64(1) || items["wxother"]["status"] != float64(12) {
		t.Fatalf("restored links: %v", items)
	}
	if n := s2.MonthlyOperations("wxoa"); n != 2 {
		t.Fatalf("restored monthly operations %d, want 2", n)
	}
	e2.wantCode(e2.api("/wxa/bind_tester", mpTok, map[string]any{"wechatid": "alice_01"}), 85004, "restored tester")
	e2.wantCode(e2.api("/cgi-bin/open/create", tok, map[string]any{}), 89000, "restored open binding")
	if err := s2.Confirm("wxoa", "wxother"); err != nil {
		t.Fatal(err)
	}
}

// TestPersistsWithoutClose shows the debounced writer saving a mutation on its own.
func TestPersistsWithoutClose(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s, err := New(Options{StateFile: file, PersistDelay: time.Millisecond, TicketInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if err := s.Seed(oaAcct("wxoa", "ACME")); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for {
		if data, err := os.ReadFile(file); err == nil {
			var p persisted
			if json.Unmarshal(data, &p) == nil && len(p.Accounts) == 1 && p.Accounts[0].Secret == "secret-wxoa" {
				return
			}
		}
		select {
		case <-deadline:
			t.Fatal("the state file was not written within 5s")
		case <-tick.C:
		}
	}
}

func TestCorruptStateFileIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StateFile: file}); err == nil {
		t.Fatal("a corrupt state file must not be silently replaced")
	}
}

func TestSeedFile(t *testing.T) {
	yml := []byte(`
accounts:
- appid: wxoa
  secret: s1
  type: OfficialAccount
  subject: {name: ACME, type: Enterprise}
  verification: Verified
- appid: wxmp
  secret: s2
  type: MiniProgram
  subject: {name: ACME}
  autoConfirm: false
  authorizerRefreshToken: refresh@@@x
openAccounts:
- openAppID: wxopen
  subject: {name: ACME}
  verified: true
  members: [wxoa]
links:
- {officialAccount: wxoa, miniProgram: wxmp}
unknownWeChatIDs: [ghost_user]
`)
	f, err := ParseSeed(yml)
	if err != nil {
		t.Fatal(err)
	}
	s := MustNew(Options{})
	defer func() { _ = s.Close() }()
	if err := s.ApplySeed(f); err != nil {
		t.Fatal(err)
	}
	st := s.State()
	if len(st.Accounts) != 2 || len(st.Links) != 1 || st.Links[0].Status != 1 || st.Links[0].Origin != LinkOriginConsole ||
		len(st.OpenAccounts) != 1 || len(st.UnknownWeChatIDs) != 1 {
		t.Fatalf("seeded state %+v", st)
	}
	a, _ := s.Account("wxmp")
	if a.Username == "" || a.Subject.Type != Enterprise || a.Verification != Unverified || a.AutoConfirm == nil || *a.AutoConfirm {
		t.Fatalf("defaults not filled: %+v", a)
	}
	for _, acct := range st.Accounts {
		if acct.Secret != redacted || (acct.AppID == "wxmp" && acct.AuthorizerRefreshToken != redacted) {
			t.Fatalf("secret not redacted in the snapshot: %+v", acct)
		}
	}
	if _, err := ParseSeed([]byte("accounts: []\nbogus: 1\n")); err == nil {
		t.Fatal("an unknown seed key must be an error")
	}
	list, err := ParseSeed([]byte(`[{"appid":"wxa","type":"MiniProgram","subject":{"name":"X"}}]`))
	if err != nil || len(list.Accounts) != 1 {
		t.Fatalf("a bare account list: %v %+v", err, list)
	}
}

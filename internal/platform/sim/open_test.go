// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestOpenPlatform(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxother", "Other"))
	for i := 1; i <= 6; i++ {
		e.seed(mpAcct(fmt.Sprintf("wxmp%d", i), "ACME"))
	}
	tok := e.token("wxoa")
	e.wantCode(e.api("/cgi-bin/open/get", tok, map[string]any{"appid": "wxoa"}), 89002, "get before create")
	_, have := e.do(http.MethodGet, "/cgi-bin/open/have", url.Values{"access_token": {tok}}, nil)
	if have["have_open"] != false {
		t.Fatalf("have_open before create: %v", have)
	}
	created := e.api("/cgi-bin/open/create", tok, map[string]any{"appid": "wxoa"})
	e.wantCode(created, 0, "create")
	openID, _ := created["open_appid"].(string)
	if openID == "" {
		t.Fatalf("create answered no open_appid: %v", created)
	}
	e.wantCode(e.api("/cgi-bin/open/create", tok, map[string]any{}), 89000, "create when bound")
	if got := e.api("/cgi-bin/open/get", tok, map[string]any{}); got["open_appid"] != openID {
		t.Fatalf("get: %v, want %s", got, openID)
	}
	e.wantCode(e.api("/cgi-bin/open/get", tok, map[string]any{"appid": "wxmp1"}), 40013, "get for another account's appid")

	bind := func(mp string) map[string]any {
		return e.api("/cgi-bin/open/bind", e.token(mp), map[string]any{"appid": mp, "open_appid": openID})
	}
	e.wantCode(bind("wxother"), 89001, "bind another subject")
	// Unverified and API-created: 5 members at most (the creator is one).
	for i := 1; i <= 4; i++ {
		e.wantCode(bind(fmt.Sprintf("wxmp%d", i)), 0, fmt.Sprintf("bind %d", i))
	}
	e.wantCode(bind("wxmp5"), 89036, "6th member of an unverified open account")
	e.wantCode(bind("wxmp1"), 89000, "bind when already bound")
	e.wantCode(e.api("/cgi-bin/open/bind", e.token("wxmp5"), map[string]any{"open_appid": "wxnotopen"}), 40013, "unknown open_appid")
	// Verified, it takes more.
	st := e.sim.State()
	var o OpenAccount
	for _, x := range st.OpenAccounts {
		if x.OpenAppID == openID {
			o = x
		}
	}
	if !o.CreatedByAPI || o.Verified || len(o.Members) != 5 || o.Subject.Name != "ACME" {
		t.Fatalf("created open account: %+v", o)
	}
	o.Verified = true
	if err := e.sim.UpsertOpenAccount(o); err != nil {
		t.Fatal(err)
	}
	e.wantCode(bind("wxmp5"), 0, "6th member once verified")
	// Unbind.
	mp1 := e.token("wxmp1")
	e.wantCode(e.api("/cgi-bin/open/unbind", mp1, map[string]any{"appid": "wxmp1", "open_appid": openID}), 0, "unbind")
	e.wantCode(e.api("/cgi-bin/open/get", mp1, map[string]any{}), 89002, "get after unbind")
	e.wantCode(e.api("/cgi-bin/open/unbind", mp1, map[string]any{"appid": "wxmp1", "open_appid": openID}), 89002, "unbind when not bound")
}

func TestOpenPlatformConsoleCreated(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"), mpAcct("wxmp2", "ACME"))
	if err := e.sim.UpsertOpenAccount(OpenAccount{OpenAppID: "wxopen1", Subject: Subject{Name: "ACME"}, Members: []string{"wxoa"}}); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.api("/cgi-bin/open/bind", e.token("wxmp"), map[string]any{"open_appid": "wxopen1"}), 89003, "bind to a console-created unverified account")
	e.wantCode(e.api("/cgi-bin/open/unbind", e.token("wxoa"), map[string]any{"open_appid": "wxopen1"}), 89003, "unbind from a console-created account")
	if err := e.sim.UpsertOpenAccount(OpenAccount{OpenAppID: "wxopen1", Subject: Subject{Name: "ACME"}, Verified: true, Members: []string{"wxoa"}}); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.api("/cgi-bin/open/bind", e.token("wxmp"), map[string]any{"open_appid": "wxopen1"}), 0, "bind to a verified console-created account")
	e.wantCode(e.api("/cgi-bin/open/unbind", e.token("wxmp"), map[string]any{"open_appid": "wxopen1"}), 89003, "unbind is still a console step")
	if err := e.sim.UpsertOpenAccount(OpenAccount{OpenAppID: "wxopen2", Subject: Subject{Name: "ACME"}, Members: []string{"wxoa"}}); err == nil {
		t.Fatal("an account cannot be a member of two Open Platform accounts")
	}
}

func TestOpenPlatform100Members(t *testing.T) {
	e := newEnv(t, Options{})
	members := make([]string, 0, 100)
	for i := 0; i < 101; i++ {
		id := fmt.Sprintf("wxmp%03d", i)
		e.seed(mpAcct(id, "ACME"))
		if i < 100 {
			members = append(members, id)
		}
	}
	if err := e.sim.UpsertOpenAccount(OpenAccount{OpenAppID: "wxopen", Subject: Subject{Name: "ACME"}, Verified: true, Members: members[:99]}); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.api("/cgi-bin/open/bind", e.token("wxmp099"), map[string]any{"open_appid": "wxopen"}), 0, "100th member")
	e.wantCode(e.api("/cgi-bin/open/bind", e.token("wxmp100"), map[string]any{"open_appid": "wxopen"}), 89004, "101st member")
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// fuzzPaths are the API paths, the admin routes that cannot block or wipe the fixture, and an unknown path.
func fuzzPaths() []string {
	return append(APIPaths(),
		"/sim/accounts", "/sim/accounts/verification", "/sim/links/confirm", "/sim/links/reject", "/sim/links/console",
		"/sim/links/status", "/sim/links/remove", "/sim/open-accounts", "/sim/merchants", "/sim/wechat-ids",
		"/sim/cooperations", "/sim/clock", "/sim/state", "/sim/calls", "/sim/tokens/expire", "/cgi-bin/unknown")
}

// FuzzHandlers sends an arbitrary body, with one of a few tokens and methods, to a path from a fixed list.
// Whatever comes in, the simulator must not panic (not even one caught by its recover middleware) and must
// answer a JSON object with a numeric errcode.
func FuzzHandlers(f *testing.F) {
	logs := &panicLog{}
	clk := newFakeClock(t0)
	comp := &Component{AppID: "wxcomp", Secret: "cs", Token: "t", EncodingAESKey: testAESKey}
	s, err := New(Options{Clock: clk.Now, Logger: slog.New(logs), Component: comp, TicketInterval: -1,
		Limits: Limits{Accounts: 200, Links: 2000, Tokens: 2000, OpenAccounts: 200, Cooperations: 200, UnknownIDs: 200}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	store := Account{AppID: "wxstore", Secret: "s", Type: Store, Subject: Subject{Name: "ACME"}}
	oa := oaAcct("wxoa", "ACME")
	oa.AuthorizerRefreshToken = "refresh@@@1"
	if err := s.Seed(oa, mpAcct("wxmp", "ACME"), mpAcct("wxmp2", "Other"), store); err != nil {
		f.Fatal(err)
	}
	ticket, err := s.PushTicket(f.Context())
	if err != nil {
		f.Fatal(err)
	}
	tokens := []string{"", "garbage token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
	for _, id := range []string{"wxoa", "wxmp", "wxstore"} {
		tok, err := s.IssueToken(id)
		if err != nil {
			f.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	s.withLock(func() { tokens = append(tokens, s.issueToken(kindComponent, "wxcomp", s.now(), false).Token) })
	paths := fuzzPaths()
	methods := []string{http.MethodPost, http.MethodGet, http.MethodDelete, http.MethodPut}

	seeds := []string{
		`{}`, ``, `{"appid":"wxmp","notify_users":"1","show_profile":true}`, `{"appid":"wxmp2"}`,
		`{"wechatid":"tester_01"}`, `{"userstr":"x"}`, `{"action":"get_experiencer"}`,
		`{"open_appid":"wxopen","appid":"wxoa"}`, `{"sharer_id":"wxmp","sharer_type":"2"}`,
		`{"grant_type":"client_credential","appid":"wxoa","secret":"secret-wxoa","force_refresh":1}`,
		`{"component_appid":"wxcomp","component_appsecret":"cs","component_verify_ticket":"` + ticket.Ticket + `"}`,
		`{"component_appid":"wxcomp","authorizer_appid":"wxoa","authorizer_refresh_token":"refresh@@@1"}`,
		`{"officialAccount":"wxoa","miniProgram":"wxmp2","step":true,"status":4}`,
		`{"appid":"wxn","type":"MiniProgram","subject":{"name":"N","type":"Overseas"}}`,
		`{"advance":"-1h"}`, `{"now":"2026-11-30T16:00:00Z"}`, `[1,2,3]`, `null`, `"x"`, `{"appid":{"a":[]}}`,
		`{"appid":1e400}`, `{"sharer_type":99999999999999999999}`, "\xff\xfe{", `{"a":` + string(bytes.Repeat([]byte("["), 200)),
	}
	for i, b := range seeds {
		f.Add(uint8(i), uint8(0), uint8(i), []byte(b))
	}
	f.Fuzz(func(t *testing.T, pathIdx, methodIdx, tokenIdx uint8, body []byte) {
		path := paths[int(pathIdx)%len(paths)]
		method := methods[int(methodIdx)%len(methods)]
		tok := tokens[int(tokenIdx)%len(tokens)]
		q := url.Values{"access_token": {tok}, "component_access_token": {tok}}
		if path == "/cgi-bin/token" {
			q = url.Values{"grant_type": {"client_credential"}, "appid": {string(body)}, "secret": {tok}}
		}
		req := httptest.NewRequestWithContext(t.Context(), method, path+"?"+q.Encode(), bytes.NewReader(body))
		rec := httptest.NewRecorder()
		before := logs.count()
		start := time.Now()
		s.Handler().ServeHTTP(rec, req)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s %s with body %q took %v", method, path, body, d)
		}
		if logs.count() != before {
			t.Fatalf("%s %s with body %q panicked", method, path, body)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %s with body %q: answer is not a JSON object: %q", method, path, body, rec.Body.Bytes())
		}
		if _, ok := m["errcode"].(float64); !ok {
			t.Fatalf("%s %s with body %q: no numeric errcode in %q", method, path, body, rec.Body.Bytes())
		}
		if _, ok := m["errmsg"].(string); !ok {
			t.Fatalf("%s %s with body %q: no errmsg in %q", method, path, body, rec.Body.Bytes())
		}
	})
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestTesterLimits(t *testing.T) {
	cases := []struct {
		name  string
		subj  SubjectType
		verif Verification
		limit int
	}{
		{"individual", Individual, Unverified, 10},
		{"unverified organisation", Enterprise, Unverified, 20},
		{"verification expired", Government, Expired, 20},
		{"verified organisation", Enterprise, Verified, 40},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			mp := mpAcct("wxmp", "Someone")
			mp.Subject.Type, mp.Verification = tc.subj, tc.verif
			e.seed(mp)
			tok := e.token("wxmp")
			for i := 0; i < tc.limit; i++ {
				e.wantCode(e.api("/wxa/bind_tester", tok, map[string]any{"wechatid": fmt.Sprintf("tester_%02d", i)}), 0, fmt.Sprintf("tester %d", i))
			}
			e.wantCode(e.api("/wxa/bind_tester", tok, map[string]any{"wechatid": "one_too_many"}), 85002, "one tester too many")
		})
	}
}

func TestTesterLifecycle(t *testing.T) {
	e := newEnv(t, Options{Quotas: Quotas{TesterPerWeChatID: 2}})
	e.seed(mpAcct("wxmp", "ACME"), mpAcct("wxmp2", "ACME"), mpAcct("wxmp3", "ACME"))
	tok := e.token("wxmp")
	bound := e.api("/wxa/bind_tester", tok, map[string]any{"wechatid": "alice_01"})
	e.wantCode(bound, 0, "bind")
	us, _ := bound["userstr"].(string)
	if us == "" {
		t.Fatalf("no userstr: %v", bound)
	}
	e.wantCode(e.api("/wxa/bind_tester", tok, map[string]any{"wechatid": "alice_01"}), 85004, "bind twice")
	for _, bad := range []string{"1alice", "al", "alice with space", ""} {
		e.wantCode(e.api("/wxa/bind_tester", tok, map[string]any{"wechatid": bad}), 85001, "invalid id "+bad)
	}
	if err := e.sim.SetWeChatIDUnknown("ghost_user", true); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.api("/wxa/bind_tester", tok, map[string]any{"wechatid": "ghost_user"}), 85001, "id marked unknown")
	e.wantCode(e.api("/wxa/bind_tester", tok, map[string]any{"wechatid": "bob_0001"}), 0, "bind bob")
	members := e.api("/wxa/memberauth", tok, map[string]any{"action": "get_experiencer"})
	e.wantCode(members, 0, "memberauth")
	if list := members["members"].([]any); len(list) != 2 {
		t.Fatalf("members %v, want 2", list)
	}
	e.wantCode(e.api("/wxa/memberauth", tok, map[string]any{"action": "get_admin"}), 40097, "unknown action")
	// The per-WeChat-ID limit (2 here).
	e.wantCode(e.api("/wxa/bind_tester", e.token("wxmp2"), map[string]any{"wechatid": "alice_01"}), 0, "alice tests a 2nd Mini Program")
	e.wantCode(e.api("/wxa/bind_tester", e.token("wxmp3"), map[string]any{"wechatid": "alice_01"}), 85003, "alice's 3rd Mini Program")
	// Unbind by userstr and by wechatid.
	e.wantCode(e.api("/wxa/unbind_tester", tok, map[string]any{"userstr": us}), 0, "unbind by userstr")
	e.wantCode(e.api("/wxa/unbind_tester", tok, map[string]any{"wechatid": "bob_0001"}), 0, "unbind by wechatid")
	if got := e.sim.Testers("wxmp"); len(got) != 0 {
		t.Fatalf("testers left: %v", got)
	}
	e.wantCode(e.api("/wxa/unbind_tester", tok, map[string]any{}), 40097, "unbind without an id")
	e.wantCode(e.api("/wxa/bind_tester", e.token("wxmp3"), map[string]any{"wechatid": "alice_01"}), 0, "alice freed a slot")
}

func TestAccountBasicInfo(t *testing.T) {
	e := newEnv(t, Options{})
	sub := oaAcct("wxsub", "ACME")
	sub.ServiceType = "Subscription"
	ind := mpAcct("wxind", "Zhang San")
	ind.Subject.Type, ind.Verification = Individual, Unverified
	gov := mpAcct("wxgov", "City Hall")
	gov.Subject.Type, gov.Verification = Government, Expired
	e.seed(oaAcct("wxoa", "ACME"), sub, ind, gov)
	cases := []struct {
		appid                            string
		accountType, principal, customer float64
		qualification, naming            bool
		method                           string
	}{
		{"wxoa", 2, 1, 1, true, true, http.MethodGet},
		{"wxsub", 1, 1, 1, true, true, http.MethodPost},
		{"wxind", 3, 0, 0, false, false, http.MethodPost},
		{"wxgov", 3, 3, 3, true, true, http.MethodGet}, // Expired: verified once, annual review lapsed
	}
	for _, tc := range cases {
		t.Run(tc.appid, func(t *testing.T) {
			_, m := e.do(tc.method, "/cgi-bin/account/getaccountbasicinfo", url.Values{"access_token": {e.token(tc.appid)}}, nil)
			e.wantCode(m, 0, "getaccountbasicinfo")
			vi := m["wx_verify_info"].(map[string]any)
			if m["appid"] != tc.appid || m["account_type"] != tc.accountType || m["principal_type"] != tc.principal ||
				m["customer_type"] != tc.customer || vi["qualification_verify"] != tc.qualification || vi["naming_verify"] != tc.naming {
				t.Fatalf("answer %v", m)
			}
		})
	}
	if err := e.sim.SetVerification("wxind", Verified); err == nil {
		t.Fatal("an Individual subject must not become verified")
	}
	if err := e.sim.Seed(mpAcct("wxind", "Someone Else")); err == nil {
		t.Fatal("the subject must not change")
	}
}

func TestStorePartners(t *testing.T) {
	e := newEnv(t, Options{})
	store := Account{AppID: "wxstore", Secret: "s", Type: Store, Subject: Subject{Name: "ACME"}, Verification: Verified}
	oa := oaAcct("wxoa", "ACME")
	oa.Username = "gh_0123456789ab"
	e.seed(store, oa)
	tok := e.token("wxstore")
	args := map[string]any{"sharer_id": "gh_0123456789ab", "sharer_type": 2}
	e.wantCode(e.api("/channels/ec/cooperation/invitation/get", tok, args), 788191008, "no record yet")
	e.wantCode(e.api("/channels/ec/cooperation/unbind", tok, map[string]any{"sharer_id": "gh_nobody", "sharer_type": 2}), 803131000, "unknown sharer")
	inv := e.api("/channels/ec/cooperation/invitation/qrcode/generate", tok, args)
	e.wantCode(inv, 0, "invite")
	if qr, _ := inv["data"].(map[string]any)["qrcode_base64"].(string); qr == "" {
		t.Fatal("no qrcode_base64")
	}
	got := e.api("/channels/ec/cooperation/invitation/get", tok, args)
	if got["data"].(map[string]any)["status"] != float64(CoopAccepting) {
		t.Fatalf("invitation: %v, want status 4", got)
	}
	e.wantCode(e.api("/channels/ec/cooperation/unbind", tok, args), 788191005, "unbind while accepting")
	if err := e.sim.CooperationAction("wxstore", "gh_0123456789ab", 2, "accept"); err != nil {
		t.Fatal(err)
	}
	list := e.api("/channels/ec/cooperation/list", tok, map[string]any{"sharer_type": 2})
	items := list["data_list"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["status"] != float64(CoopBound) || items[0].(map[string]any)["bind_time"] == float64(0) {
		t.Fatalf("list: %v", list)
	}
	if other := e.api("/channels/ec/cooperation/list", tok, map[string]any{"sharer_type": 3}); len(other["data_list"].([]any)) != 0 {
		t.Fatalf("list of another sharer_type: %v", other)
	}
	e.wantCode(e.api("/channels/ec/cooperation/unbind", tok, args), 0, "unbind")
	e.wantCode(e.api("/channels/ec/cooperation/unbind", tok, args), 788191005, "unbind twice")
	e.wantCode(e.api("/channels/ec/cooperation/invitation/qrcode/generate", tok, args), 0, "invite again")
	e.wantCode(e.api("/channels/ec/cooperation/invitation/cancel", tok, args), 0, "cancel")
	if got := e.api("/channels/ec/cooperation/invitation/get", tok, args); got["data"].(map[string]any)["status"] != float64(CoopCancelled) {
		t.Fatalf("cancelled: %v", got)
	}
	e.wantCode(e.api("/channels/ec/cooperation/list", e.token("wxoa"), map[string]any{}), 48001, "list with an Official Account's token")
}

// With InviteNeedsScan, generating the QR code creates no record (as the docs say): a timed-out record stays
// timed out until the store's admin scans the code, which sends the invitation.
func TestStorePartnerInviteNeedsScan(t *testing.T) {
	e := newEnv(t, Options{InviteNeedsScan: true})
	store := Account{AppID: "wxstore", Secret: "s", Type: Store, Subject: Subject{Name: "ACME"}, Verification: Verified}
	oa := oaAcct("wxoa", "ACME")
	oa.Username = "gh_0123456789ab"
	e.seed(store, oa)
	tok := e.token("wxstore")
	args := map[string]any{"sharer_id": "gh_0123456789ab", "sharer_type": 2}
	e.wantCode(e.api("/channels/ec/cooperation/invitation/qrcode/generate", tok, args), 0, "generate")
	e.wantCode(e.api("/channels/ec/cooperation/invitation/get", tok, args), 788191008, "no record before the scan")
	if err := e.sim.CooperationAction("wxstore", "gh_0123456789ab", 2, "scan"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.CooperationAction("wxstore", "gh_0123456789ab", 2, "timeout"); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.api("/channels/ec/cooperation/invitation/qrcode/generate", tok, args), 0, "generate again")
	if got := e.api("/channels/ec/cooperation/invitation/get", tok, args); got["data"].(map[string]any)["status"] != float64(CoopTimedOut) {
		t.Fatalf("after generating again: %v, want the timed-out record until the scan", got)
	}
	if err := e.sim.CooperationAction("wxstore", "gh_0123456789ab", 2, "scan"); err != nil {
		t.Fatal(err)
	}
	if got := e.api("/channels/ec/cooperation/invitation/get", tok, args); got["data"].(map[string]any)["status"] != float64(CoopAccepting) {
		t.Fatalf("after the scan: %v, want status 4", got)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSameSubjectQuota10(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	for i := 1; i <= 11; i++ {
		e.seed(mpAcct(fmt.Sprintf("wxmp%02d", i), "ACME"))
	}
	tok := e.token("wxoa")
	for i := 1; i <= 10; i++ {
		e.wantCode(e.link(tok, fmt.Sprintf("wxmp%02d", i)), 0, fmt.Sprintf("same-subject link %d", i))
	}
	e.wantCode(e.link(tok, "wxmp11"), 89016, "11th same-subject link")
	items := e.linkItems(tok)
	if len(items) != 10 {
		t.Fatalf("%d items listed, want 10", len(items))
	}
	for id, it := range items {
		if it["status"] != float64(1) {
			t.Errorf("%s: status %v, want 1 (same subject confirms at once)", id, it["status"])
		}
	}
	// Unlinking one frees a slot.
	e.wantCode(e.api("/cgi-bin/wxopen/wxampunlink", tok, map[string]any{"appid": "wxmp01"}), 0, "unlink")
	e.wantCode(e.link(tok, "wxmp11"), 0, "11th after an unlink")
}

func TestDifferentSubjectQuota3(t *testing.T) {
	for _, errcode := range []int{0, 89017} {
		t.Run(fmt.Sprintf("errcode %d", errcode), func(t *testing.T) {
			e := newEnv(t, Options{DifferentSubjectErrcode: errcode})
			e.seed(oaAcct("wxoa", "ACME"))
			for i := 1; i <= 4; i++ {
				e.seed(mpAcct(fmt.Sprintf("wxmp%d", i), fmt.Sprintf("Other %d", i)))
			}
			tok := e.token("wxoa")
			for i := 1; i <= 3; i++ {
				e.wantCode(e.link(tok, fmt.Sprintf("wxmp%d", i)), 0, fmt.Sprintf("different-subject link %d", i))
			}
			want := 89407
			if errcode != 0 {
				want = errcode
			}
			e.wantCode(e.link(tok, "wxmp4"), want, "4th different-subject link")
			// Same-subject slots are separate.
			e.seed(mpAcct("wxsame", "ACME"))
			e.wantCode(e.link(tok, "wxsame"), 0, "a same-subject link beside 3 different-subject ones")
		})
	}
}

func TestLinkStateMachine(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "Other"), mpAcct("wxmp2", "Other"))
	tok := e.token("wxoa")
	e.wantCode(e.link(tok, "wxmp"), 0, "wxamplink")
	status := func(mp string) any { return e.linkItems(tok)[mp]["status"] }
	if s := status("wxmp"); s != float64(12) {
		t.Fatalf("new different-subject link: status %v, want 12", s)
	}
	e.wantCode(e.link(tok, "wxmp"), 89010, "link while pending")
	if st, err := e.sim.Advance("wxoa", "wxmp"); err != nil || st != 2 {
		t.Fatalf("Advance: %d, %v; want 2", st, err)
	}
	if s := status("wxmp"); s != float64(2) {
		t.Fatalf("after the Official Account admin: status %v, want 2", s)
	}
	e.wantCode(e.link(tok, "wxmp"), 89010, "link while waiting for the Mini Program admin")
	if st, err := e.sim.Advance("wxoa", "wxmp"); err != nil || st != 1 {
		t.Fatalf("Advance: %d, %v; want 1", st, err)
	}
	if s := status("wxmp"); s != float64(1) {
		t.Fatalf("after both admins: status %v, want 1", s)
	}
	e.wantCode(e.link(tok, "wxmp"), 89015, "link when linked")
	if _, err := e.sim.Advance("wxoa", "wxmp"); err == nil {
		t.Fatal("Advance on a linked pair must fail")
	}

	// Rejection: 12 -> 3, listed as 3, re-request goes back to 12.
	e.wantCode(e.link(tok, "wxmp2"), 0, "second link")
	if err := e.sim.Reject("wxoa", "wxmp2"); err != nil {
		t.Fatal(err)
	}
	if s := status("wxmp2"); s != float64(3) {
		t.Fatalf("rejected: status %v, want 3", s)
	}
	if err := e.sim.Reject("wxoa", "wxmp2"); err == nil {
		t.Fatal("rejecting a rejected link must fail")
	}
	e.wantCode(e.link(tok, "wxmp2"), 0, "re-request after a rejection")
	if s := status("wxmp2"); s != float64(12) {
		t.Fatalf("re-requested: status %v, want 12", s)
	}
	// Confirm goes straight to 1.
	if err := e.sim.Confirm("wxoa", "wxmp2"); err != nil {
		t.Fatal(err)
	}
	if s := status("wxmp2"); s != float64(1) {
		t.Fatalf("confirmed: status %v, want 1", s)
	}
	// The fields of an item.
	it := e.linkItems(tok)["wxmp"]
	for k, want := range map[string]any{"username": usernameFor("wxmp"), "nickname": "MP wxmp", "source": "SOURCE_NORMAL",
		"selected": float64(1), "released": float64(1), "nearby_display_status": float64(0)} {
		if it[k] != want {
			t.Errorf("item %s = %v, want %v", k, it[k], want)
		}
	}
}

func TestRejectedLinkFreesItsSlot(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	for i := 1; i <= 4; i++ {
		e.seed(mpAcct(fmt.Sprintf("wxmp%d", i), fmt.Sprintf("Other %d", i)))
	}
	tok := e.token("wxoa")
	for i := 1; i <= 3; i++ {
		e.wantCode(e.link(tok, fmt.Sprintf("wxmp%d", i)), 0, "pending link")
	}
	e.wantCode(e.link(tok, "wxmp4"), 89407, "pending links occupy slots")
	if err := e.sim.Reject("wxoa", "wxmp2"); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.link(tok, "wxmp4"), 0, "after a rejection freed a slot")
	if items := e.linkItems(tok); items["wxmp2"]["status"] != float64(3) || len(items) != 4 {
		t.Fatalf("the rejected link must stay listed as 3: %v", items["wxmp2"])
	}
	// The rejected record is removed by an unlink.
	e.wantCode(e.api("/cgi-bin/wxopen/wxampunlink", tok, map[string]any{"appid": "wxmp2"}), 0, "unlink a rejected link")
	if _, ok := e.linkItems(tok)["wxmp2"]; ok {
		t.Fatal("an unlinked rejected record is still listed")
	}
}

func TestAutoConfirm(t *testing.T) {
	cases := []struct {
		name   string
		oaAuto *bool
		mpAuto *bool
		mpSubj string
		want   float64
	}{
		{"same subject by default", nil, nil, "ACME", 1},
		{"different subject by default", nil, nil, "Other", 12},
		{"same subject, OA autoConfirm false", boolPtr(false), nil, "ACME", 12},
		{"different subject, MP autoConfirm true", nil, boolPtr(true), "Other", 1},
		{"false wins over true", boolPtr(true), boolPtr(false), "Other", 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			oa, mp := oaAcct("wxoa", "ACME"), mpAcct("wxmp", tc.mpSubj)
			oa.AutoConfirm, mp.AutoConfirm = tc.oaAuto, tc.mpAuto
			e.seed(oa, mp)
			tok := e.token("wxoa")
			e.wantCode(e.link(tok, "wxmp"), 0, "wxamplink")
			if got := e.linkItems(tok)["wxmp"]["status"]; got != tc.want {
				t.Fatalf("status %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConsoleLinksOccupySlotsButNotTheMonth(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxextra", "ACME"), mpAcct("wxother", "Other"))
	for i := 1; i <= 10; i++ {
		mp := fmt.Sprintf("wxmp%02d", i)
		e.seed(mpAcct(mp, "ACME"))
		if err := e.sim.ConsoleLink("wxoa", mp); err != nil {
			t.Fatalf("ConsoleLink %d: %v", i, err)
		}
	}
	var se *Error
	if err := e.sim.ConsoleLink("wxoa", "wxextra"); !errors.As(err, &se) || se.Code != 89016 {
		t.Fatalf("11th console link: %v, want errcode 89016", err)
	}
	if err := e.sim.ConsoleLink("wxoa", "wxextra", ConsoleLinkOptions{Force: true}); err != nil {
		t.Fatalf("forced console link: %v", err)
	}
	if err := e.sim.RemoveLink("wxoa", "wxextra"); err != nil {
		t.Fatal(err)
	}
	tok := e.token("wxoa")
	e.wantCode(e.link(tok, "wxextra"), 89016, "API link beside 10 console links")
	if n := e.sim.MonthlyOperations("wxoa"); n != 0 {
		t.Fatalf("console links counted %d monthly operations, want 0", n)
	}
	if l, _ := e.sim.Link("wxoa", "wxmp01"); l.Origin != LinkOriginConsole || l.Status != 1 {
		t.Fatalf("console link recorded as %+v", l)
	}
	e.wantCode(e.link(tok, "wxother"), 0, "different-subject slots are free")
	if n := e.sim.MonthlyOperations("wxoa"); n != 1 {
		t.Fatalf("monthly operations %d, want 1", n)
	}
	if len(e.linkItems(tok)) != 11 {
		t.Fatal("console links must be listed by wxamplinkget")
	}
}

func TestMiniProgramLinkedBy500(t *testing.T) {
	e := newEnv(t, Options{})
	accts := []Account{mpAcct("wxmp", "MP Corp")}
	for i := 0; i <= 500; i++ {
		accts = append(accts, oaAcct(fmt.Sprintf("wxoa%03d", i), fmt.Sprintf("Corp %d", i)))
	}
	e.seed(accts...)
	for i := 0; i < 500; i++ {
		if err := e.sim.ConsoleLink(fmt.Sprintf("wxoa%03d", i), "wxmp"); err != nil {
			t.Fatalf("ConsoleLink %d: %v", i, err)
		}
	}
	tok := e.token("wxoa500")
	e.wantCode(e.link(tok, "wxmp"), 89009, "the 501st Official Account")
	if err := e.sim.RemoveLink("wxoa000", "wxmp"); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.link(tok, "wxmp"), 0, "the 500th after one left")
}

func TestMiniProgramMonthly500(t *testing.T) {
	e := newEnv(t, Options{})
	accts := []Account{mpAcct("wxmp", "MP Corp")}
	for i := 0; i <= 500; i++ {
		accts = append(accts, oaAcct(fmt.Sprintf("wxoa%03d", i), fmt.Sprintf("Corp %d", i)))
	}
	e.seed(accts...)
	toks := make([]string, 501)
	for i := range toks {
		var err error
		if toks[i], err = e.sim.IssueToken(fmt.Sprintf("wxoa%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 500; i++ {
		e.wantCode(e.link(toks[i], "wxmp"), 0, fmt.Sprintf("request %d", i))
	}
	// Withdraw one: the Mini Program has 499 links but 500 operations this month.
	e.wantCode(e.api("/cgi-bin/wxopen/wxampunlink", toks[0], map[string]any{"appid": "wxmp"}), 0, "unlink")
	e.wantCode(e.link(toks[500], "wxmp"), 89030, "501st operation of the month on the Mini Program")
	// Next month (Beijing time) the operation is allowed.
	e.clock.Set(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC))
	e.wantCode(e.link(toks[500], "wxmp"), 40001, "a token from three weeks ago")
	e.wantCode(e.link(e.token("wxoa500"), "wxmp"), 0, "first operation of July")
}

func TestOfficialAccountMonthly13AndTheMonthTurnsInBeijing(t *testing.T) {
	e := newEnv(t, Options{})
	e.clock.Set(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)) // 23:00 on 30 November in Beijing
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"))
	tok, err := e.sim.IssueToken("wxoa")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 13; i++ {
		e.wantCode(e.link(tok, "wxmp"), 0, fmt.Sprintf("operation %d", i))
		e.wantCode(e.api("/cgi-bin/wxopen/wxampunlink", tok, map[string]any{"appid": "wxmp"}), 0, "unlink")
	}
	e.wantCode(e.link(tok, "wxmp"), 89030, "14th operation in November")
	e.clock.Set(time.Date(2026, 11, 30, 15, 59, 59, 0, time.UTC))
	e.wantCode(e.link(tok, "wxmp"), 89030, "23:59:59 Beijing is still November")
	// 2026-11-30T16:00Z is 00:00 on 1 December in Beijing, though still 30 November in UTC.
	e.clock.Set(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC))
	e.wantCode(e.link(tok, "wxmp"), 0, "first operation of December")
	if n := e.sim.MonthlyOperations("wxoa"); n != 1 {
		t.Fatalf("December operations %d, want 1", n)
	}
}

func TestLinkRefusals(t *testing.T) {
	e := newEnv(t, Options{})
	banned := mpAcct("wxbanned", "ACME")
	banned.Status = StatusBanned
	overseas := mpAcct("wxoverseas", "Foreign Ltd")
	overseas.Subject.Type = Overseas
	e.seed(oaAcct("wxoa", "ACME"), banned, overseas, oaAcct("wxoa2", "ACME"))
	tok := e.token("wxoa")
	e.wantCode(e.link(tok, "wxnobody"), 40013, "unknown Mini Program")
	e.wantCode(e.link(tok, "wxoa2"), -1, "an Official Account's appid")
	e.wantCode(e.link(tok, "wxbanned"), 89013, "banned Mini Program")
	e.wantCode(e.link(tok, "wxoverseas"), 89008, "overseas Mini Program")
	e.wantCode(e.api("/cgi-bin/wxopen/wxamplink", tok, map[string]any{}), 41002, "no appid")
	e.wantCode(e.api("/cgi-bin/wxopen/wxamplink", tok, map[string]any{"appid": []int{1}}), 47001, "appid of the wrong type")
	if n := e.sim.MonthlyOperations("wxoa"); n != 0 {
		t.Fatalf("refused requests counted %d operations, want 0", n)
	}
}

func TestUnlinkNeedsConfirm(t *testing.T) {
	e := newEnv(t, Options{UnlinkNeedsConfirm: true})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"))
	tok := e.token("wxoa")
	e.wantCode(e.link(tok, "wxmp"), 0, "link")
	e.wantCode(e.api("/cgi-bin/wxopen/wxampunlink", tok, map[string]any{"appid": "wxmp"}), 0, "unlink")
	if e.linkItems(tok)["wxmp"]["status"] != float64(1) {
		t.Fatal("a pending unlink must stay linked until confirmed")
	}
	e.wantCode(e.api("/cgi-bin/wxopen/wxampunlink", tok, map[string]any{"appid": "wxmp"}), 89018, "unlink again")
	if err := e.sim.ConfirmUnlink("wxoa", "wxmp"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.linkItems(tok)["wxmp"]; ok {
		t.Fatal("confirmed unlink still listed")
	}
}

func TestMerchantShowsAsPayment(t *testing.T) {
	e := newEnv(t, Options{})
	unverified := mpAcct("wxmp2", "ACME")
	unverified.Verification = Unverified
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"), unverified)
	tok := e.token("wxoa")
	e.wantCode(e.link(tok, "wxmp"), 0, "link")
	pay := func() any {
		return e.linkItems(tok)["wxmp"]["func_infos"].([]any)[1].(map[string]any)["status"]
	}
	if p := pay(); p != float64(0) {
		t.Fatalf("payment before a merchant: %v, want 0", p)
	}
	if err := e.sim.BindMerchant("wxmp", "1900000001"); err != nil {
		t.Fatal(err)
	}
	if p := pay(); p != float64(1) {
		t.Fatalf("payment after a merchant: %v, want 1", p)
	}
	if err := e.sim.BindMerchant("wxmp2", "1900000001"); err == nil {
		t.Fatal("an unverified Mini Program must not bind a merchant")
	}
}

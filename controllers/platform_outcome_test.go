// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"testing"

	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/fake"
)

// The platform lists the association without an AppID (older wxamplinkget responses) and wxlink does not know
// the Mini Program's original ID, so it asks; the platform answers "already linked" (89015), which must not use
// the monthly allowance.
func TestRequestOfAnAlreadyLinkedAssociationIsNotCounted(t *testing.T) {
	w := world(t)
	w.plat.Update(func(p *fake.Platform) {
		p.Links[oaApp] = []platform.MiniProgramLink{{Username: p.Accounts[mpApp1].Username, Status: platform.LinkLinked}}
	})
	w.link("l1", "mp1")
	if _, _, err := w.scope("l1", w.linkPhases()...); err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 1 {
		t.Fatalf("LinkMiniProgram called %d times, want 1", n)
	}
	oa, mp := &wx.OfficialAccount{}, &wx.MiniProgram{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp1"}, mp)
	if oa.Status.MonthlyLinks != nil || mp.Status.MonthlyLinks != nil {
		t.Errorf("an already linked association was counted: OfficialAccount %+v, MiniProgram %+v",
			oa.Status.MonthlyLinks, mp.Status.MonthlyLinks)
	}
}

// A tester bound with an unknown userstr (85004 without one) is unbound by WeChat ID when the spec drops it.
func TestUndeclaredTesterWithoutUserStrIsUnboundByWeChatID(t *testing.T) {
	plat := fake.New()
	acct := platform.Account{AppID: mpApp1, Credential: "s"}
	plat.Testers[mpApp1] = []platform.Tester{{UserStr: fake.UserStr("lihua-dev")}}
	r := &MiniProgramReconciler{Observer: NewObserver(nil), Recorder: events.NewFakeRecorder(10)}
	ts := &testerSync{mp: &wx.MiniProgram{}, p: plat, acct: acct,
		onPlatform: map[string]bool{fake.UserStr("lihua-dev"): true}, desired: map[wx.WeChatID]bool{},
		bound: map[wx.WeChatID]string{"lihua-dev": ""}}
	r.unbindUndeclared(context.Background(), ts)
	if got := plat.CallsTo(fake.MethodUnbindTester); len(got) != 1 || got[0].Target != "lihua-dev" {
		t.Fatalf("UnbindTester calls = %+v, want one by WeChat ID lihua-dev", got)
	}
	if len(plat.Testers[mpApp1]) != 0 || len(ts.bound) != 0 || len(ts.problems) != 0 {
		t.Errorf("testers %v, bound %v, problems %v; want none", plat.Testers[mpApp1], ts.bound, ts.problems)
	}
}

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

// alreadyPlatform answers every link request "already linked" (89015).
type alreadyPlatform struct{ *fake.Platform }

func (a alreadyPlatform) LinkMiniProgram(context.Context, platform.Account, string, platform.LinkOptions) (platform.LinkOutcome, error) {
	return platform.LinkAlreadyLinked, nil
}

// "Already linked" (89015) is not a new link: it never uses the monthly allowance.
func TestRequestOfAnAlreadyLinkedAssociationIsNotCounted(t *testing.T) {
	w := world(t)
	w.r.Platforms = fakeProvider{p: alreadyPlatform{w.plat}, c: w.c}
	w.link("l1", "mp1")
	s, _, err := w.scope("l1", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if s.link.Status.MonthlyRequests != nil {
		t.Errorf("an already linked association was counted: %+v", s.link.Status.MonthlyRequests)
	}
	if used := w.r.monthUsed(s, wx.KindOfficialAccount, s.siblings); used != 0 {
		t.Errorf("the Official Account's month counts %d new links, want 0", used)
	}
}

// The platform lists the Official Account's Mini Programs without AppIDs (an older response) and wxlink does
// not know the Mini Program's original ID: it must not ask (the platform would say "already linked", again
// and again), and it says which field to set.
func TestAnUnmatchableListIsReportedNotRequested(t *testing.T) {
	w := world(t)
	w.plat.Update(func(p *fake.Platform) {
		p.Links[oaApp] = []platform.MiniProgramLink{{Username: p.Accounts[mpApp1].Username, Status: platform.LinkLinked}}
	})
	w.link("l1", "mp1")
	s, _, err := w.scope("l1", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 0 {
		t.Fatalf("LinkMiniProgram called %d times, want none", n)
	}
	if readyReason(s.link) != wx.ReasonOriginalIDRequired {
		t.Fatalf("Ready reason %q, want OriginalIDRequired", readyReason(s.link))
	}
	// Once the original ID is declared, the link is matched and adopted, still without a request.
	mp := &wx.MiniProgram{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp1"}, mp)
	w.plat.Update(func(p *fake.Platform) { mp.Spec.OriginalID = p.Accounts[mpApp1].Username })
	if err := w.c.Update(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	s, _, err = w.scope("l1", w.linkPhases()...)
	if err != nil || readyReason(s.link) != wx.ReasonAvailable || w.plat.Count(fake.MethodLinkMiniProgram) != 0 {
		t.Errorf("with spec.originalID: Ready %q, %d requests, %v; want Available without a request",
			readyReason(s.link), w.plat.Count(fake.MethodLinkMiniProgram), err)
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

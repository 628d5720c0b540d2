// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// The platform makes the association, but its answer never reaches the manager (every attempt's connection
// drops after the platform applied it), and the manager restarts before it learns anything more: the
// request was recorded as pending before the call, so the new manager counts it exactly once, from the
// platform's own list, and never asks again.
func TestAMonthlyCountSurvivesALostAnswerAndARestart(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	oaApp, mpApp := e.appID("news"), e.appID("mall")
	if _, err := e.sim.InjectFault(sim.Fault{Path: "/cgi-bin/wxopen/wxamplink", DropAfterApply: true}); err != nil {
		t.Fatal(err)
	}
	e.link("news-mall", "news", "mall")
	e.waitFor("the platform to make the association, unanswered", func() (bool, string) {
		l, ok := e.sim.Link(oaApp, mpApp)
		return ok && l.Status == sim.LinkLinked, fmt.Sprintf("%+v %v", l, ok)
	})
	e.waitFor("the link to record the pending request", func() (bool, string) {
		l := &wx.AssociationLink{}
		e.get("news-mall", l)
		_, pending := l.Annotations[wx.AnnotationRequestPending]
		return pending && l.Status.MonthlyRequests == nil, fmt.Sprintf("%v %+v", l.Annotations, l.Status)
	})
	e.stop()
	e.sim.ClearFaults()
	calls := e.sim.Calls()["/cgi-bin/wxopen/wxamplink"]
	e.start()

	l := e.linkReason("news-mall", wx.ReasonAvailable)
	if c := l.Status.MonthlyRequests; c == nil || c.Count != 1 {
		t.Errorf("the link's record of the month = %+v, want 1", c)
	}
	oa := &wx.OfficialAccount{}
	e.waitFor("the Official Account's month to show 1/13", func() (bool, string) {
		e.get("news", oa)
		return oa.Status.Quota.ThisMonth == "1/13", oa.Status.Quota.ThisMonth
	})
	if ops := e.sim.MonthlyOperations(oaApp); ops != 1 {
		t.Errorf("the platform counts %d new associations this month, want 1", ops)
	}
	if n := e.sim.Calls()["/cgi-bin/wxopen/wxamplink"] - calls; n != 0 {
		t.Errorf("the new manager asked again %d times", n)
	}

	// Deleted with deletionPolicy Orphan, the link's count stays in both owners' ledgers.
	e.patch(l, func() { l.Spec.DeletionPolicy = wx.DeletionPolicyOrphan })
	if err := k8s.Delete(context.Background(), &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "news-mall"}}); err != nil {
		t.Fatal(err)
	}
	mp := &wx.MiniProgram{}
	e.waitFor("both ledgers to keep the deleted link's count", func() (bool, string) {
		e.get("news", oa)
		e.get("mall", mp)
		return len(oa.Status.MonthlyLedger) == 1 && len(mp.Status.MonthlyLedger) == 1 && oa.Status.Quota.ThisMonth == "1/13",
			fmt.Sprintf("%+v %+v %s", oa.Status.MonthlyLedger, mp.Status.MonthlyLedger, oa.Status.Quota.ThisMonth)
	})
}

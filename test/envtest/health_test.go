// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/health"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// Objects in every situation of the health table, made by the real reconcilers, read as the table says to
// kstatus (kubectl wait, Flux) and to the Argo CD health check wxlink ships.
func TestRealObjectsReadAsTheirHealth(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	e.miniProgram("video", companyB, sim.Verified)
	for i := range 3 { // the other-subject pool of news, full of links made in the console
		app := fmt.Sprintf("wx00000000000001%02d", i)
		if err := e.sim.Seed(sim.Account{AppID: app, Type: sim.MiniProgram, Verification: sim.Verified,
			Subject: sim.Subject{Name: "其他公司", Type: sim.Enterprise}}); err != nil {
			t.Fatal(err)
		}
		if err := e.sim.ConsoleLink(e.appID("news"), app); err != nil {
			t.Fatal(err)
		}
	}
	e.link("a-healthy", "news", "mall")               // Healthy: linked
	e.link("queued", "news", "video")                 // Suspended: behind the full other-subject quota
	e.link("b-duplicate", "news", "mall")             // Degraded: a duplicate
	e.link("progressing", "news", "not-declared-yet") // Progressing: a dependency not there (yet)
	paused := e.link("paused", "news", "mall")
	e.patch(paused, func() { paused.Annotations = map[string]string{wx.PauseAnnotation: "true"} })
	e.create(&wx.WeComCorp{ObjectMeta: metav1.ObjectMeta{Name: "corp"}, Spec: wx.WeComCorpSpec{CorpID: "ww0123456789abcdef",
		Subject: companyA, PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}}})
	e.link("console", "corp", "mall", func(l *wx.AssociationLink) { // Suspended: a console step not done
		l.Spec.Type, l.Spec.From.Kind = wx.WeComToMiniProgram, wx.KindWeComCorp
		l.Spec.WeCom = &wx.WeComLinkOptions{Visibility: wx.WeComVisibility{Departments: []int64{1}}}
	})
	e.link("confirmed", "corp", "mall", func(l *wx.AssociationLink) { // Healthy: confirmed by a person
		l.Spec.Type, l.Spec.From.Kind = wx.WeComToMiniProgram, wx.KindWeComCorp
		l.Spec.WeCom = &wx.WeComLinkOptions{Visibility: wx.WeComVisibility{Departments: []int64{1}}}
		l.Spec.ConfirmedInConsole = &wx.ConsoleConfirmation{By: "李华", On: "2026-11-30"}
	})
	want := map[string]string{"a-healthy": wx.ReasonAvailable, "queued": wx.ReasonQuotaExceeded, "b-duplicate": wx.ReasonDuplicateLink,
		"progressing": wx.ReasonDependencyNotFound, "paused": wx.ReasonPaused, "console": wx.ReasonActionRequired,
		"confirmed": wx.ReasonConfirmedInConsole}
	for name, reason := range want {
		e.linkReason(name, reason)
	}
	rows := e.checkHealth(t)
	for _, h := range []wx.Health{wx.HealthHealthy, wx.HealthProgressing, wx.HealthDegraded, wx.HealthSuspended, wx.HealthPaused} {
		if rows[h] == 0 {
			t.Errorf("no object was %s: the scenario does not cover every row of the table", h)
		}
	}
}

// checkHealth reads every wxlink object of the namespace as kstatus and Argo CD do, compares each with the
// health of its Ready reason, and counts the objects per health.
func (e *env) checkHealth(t *testing.T) map[wx.Health]int {
	t.Helper()
	rows := map[wx.Health]int{}
	for _, kind := range []string{"AssociationLink", "OfficialAccount", "MiniProgram", "WeComCorp", "PlatformConfig"} {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(wx.GroupVersion.WithKind(kind + "List"))
		if err := k8s.List(context.Background(), list, client.InNamespace(e.ns)); err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			u := &list.Items[i]
			h := healthOf(t, u)
			rows[h]++
			wantK, wantA := health.Expected(h)
			res, err := status.Compute(u)
			if err != nil {
				t.Fatal(err)
			}
			argo, msg, err := health.ArgoCD(u.Object)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != wantK || argo != wantA {
				t.Errorf("%s %s (%s): kstatus %s, Argo CD %s (%s); want %s, %s", kind, u.GetName(), h, res.Status, argo, msg, wantK, wantA)
			}
		}
	}
	return rows
}

// healthOf is the health the table gives an object's Ready condition.
func healthOf(t *testing.T, u *unstructured.Unstructured) wx.Health {
	t.Helper()
	var st wx.StatusBase
	raw, _ := u.Object["status"].(map[string]any)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &st); err != nil {
		t.Fatal(err)
	}
	c := meta.FindStatusCondition(st.Conditions, wx.ConditionReady)
	if c == nil {
		t.Fatalf("%s %s has no Ready condition", u.GetKind(), u.GetName())
	}
	if c.Status == metav1.ConditionTrue {
		return wx.HealthHealthy
	}
	return wx.HealthOf(c.Reason)
}

// A reconcile that fails leaves observedGeneration, and Ready, where the last success put them: an edit
// made during an outage reads as in progress, not as current, until wxlink has acted on it.
func TestAnEditDuringAnOutageIsNotCurrent(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	e.waitReason("news", oa, wx.ReasonAvailable)
	before := oa.Generation
	if _, err := e.sim.InjectFault(sim.Fault{Path: "/cgi-bin/account/getaccountbasicinfo", HTTPStatus: 500}); err != nil {
		t.Fatal(err)
	}
	// Let the description read when the account turned Ready age past the moments a changed object may reuse
	// it, so that the edit's reconcile must describe the account again, and fails.
	clock.Set(clock.Now().Add(10 * time.Second))
	t.Cleanup(func() { clock.Set(time.Now()) })
	e.patch(oa, func() { oa.Spec.AccountType = wx.OfficialAccountService })
	read := func() (status.Status, string, *wx.OfficialAccount) {
		got := &wx.OfficialAccount{}
		e.get("news", got)
		u := &unstructured.Unstructured{}
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(got)
		if err != nil {
			t.Fatal(err)
		}
		u.Object = content
		u.SetGroupVersionKind(wx.GroupVersion.WithKind("OfficialAccount"))
		res, err := status.Compute(u)
		if err != nil {
			t.Fatal(err)
		}
		argo, _, err := health.ArgoCD(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		return res.Status, argo, got
	}
	e.waitFor("the failed reconcile of the edit", func() (bool, string) {
		_, _, got := read()
		c := meta.FindStatusCondition(got.Status.Conditions, wx.ConditionSynced)
		return c != nil && c.Status == metav1.ConditionFalse && c.ObservedGeneration == got.Generation, fmt.Sprintf("%+v", c)
	})
	k, argo, got := read()
	if got.Status.ObservedGeneration != before || k != status.InProgressStatus || argo != health.ArgoProgressing {
		t.Errorf("after a failed reconcile of generation %d: observedGeneration %d, kstatus %s, Argo CD %s; want %d, InProgress, Progressing",
			got.Generation, got.Status.ObservedGeneration, k, argo, before)
	}
	if c := meta.FindStatusCondition(got.Status.Conditions, wx.ConditionReady); c == nil || c.ObservedGeneration != before {
		t.Errorf("Ready = %+v; want it left at generation %d", c, before)
	}
	e.sim.ClearFaults()
	e.waitFor("the edit to be current", func() (bool, string) {
		k, _, got := read()
		return k == status.CurrentStatus && got.Status.ObservedGeneration == got.Generation, string(k)
	})
}

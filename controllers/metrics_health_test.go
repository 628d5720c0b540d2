// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// healthExposition is the text format of both health gauges for the given series lines.
func healthExposition(notReady, since string) string {
	return `# HELP wxlink_object_not_ready 1 for every wxlink object that is not Ready, with Ready's reason and its health class (Progressing, Degraded, Suspended, Paused); no series while Ready, and none once the object is deleted.
# TYPE wxlink_object_not_ready gauge
` + notReady + `# HELP wxlink_object_not_ready_since_timestamp_seconds When a not-Ready object entered its current reason (Unix seconds): when wxlink saw the reason change, or the transition time of Stalled, Reconciling or Ready for an object first seen not Ready. time() - this is how long it has waited.
# TYPE wxlink_object_not_ready_since_timestamp_seconds gauge
` + since
}

// gatherHealth compares what a real registry serves of the two health gauges with want ("" for none).
func gatherHealth(t *testing.T, reg *prometheus.Registry, notReady, since string) {
	t.Helper()
	want := ""
	if notReady != "" {
		want = healthExposition(notReady, since)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), MetricObjectNotReady, MetricObjectNotReadySince); err != nil {
		t.Error(err)
	}
}

// setReady gives obj a Ready condition (and the kstatus ones its reason calls for) that last moved at at.
func setReady(obj conditioned, status metav1.ConditionStatus, reason string, at time.Time) {
	ready(obj, status, reason, "test")
	for i := range obj.GetStatusBase().Conditions {
		obj.GetStatusBase().Conditions[i].LastTransitionTime = metav1.NewTime(at)
	}
}

// An object's health series follows its status: one series while not Ready, with the reason and health of
// the moment and the time it entered that health; the old reason's series goes when the reason changes, and
// every series goes when it is Ready again or deleted. Objects of other kinds and namespaces keep theirs.
func TestObjectHealthSeriesFollowTheStatus(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	link := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "news-mall", Generation: 1}}
	mp := &wx.MiniProgram{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "news-mall"}}
	setReady(mp, metav1.ConditionFalse, wx.ReasonVerificationRequired, t0)
	m.observeObject(mp, t0)

	setReady(link, metav1.ConditionFalse, wx.ReasonAwaitingMiniProgramAdmin, t0)
	m.observeObject(link, t0)
	mpLine := `wxlink_object_not_ready{health="Suspended",kind="MiniProgram",name="news-mall",namespace="a",reason="VerificationRequired"} 1` + "\n"
	mpSince := `wxlink_object_not_ready_since_timestamp_seconds{health="Suspended",kind="MiniProgram",name="news-mall",namespace="a",reason="VerificationRequired"} 1.7934912e+09` + "\n"
	gatherHealth(t, reg,
		`wxlink_object_not_ready{health="Suspended",kind="AssociationLink",name="news-mall",namespace="a",reason="AwaitingMiniProgramAdmin"} 1`+"\n"+mpLine,
		`wxlink_object_not_ready_since_timestamp_seconds{health="Suspended",kind="AssociationLink",name="news-mall",namespace="a",reason="AwaitingMiniProgramAdmin"} 1.7934912e+09`+"\n"+mpSince)

	// The reason changes (a rule violation a day later): one series, the new reason's, since its transition.
	setReady(link, metav1.ConditionFalse, wx.ReasonRuleViolation, t0.Add(24*time.Hour))
	m.observeObject(link, t0.Add(24*time.Hour))
	gatherHealth(t, reg,
		`wxlink_object_not_ready{health="Degraded",kind="AssociationLink",name="news-mall",namespace="a",reason="RuleViolation"} 1`+"\n"+mpLine,
		`wxlink_object_not_ready_since_timestamp_seconds{health="Degraded",kind="AssociationLink",name="news-mall",namespace="a",reason="RuleViolation"} 1.7935776e+09`+"\n"+mpSince)

	// Ready: the link's series goes; the Mini Program's stays.
	setReady(link, metav1.ConditionTrue, wx.ReasonAvailable, t0.Add(48*time.Hour))
	m.observeObject(link, t0.Add(48*time.Hour))
	gatherHealth(t, reg, mpLine, mpSince)

	// Deleted: nothing is left, not even its quota; an Official Account of the same name keeps its quota.
	// Forgetting an object without series is no error.
	m.observeQuota("a", "MiniProgram", "news-mall", "linked_by", 3, 500)
	m.observeQuota("a", "OfficialAccount", "news-mall", "same_subject", 3, 50)
	m.forgetObject("MiniProgram", "a", "news-mall")
	m.forgetObject("MiniProgram", "a", "news-mall")
	gatherHealth(t, reg, "", "")
	if n := testutil.CollectAndCount(m.quotaUsed); n != 1 {
		t.Errorf("%d quota series after the Mini Program's deletion, want 1 (the Official Account's)", n)
	}
	var none *Metrics
	none.observeObject(link, t0) // metrics are optional in reconcilers
	none.forgetObject("AssociationLink", "a", "news-mall")
}

// A reason wxlink does not know is reported as "Other" (the label's values stay a closed set), and an object
// without a Ready condition yet as Unknown since its creation.
func TestObjectHealthLabelsAreBounded(t *testing.T) {
	created := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	obj := &wx.WeComCorp{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "corp", CreationTimestamp: metav1.NewTime(created)}}
	labels, since := healthOf(kindOf(obj), obj)
	if labels["reason"] != reasonNoReady || labels["health"] != string(wx.HealthProgressing) || !since.Equal(created) {
		t.Errorf("no Ready: %v since %v, want reason Unknown, Progressing, since creation", labels, since)
	}
	setReady(obj, metav1.ConditionFalse, "SomethingTheMonthInvented", created)
	if labels, _ := healthOf(kindOf(obj), obj); labels["reason"] != reasonOther || labels["kind"] != "WeComCorp" {
		t.Errorf("unknown reason: %v, want reason Other, kind WeComCorp", labels)
	}
}

// Through the shared lifecycle: a reconcile that leaves a link not Ready makes its series, and the reconcile
// after its deletion deletes it.
func TestReconcilesKeepTheHealthSeries(t *testing.T) {
	w := newPhaseWorld(t)
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	w.r.metrics = m
	w.officialAccount("oa", "wx00000000000000a1")
	link := w.link("news-mall", "absent") // its Mini Program does not exist
	if _, err := w.r.Reconcile(context.Background(), request("news-mall")); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.objectNotReady); n != 1 {
		t.Fatalf("%d health series after the reconcile, want 1", n)
	}
	if v := testutil.ToFloat64(m.objectNotReady.WithLabelValues(phaseNS, "AssociationLink", "news-mall", "DependencyNotFound", "Progressing")); v != 1 {
		t.Errorf("the link's series is %v, want 1", v)
	}
	if err := w.c.Delete(context.Background(), link); err != nil {
		t.Fatal(err)
	}
	if _, err := w.r.Reconcile(context.Background(), request("news-mall")); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.objectNotReady, MetricObjectNotReady); n != 0 {
		t.Errorf("%d health series after the deletion, want 0", n)
	}
}

// A link that waited two days for an admin and is then Rejected keeps Stalled=True, and Stalled's
// lastTransitionTime with it (kstatus: a transition is a change of status). Through finishReconcile, the
// Rejected series starts at that reconcile, not two days ago: WxlinkObjectStalled (a day Degraded) must not
// fire at once. While the reason stays, later reconciles keep that start.
func TestAReasonChangeWhileStalledRestartsTheSince(t *testing.T) {
	w := world(t)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	w.r.metrics = m
	waitingSince := w.now
	l := w.link("l1", "mp1")
	ready(l, metav1.ConditionFalse, wx.ReasonAwaitingMiniProgramAdmin, "waiting")
	for i := range l.Status.Conditions {
		l.Status.Conditions[i].LastTransitionTime = metav1.NewTime(waitingSince)
	}
	w.save(l)
	sinceOf := func(reason, health string) float64 {
		t.Helper()
		return testutil.ToFloat64(m.objectNotReadySince.WithLabelValues(phaseNS, "AssociationLink", "l1", reason, health))
	}
	finish := func(reason string) {
		t.Helper()
		l := w.get("l1")
		orig := l.DeepCopy()
		ready(l, metav1.ConditionFalse, reason, "x")
		if _, err := finishReconcile(context.Background(), w.c, l, orig, ctrl.Result{}, nil, w.r.Options); err != nil {
			t.Fatal(err)
		}
	}
	finish(wx.ReasonAwaitingMiniProgramAdmin)
	if got := sinceOf(wx.ReasonAwaitingMiniProgramAdmin, "Suspended"); got != float64(waitingSince.Unix()) {
		t.Fatalf("waiting since %v, want %v (Stalled's transition)", got, waitingSince.Unix())
	}
	w.now = w.now.Add(48 * time.Hour)
	rejectedAt := w.now
	finish(wx.ReasonRejected)
	if c := meta.FindStatusCondition(w.get("l1").Status.Conditions, wx.ConditionStalled); c == nil || !c.LastTransitionTime.Time.Equal(waitingSince) {
		t.Fatalf("Stalled = %+v, want its transition time kept (the premise of this test)", c)
	}
	if got := sinceOf(wx.ReasonRejected, "Degraded"); got != float64(rejectedAt.Unix()) {
		t.Errorf("Rejected since %v, want %v (the reconcile that saw it), not Stalled's %v", got, rejectedAt.Unix(), waitingSince.Unix())
	}
	w.now = w.now.Add(time.Hour)
	finish(wx.ReasonRejected)
	if got := sinceOf(wx.ReasonRejected, "Degraded"); got != float64(rejectedAt.Unix()) {
		t.Errorf("Rejected since %v after another reconcile, want %v kept", got, rejectedAt.Unix())
	}
	if n := testutil.CollectAndCount(m.objectNotReadySince); n != 1 {
		t.Errorf("%d since series, want 1", n)
	}
}

// A failing token publication is one series per object, at its first failure in a row: the retries come
// minutes apart (controller-runtime's backoff) and the value stays between them; an object whose writes
// succeed beside it is at 0; a success sets it to 0, and the object's deletion deletes it.
func TestTokenPublicationFailingIsPerObject(t *testing.T) {
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	bad := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "bad"}}
	good := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "good"}}
	store := &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "bad"}}
	writeFailed := errors.New("the API server refused the write")
	for i := range 5 {
		at := t0.Add(time.Duration(i) * 1000 * time.Second)
		m.observePublication(bad, writeFailed, at)
		m.observePublication(good, nil, at)
	}
	m.observePublication(store, writeFailed, t0.Add(time.Hour))
	since := func(kind, name string) float64 {
		return testutil.ToFloat64(m.publicationFailingSince.WithLabelValues("a", kind, name))
	}
	if got := since("OfficialAccount", "bad"); got != float64(t0.Unix()) {
		t.Errorf("failing since %v, want the first failure %v", got, t0.Unix())
	}
	if got := since("OfficialAccount", "good"); got != 0 {
		t.Errorf("the succeeding account's series is %v, want 0", got)
	}
	m.observePublication(bad, nil, t0.Add(2*time.Hour))
	if got := since("OfficialAccount", "bad"); got != 0 {
		t.Errorf("failing since %v after a success, want 0", got)
	}
	m.forgetObject("ThirdPartyStore", "a", "bad")
	if n := testutil.CollectAndCount(m.publicationFailingSince); n != 2 {
		t.Errorf("%d series after the store's deletion, want 2 (the accounts')", n)
	}
	if got := testutil.ToFloat64(m.tokenPublications.WithLabelValues("OfficialAccount", pubError)); got != 5 {
		t.Errorf("%v OfficialAccount errors counted, want 5", got)
	}
}

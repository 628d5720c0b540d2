// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// newTestMetrics registers wxlink's metrics with a registry of their own.
func newTestMetrics(t *testing.T) *Metrics {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// observeOwner records all three pools of an owner, as the OfficialAccount reconciler does.
func observeOwner(m *Metrics, ns, name string) {
	for _, pool := range []string{"same_subject", "other_subject", "this_month"} {
		m.observeQuota(ns, "OfficialAccount", name, pool, 1, 10)
	}
}

// forgetOwner deletes every series of that owner, and only of that owner: an owner of the same name in
// another namespace, and another owner in the same namespace, keep theirs.
func TestForgetOwnerDeletesEverySeriesOfTheOwner(t *testing.T) {
	m := newTestMetrics(t)
	observeOwner(m, "a", "news")
	observeOwner(m, "a", "shop")
	observeOwner(m, "b", "news")
	if n := testutil.CollectAndCount(m.quotaUsed); n != 9 {
		t.Fatalf("before: %d quota_used series, want 9", n)
	}

	m.forgetOwner("a", "OfficialAccount", "news")

	for name, c := range map[string]prometheus.Collector{"used": m.quotaUsed, "limit": m.quotaLimit} {
		if n := testutil.CollectAndCount(c, "wxlink_owner_quota_"+name); n != 6 {
			t.Errorf("after: %d wxlink_owner_quota_%s series, want 6 (a/shop and b/news)", n, name)
		}
	}
	if v := testutil.ToFloat64(m.quotaUsed.WithLabelValues("b", "OfficialAccount", "news", "same_subject")); v != 1 {
		t.Errorf("b/news same_subject = %v, want 1 (untouched)", v)
	}
	m.forgetOwner("a", "OfficialAccount", "absent") // an owner with no series is no error
	var none *Metrics
	none.forgetOwner("a", "OfficialAccount", "news") // metrics are optional in reconcilers
}

// The OfficialAccount's gone hook drops its quota series: a deleted account leaves no stale gauge.
func TestOfficialAccountGoneForgetsItsQuotaSeries(t *testing.T) {
	w := newPhaseWorld(t)
	m := newTestMetrics(t)
	observeOwner(m, phaseNS, "deleted")
	observeOwner(m, phaseNS, "kept")
	r := &OfficialAccountReconciler{Client: w.c, APIReader: w.c, Metrics: m, Options: w.r.Options}
	if _, err := r.Reconcile(context.Background(), request("deleted")); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.quotaUsed); n != 3 {
		t.Errorf("%d quota_used series left, want the 3 of the remaining account", n)
	}
	if n := testutil.CollectAndCount(m.quotaLimit); n != 3 {
		t.Errorf("%d quota_limit series left, want the 3 of the remaining account", n)
	}
}

// A Mini Program's linked_by limit queues links too (admission's QueuedBy MiniProgram): its queue is
// exported with kind MiniProgram, so that the quota alert can fire for it; links an Official Account queues
// are not the Mini Program's.
func TestAMiniProgramsQueueIsExported(t *testing.T) {
	w := world(t)
	m := newTestMetrics(t)
	for name, by := range map[string]wx.AccountKind{"l1": wx.KindMiniProgram, "l2": wx.KindMiniProgram, "l3": wx.KindOfficialAccount} {
		l := w.link(name, "mp1")
		l.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionQueued, QueuedBy: by}
		w.save(l)
	}
	opts := w.r.Options
	opts.metrics = m
	r := &MiniProgramReconciler{Client: w.c, Options: opts}
	mp := &wx.MiniProgram{}
	if err := w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp1"}, mp); err != nil {
		t.Fatal(err)
	}
	if err := r.linkedBy(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.ownerQueued.WithLabelValues(phaseNS, "MiniProgram", "mp1")); got != 2 {
		t.Errorf("wxlink_owner_links_queued of the Mini Program = %v, want 2", got)
	}
}

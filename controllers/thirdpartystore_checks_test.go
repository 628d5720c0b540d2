// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// An Official Account whose type the platform did not report is judged by its spec.accountType; with
// neither, the type is unknown (never a subscription account).
func TestStoreBindingAccountTypeFallback(t *testing.T) {
	for _, c := range []struct {
		observed, declared wx.OfficialAccountType
		want               *bool
	}{
		{"", wx.OfficialAccountService, ptrTo(true)},
		{"", wx.OfficialAccountSubscription, ptrTo(false)},
		{wx.OfficialAccountService, wx.OfficialAccountSubscription, ptrTo(true)},
		{"", "", nil},
	} {
		w := newPhaseWorld(t)
		w.officialAccount("oa", oaApp)
		oa := &wx.OfficialAccount{}
		if err := w.c.Get(context.Background(), keyOf("oa"), oa); err != nil {
			t.Fatal(err)
		}
		oa.Spec.AccountType = c.declared
		if err := w.c.Update(context.Background(), oa); err != nil {
			t.Fatal(err)
		}
		oa.Status.AccountType = c.observed
		if err := w.c.Status().Update(context.Background(), oa); err != nil {
			t.Fatal(err)
		}
		r := &ThirdPartyStoreReconciler{Client: w.c}
		f, err := r.bindingFacts(context.Background(), phaseNS, wx.StoreBinding{Kind: wx.StoreBindingOfficialAccount, Name: "oa"})
		if err != nil {
			t.Fatal(err)
		}
		if (f.ServiceAccount == nil) != (c.want == nil) || f.ServiceAccount != nil && *f.ServiceAccount != *c.want {
			t.Errorf("observed %q, declared %q: ServiceAccount %v, want %v", c.observed, c.declared, f.ServiceAccount, c.want)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// A watch's reconcile does not call the store's API before the next check is due; a new generation or the
// poll does; while failing, retries back off from 1 s up to the poll interval.
func TestStoreCheckDue(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := &ThirdPartyStoreReconciler{Options: Options{PollInterval: time.Minute, Now: func() time.Time { return now }}}
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	tps := &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Generation: 1}}
	if !r.checkDue(tps) {
		t.Error("never checked: due")
	}
	tps.Status.ObservedGeneration, tps.Status.LastCheckTime = 1, at(-time.Second)
	if r.checkDue(tps) {
		t.Error("checked a second ago, healthy: a watch's reconcile must not check again")
	}
	tps.Generation = 2
	if !r.checkDue(tps) {
		t.Error("a new generation: due")
	}
	tps.Generation, tps.Status.LastCheckTime = 1, at(-time.Minute)
	if !r.checkDue(tps) {
		t.Error("a poll ago: due")
	}
	tps.Status.LastError, tps.Status.LastCountedFailureTime, tps.Status.LastCheckTime = "503", at(-10*time.Second), at(-2*time.Second)
	if got := r.checkInterval(tps); got != 8*time.Second {
		t.Errorf("retry interval %s, want 8s (doubling since the counted failure)", got)
	}
	if r.checkDue(tps) {
		t.Error("failing, retried 2 s ago with an 8 s backoff: not due")
	}
}

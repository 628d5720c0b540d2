// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// A merchant's other AppIDs are counted once each, in this namespace only.
func TestMerchantBindingsCountDistinctAppIDsInTheNamespace(t *testing.T) {
	w := newPhaseWorld(t)
	ctx := context.Background()
	bound := func(ns, name, appID string) {
		mb := &wx.MerchantBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: wx.MerchantBindingSpec{MerchantID: "1230000109", Target: wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mall"}}}
		if err := w.c.Create(ctx, mb); err != nil {
			t.Fatal(err)
		}
		mb.Status.State, mb.Status.AppID = wx.MerchantBindingBound, appID
		if err := w.c.Status().Update(ctx, mb); err != nil {
			t.Fatal(err)
		}
	}
	bound(phaseNS, "shop", "wx00000000000000b1")
	bound(phaseNS, "shop-again", "wx00000000000000b1") // one AppID declared twice is one binding
	bound(phaseNS, "member", "wx00000000000000b2")
	for i := range 3 {
		bound("other-tenant", fmt.Sprintf("theirs-%d", i), fmt.Sprintf("wx00000000000000c%d", i))
	}
	me := &wx.MerchantBinding{ObjectMeta: metav1.ObjectMeta{Namespace: phaseNS, Name: "new", UID: "me"},
		Spec: wx.MerchantBindingSpec{MerchantID: "1230000109"}, Status: wx.MerchantBindingStatus{AppID: "wx00000000000000b9"}}
	r := &MerchantBindingReconciler{Client: w.c}
	n, err := r.boundElsewhere(ctx, me)
	if err != nil || n != 2 {
		t.Fatalf("boundElsewhere = %d, %v; want 2 (b1 once and b2, nothing of the other tenant)", n, err)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// An account's change reaches the ThirdPartyStores that bind it, through the index, and no other (another
// kind of the same name, another account).
func TestAnAccountWakesTheStoresThatBindIt(t *testing.T) {
	w := world(t)
	bind := func(name string, bs ...wx.StoreBinding) {
		w.create(&wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.ThirdPartyStoreSpec{Bindings: bs}})
	}
	bind("shop-mall", wx.StoreBinding{Kind: wx.StoreBindingMiniProgram, Name: "mp1"})
	bind("shop-news", wx.StoreBinding{Kind: wx.StoreBindingOfficialAccount, Name: "mp1"}, wx.StoreBinding{Kind: wx.StoreBindingMiniProgram, Name: "mp2"})
	r := &ThirdPartyStoreReconciler{Client: w.c}
	mp1 := &wx.MiniProgram{ObjectMeta: metav1.ObjectMeta{Namespace: phaseNS, Name: "mp1"}}
	reqs := r.storesBinding(wx.StoreBindingMiniProgram)(context.Background(), mp1)
	if len(reqs) != 1 || reqs[0].Name != "shop-mall" {
		t.Errorf("MiniProgram mp1 woke %v, want only shop-mall", reqs)
	}
}

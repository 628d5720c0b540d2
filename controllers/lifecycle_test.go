// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// steps records which of a lifecycle's steps ran.
type steps struct{ gone, finalize, reconcile int }

func (w *phaseWorld) lifecycleOf(st *steps) lifecycle[*wx.WeComCorp] {
	return lifecycle[*wx.WeComCorp]{
		client: w.c, reader: w.c, newObj: func() *wx.WeComCorp { return &wx.WeComCorp{} }, finalizer: true,
		opts: w.r.Options,
		gone: func(context.Context, ctrl.Request) (ctrl.Result, error) {
			st.gone++
			return ctrl.Result{}, nil
		},
		finalize: func(context.Context, *wx.WeComCorp) (bool, ctrl.Result, error) {
			st.finalize++
			return true, ctrl.Result{}, nil
		},
		reconcile: func(_ context.Context, o *wx.WeComCorp) (ctrl.Result, error) {
			st.reconcile++
			if !controllerutil.ContainsFinalizer(o, wx.Finalizer) {
				w.t.Error("the kind's own steps ran before the finalizer was added")
			}
			return ctrl.Result{}, nil
		},
	}
}

func request(name string) ctrl.Request {
	return ctrl.Request{NamespacedName: client.ObjectKey{Namespace: phaseNS, Name: name}}
}

// Every kind opens in one order: gone, paused (even while deleting), deleting, finalizer, its own steps.
func TestLifecycleOpensInOneOrder(t *testing.T) {
	w := newPhaseWorld(t)
	ctx := context.Background()
	st := &steps{}
	if _, err := w.lifecycleOf(st).run(ctx, request("absent")); err != nil || st.gone != 1 {
		t.Fatalf("a missing object: gone ran %d times, %v", st.gone, err)
	}

	w.create(&wx.WeComCorp{ObjectMeta: metav1.ObjectMeta{Name: "corp"}})
	if _, err := w.lifecycleOf(st).run(ctx, request("corp")); err != nil || st.reconcile != 1 {
		t.Fatalf("reconcile ran %d times, %v", st.reconcile, err)
	}

	corp := &wx.WeComCorp{}
	_ = w.c.Get(ctx, request("corp").NamespacedName, corp)
	corp.Annotations = map[string]string{wx.PauseAnnotation: "true"}
	if err := w.c.Update(ctx, corp); err != nil {
		t.Fatal(err)
	}
	if err := w.c.Delete(ctx, corp); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lifecycleOf(st).run(ctx, request("corp")); err != nil || st.finalize != 0 {
		t.Fatalf("a paused object being deleted was finalized (%d), %v", st.finalize, err)
	}
	_ = w.c.Get(ctx, request("corp").NamespacedName, corp)
	if c := readyOf(corp); c == nil || c.Reason != wx.ReasonPaused {
		t.Fatalf("Ready = %+v, want Paused", c)
	}

	delete(corp.Annotations, wx.PauseAnnotation)
	if err := w.c.Update(ctx, corp); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lifecycleOf(st).run(ctx, request("corp")); err != nil || st.finalize != 1 || st.reconcile != 1 {
		t.Fatalf("unpaused deletion: finalize %d, reconcile %d, %v; want 1, 1", st.finalize, st.reconcile, err)
	}
	if err := w.c.Get(ctx, request("corp").NamespacedName, corp); err == nil {
		t.Fatalf("the finalizer was not released: %v", corp.Finalizers)
	}
}

func readyOf(o conditioned) *metav1.Condition {
	for i, c := range o.GetStatusBase().Conditions {
		if c.Type == wx.ConditionReady {
			return &o.GetStatusBase().Conditions[i]
		}
	}
	return nil
}

// A PlatformConfig that is gone takes its platform client, and what was read through it, with it.
func TestAPlatformConfigThatIsGoneDropsItsClient(t *testing.T) {
	w := newPhaseWorld(t)
	ctx := context.Background()
	platforms := &WeChatPlatforms{Client: w.c, DefaultEndpoint: "http://127.0.0.1:1", DefaultQPS: 1, DefaultBurst: 1}
	pc := &wx.PlatformConfig{}
	if err := w.c.Get(ctx, request("wechat").NamespacedName, pc); err != nil {
		t.Fatal(err)
	}
	p, err := platforms.For(ctx, pc)
	if err != nil {
		t.Fatal(err)
	}
	o := NewObserver(nil)
	o.links.entries[observerKey(p, "wx00000000000000a1")] = sharedEntry[[]platform.MiniProgramLink]{}
	o.links.epochs[observerKey(p, "wx00000000000000a1")] = 1
	r := &PlatformConfigReconciler{Client: w.c, Platforms: platforms, Observer: o, Options: w.r.Options}
	if _, err := r.Reconcile(ctx, request("wechat")); err != nil || platforms.cached() != 1 {
		t.Fatalf("a live PlatformConfig: %d cached clients, %v; want 1", platforms.cached(), err)
	}
	if err := w.c.Delete(ctx, pc); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reconcile(ctx, request("wechat")); err != nil {
		t.Fatal(err)
	}
	if platforms.cached() != 0 || o.links.size() != 0 {
		t.Errorf("after the PlatformConfig is gone: %d cached clients, %d shared reads; want none", platforms.cached(), o.links.size())
	}
}

// The real reconcilers open as lifecycle says: the kinds that undo something on the platform hold the
// finalizer (and a paused one being deleted keeps it), the others never add one, and a link adds it with its
// first side effect.
func TestEveryReconcilerHoldsTheFinalizerItShould(t *testing.T) {
	w := newPhaseWorld(t)
	ctx := context.Background()
	opts, obs, prov := w.r.Options, w.r.Observer, w.r.Platforms
	ref := wx.LocalObjectReference{Name: "absent"}
	spec := wx.AccountSpec{PlatformConfigRef: ref, Subject: subjectA}
	target := wx.AccountReference{Kind: wx.KindMiniProgram, Name: "absent"}
	for _, tc := range []struct {
		obj conditioned
		r   interface {
			Reconcile(context.Context, ctrl.Request) (ctrl.Result, error)
		}
		finalizer bool
	}{
		// A link adds the finalizer with the record of its first request (recordIntent) or when it adopts an
		// association (keepForUnlink): one whose ends are missing has done nothing to undo.
		{&wx.AssociationLink{Spec: wx.AssociationLinkSpec{Type: wx.OfficialAccountToMiniProgram, DeletionPolicy: wx.DeletionPolicyDelete,
			From: wx.AccountReference{Kind: wx.KindOfficialAccount, Name: "absent"}, To: target}}, w.r, false},
		{&wx.OfficialAccount{Spec: wx.OfficialAccountSpec{AppID: oaApp, AccountSpec: spec}},
			&OfficialAccountReconciler{Client: w.c, APIReader: w.c, Platforms: prov, Observer: obs, Recorder: w.events, Options: opts}, true},
		{&wx.OpenPlatformAccount{Spec: wx.OpenPlatformAccountSpec{PlatformConfigRef: ref, OpenAppID: oaApp}},
			&OpenPlatformAccountReconciler{Client: w.c, APIReader: w.c, Platforms: prov, Recorder: w.events, Options: opts}, true},
		{&wx.MiniProgram{Spec: wx.MiniProgramSpec{AppID: mpApp1, AccountSpec: spec}},
			&MiniProgramReconciler{Client: w.c, APIReader: w.c, Platforms: prov, Observer: obs, Recorder: w.events, Options: opts}, false},
		{&wx.MerchantBinding{Spec: wx.MerchantBindingSpec{MerchantID: "1230000109", Target: target}},
			&MerchantBindingReconciler{Client: w.c, Platforms: prov, Observer: obs, Recorder: w.events, Options: opts}, false},
		// A store, like an Official Account, is kept while its partner links may cancel or unbind with it.
		{&wx.WeChatStore{Spec: wx.WeChatStoreSpec{AppID: mpApp2, AccountSpec: spec}},
			&WeChatStoreReconciler{Client: w.c, Platforms: prov, Observer: obs, Recorder: w.events, Options: opts}, true},
		{&wx.WeComCorp{Spec: wx.WeComCorpSpec{CorpID: "ww0123456789abcdef", PlatformConfigRef: ref, Subject: subjectA}},
			&WeComCorpReconciler{Client: w.c, Options: opts}, false},
		{&wx.ChannelsAccount{Spec: wx.ChannelsAccountSpec{PlatformConfigRef: ref, Subject: subjectA}},
			&ChannelsAccountReconciler{Client: w.c, Options: opts}, false},
		{&wx.PlatformConfig{}, &PlatformConfigReconciler{Client: w.c, Platforms: prov, Observer: obs, Options: opts}, false},
	} {
		kind := fmt.Sprintf("%T", tc.obj)
		t.Run(kind, func(t *testing.T) {
			tc.obj.SetName("subject")
			w.create(tc.obj)
			key := client.ObjectKeyFromObject(tc.obj)
			if _, err := tc.r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
				t.Logf("reconcile: %v", err)
			}
			if err := w.c.Get(ctx, key, tc.obj); err != nil {
				t.Fatal(err)
			}
			if got := controllerutil.ContainsFinalizer(tc.obj, wx.Finalizer); got != tc.finalizer {
				t.Fatalf("finalizer after the first reconcile = %v, want %v", got, tc.finalizer)
			}
			if !tc.finalizer {
				return
			}
			tc.obj.SetAnnotations(map[string]string{wx.PauseAnnotation: "true"})
			if err := w.c.Update(ctx, tc.obj); err != nil {
				t.Fatal(err)
			}
			if err := w.c.Delete(ctx, tc.obj); err != nil {
				t.Fatal(err)
			}
			if _, err := tc.r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
				t.Fatal(err)
			}
			if err := w.c.Get(ctx, key, tc.obj); err != nil || !controllerutil.ContainsFinalizer(tc.obj, wx.Finalizer) {
				t.Fatalf("a paused object being deleted lost its finalizer (%v)", err)
			}
			if c := readyOf(tc.obj); c == nil || c.Reason != wx.ReasonPaused {
				t.Errorf("Ready = %+v, want Paused", c)
			}
		})
	}
}

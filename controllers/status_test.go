// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/fake"
)

// A reconcile that finds everything as it was (every resync of a fleet at rest) writes no status: at
// 10,000 links and a poll a minute, an empty patch per link per poll kept the API server busy enough
// that a new link waited minutes behind the resyncs.
func TestAReconcileThatChangesNothingWritesNoStatus(t *testing.T) {
	w := world(t)
	w.link("l1", "mp1")
	var patches int
	w.r.Client = interceptor.NewClient(w.c.(client.WithWatch), interceptor.Funcs{
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch,
			opts ...client.SubResourcePatchOption) error {
			patches++
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: phaseNS, Name: "l1"}}
	for i := range 2 {
		if _, err := w.r.Reconcile(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if i == 0 && (patches == 0 || readyReason(w.get("l1")) != wx.ReasonAvailable) {
			t.Fatalf("the first reconcile wrote %d status patches, Ready reason %q; want the link Available", patches, readyReason(w.get("l1")))
		}
		if i == 0 {
			patches = 0
		}
	}
	if patches != 0 {
		t.Errorf("a reconcile that changed nothing wrote the status %d times, want 0", patches)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 1 {
		t.Errorf("LinkMiniProgram called %d times, want 1", n)
	}
	// A change is still written: the association is removed in the console, and the next poll sees it.
	w.plat.Update(func(p *fake.Platform) { p.Links[oaApp] = nil })
	w.now = w.now.Add(time.Hour)
	if _, err := w.r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if patches != 1 {
		t.Errorf("a reconcile that changed the status wrote it %d times, want 1", patches)
	}
}

// The status write takes no optimistic lock, even after the reconcile's own metadata patch (the record of
// the request) moved the link's resourceVersion: a label written by someone else meanwhile (a GitOps sync,
// kubectl label) must not lose the record of the platform's answer.
func TestTheStatusWriteSurvivesAWriteByAnotherHandDuringTheReconcile(t *testing.T) {
	w := world(t)
	w.link("l1", "mp1")
	base := w.c.(client.WithWatch)
	labelled := false
	w.r.Client = interceptor.NewClient(base, interceptor.Funcs{
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			if err := c.Patch(ctx, obj, p, opts...); err != nil || labelled {
				return err
			}
			labelled = true
			other := &wx.AssociationLink{}
			if err := c.Get(ctx, client.ObjectKeyFromObject(obj), other); err != nil {
				return err
			}
			other.Labels = map[string]string{"argocd.argoproj.io/instance": "shop"}
			return c.Update(ctx, other)
		},
	})
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: phaseNS, Name: "l1"}}
	if _, err := w.r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	l := w.get("l1")
	if !labelled {
		t.Fatal("the reconcile made no metadata patch to interleave with")
	}
	if p := l.Status.Platform; p == nil || p.State != wx.LinkStateLinked || p.RequestedTime == nil {
		t.Errorf("status.platform = %+v: the record of the answer was lost to a write by another hand", p)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"slices"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// ownerRecount is how long an account waits, after a change of one of its links, before it counts them
// again (its quota, its linked-by count). A request already waiting is not added twice, so the changes of a
// burst (a fleet applied at once, a prune) are counted in one reconcile and one status write, not one each:
// an account with 400 links is written a few times while they converge, not 400 times. Admission never
// reads these counts (it counts the links themselves), so the delay slows only what `kubectl get` shows.
const ownerRecount = 2 * time.Second

type requestQueue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// recountAfterABurst is handler.EnqueueRequestsFromMapFunc with a delay: the requests that m maps an event's
// object (for an update, the old and the new object) to are added after ownerRecount, so that a burst of
// events is counted in one reconcile.
func recountAfterABurst(m handler.MapFunc) handler.EventHandler {
	add := func(ctx context.Context, q requestQueue, objs ...client.Object) {
		for _, o := range objs {
			for _, r := range m(ctx, o) {
				q.AddAfter(r, ownerRecount)
			}
		}
	}
	return handler.Funcs{
		CreateFunc:  func(ctx context.Context, e event.CreateEvent, q requestQueue) { add(ctx, q, e.Object) },
		UpdateFunc:  func(ctx context.Context, e event.UpdateEvent, q requestQueue) { add(ctx, q, e.ObjectOld, e.ObjectNew) },
		DeleteFunc:  func(ctx context.Context, e event.DeleteEvent, q requestQueue) { add(ctx, q, e.Object) },
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q requestQueue) { add(ctx, q, e.Object) },
	}
}

// linkOwner maps a link to its account at one end (from or to), when that end is of the given kind.
func linkOwner(kind wx.AccountKind, to bool) handler.MapFunc {
	return func(_ context.Context, o client.Object) []reconcile.Request {
		l := o.(*wx.AssociationLink)
		ref := l.Spec.From
		if to {
			ref = l.Spec.To
		}
		if ref.Kind != kind {
			return nil
		}
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: l.Namespace, Name: ref.Name}}}
	}
}

// linkedMiniProgramsChanges maps an Official Account's events to the Mini Programs that entered or left its
// platform list (by AppID or original ID), after ownerRecount: only their linked-by counts change. A
// creation or deletion names every Mini Program of the list.
func linkedMiniProgramsChanges(byID func(ctx context.Context, ns string, ids []string) []reconcile.Request) handler.EventHandler {
	add := func(ctx context.Context, q requestQueue, ns string, ids []string) {
		for _, r := range byID(ctx, ns, ids) {
			q.AddAfter(r, ownerRecount)
		}
	}
	all := func(o client.Object) []string { return o.(*wx.OfficialAccount).Status.LinkedMiniPrograms }
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q requestQueue) {
			add(ctx, q, e.Object.GetNamespace(), all(e.Object))
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q requestQueue) {
			add(ctx, q, e.ObjectNew.GetNamespace(), symmetricDifference(all(e.ObjectOld), all(e.ObjectNew)))
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q requestQueue) {
			add(ctx, q, e.Object.GetNamespace(), all(e.Object))
		},
	}
}

// entriesMoved maps an Official Account's change of platform list (status.linkedMiniPrograms, which its
// poll reads every interval) to its links whose Mini Program entered or left the list: a link removed by hand
// in the console is seen at the account's next poll, while a linked link's own resync is rare
// (linkedResyncFactor).
func (r *AssociationLinkReconciler) entriesMoved() handler.EventHandler {
	return handler.Funcs{
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q requestQueue) {
			oldOA, oa := e.ObjectOld.(*wx.OfficialAccount), e.ObjectNew.(*wx.OfficialAccount)
			moved := symmetricDifference(oldOA.Status.LinkedMiniPrograms, oa.Status.LinkedMiniPrograms)
			if len(moved) == 0 {
				return
			}
			from := wx.AccountReference{Kind: wx.KindOfficialAccount, Name: oa.Name}
			links, err := linksByIndex(ctx, r.Client, oa.Namespace, indexLinkFrom, refKey(from))
			if err != nil {
				return
			}
			for i := range links {
				if r.namesAny(ctx, &links[i], moved) {
					q.Add(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&links[i])})
				}
			}
		},
	}
}

// namesAny says whether the link's Mini Program is one of ids (AppIDs, or original IDs of an AppID-less list).
func (r *AssociationLinkReconciler) namesAny(ctx context.Context, l *wx.AssociationLink, ids []string) bool {
	if l.Status.ToAppID != "" && slices.Contains(ids, l.Status.ToAppID) {
		return true
	}
	mp := &wx.MiniProgram{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: l.Namespace, Name: l.Spec.To.Name}, mp); err != nil {
		return false
	}
	return slices.Contains(ids, string(mp.Spec.AppID)) || slices.Contains(ids, originalID(mp)) && originalID(mp) != ""
}

// symmetricDifference is the values in exactly one of a and b.
func symmetricDifference(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	for _, v := range b {
		if !slices.Contains(a, v) {
			out = append(out, v)
		}
	}
	return out
}

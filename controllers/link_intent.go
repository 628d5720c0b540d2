// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"maps"
	"strconv"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// The record of a request made before the call, as Crossplane records a pending external create: two
// annotations (wx.AnnotationRequestPending, the time; wx.AnnotationRequestListed, what the read before the
// request listed for the pair) written with the finalizer in one patch, the link's first side effect. The
// answer is recorded in status (status.platform.requestedTime), so the record is settled once requestedTime
// is not before it. A record left unsettled (a crash, a dropped connection) is settled from the platform's
// list (settleIntent); until then it counts as a request made (monthlyRequests).

// recordIntent writes, before the call, that wxlink is about to ask, with the finalizer that lets a deletion
// unlink what the request makes, in one optimistic-lock patch of the link's metadata.
func (r *AssociationLinkReconciler) recordIntent(ctx context.Context, s *linkScope, now metav1.Time) error {
	r.inFlight.note(s.link, now)
	err := r.patchMetadata(ctx, s.link, true, func(annotations map[string]string) {
		controllerutil.AddFinalizer(s.link, wx.Finalizer)
		annotations[wx.AnnotationRequestPending] = now.UTC().Format(time.RFC3339)
		delete(annotations, wx.AnnotationRequestListed)
		if s.found {
			annotations[wx.AnnotationRequestListed] = strconv.Itoa(int(s.entry.Status))
		}
	})
	if err != nil {
		r.inFlight.forget(linkKey(s.link)) // no record, no request
	}
	return err
}

// clearIntent settles the link's record of a request as not made (the platform answered with a refusal), in
// its own patch.
func (r *AssociationLinkReconciler) clearIntent(ctx context.Context, s *linkScope) error {
	return r.patchMetadata(ctx, s.link, false, func(annotations map[string]string) {
		delete(annotations, wx.AnnotationRequestPending)
		delete(annotations, wx.AnnotationRequestListed)
	})
}

// keepForUnlink puts the finalizer on a link the platform lists that has none (it found the association,
// made in the console, rather than asked for it) and whose deletion must unlink it (deletionPolicy Delete,
// managementPolicy Full; a change of either is a new generation, reconciled again).
func (r *AssociationLinkReconciler) keepForUnlink(ctx context.Context, s *linkScope) error {
	l := s.link
	ours := l.Spec.ManagementPolicy == wx.ManagementPolicyFull && l.Spec.DeletionPolicy == wx.DeletionPolicyDelete
	if !ours || !s.found || !s.entry.Status.Occupying() || controllerutil.ContainsFinalizer(l, wx.Finalizer) {
		return nil
	}
	return r.patchMetadata(ctx, s.link, true, func(map[string]string) { controllerutil.AddFinalizer(s.link, wx.Finalizer) })
}

// patchMetadata changes the link's annotations (and finalizers) with change, in one patch; optimistic says
// whether it takes an optimistic lock (it must whenever the list of finalizers changes). The link keeps the
// status this reconcile decided, which the patch's answer would replace with the server's.
func (r *AssociationLinkReconciler) patchMetadata(ctx context.Context, l *wx.AssociationLink, optimistic bool,
	change func(annotations map[string]string)) error {
	orig := l.DeepCopy()
	annotations := maps.Clone(l.GetAnnotations())
	if annotations == nil {
		annotations = map[string]string{}
	}
	change(annotations)
	l.SetAnnotations(annotations)
	patch := client.MergeFrom(orig)
	if optimistic {
		patch = client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})
	}
	status := l.Status.DeepCopy()
	err := r.Patch(ctx, l, patch)
	l.Status = *status
	return err
}

// unsettledIntent is the time of a request recorded as pending whose answer wxlink never recorded, or nil.
func unsettledIntent(l *wx.AssociationLink) *metav1.Time {
	v, ok := l.GetAnnotations()[wx.AnnotationRequestPending]
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil // not wxlink's writing: no record
	}
	if p := l.Status.Platform; p != nil && p.RequestedTime != nil && !p.RequestedTime.Time.Before(t) {
		return nil
	}
	at := metav1.NewTime(t)
	return &at
}

// listedBeforeIntent is what the read before the recorded request listed for the pair (0: not listed).
func listedBeforeIntent(l *wx.AssociationLink) platform.LinkStatus {
	n, err := strconv.Atoi(l.GetAnnotations()[wx.AnnotationRequestListed])
	if err != nil {
		return 0
	}
	return platform.LinkStatus(n)
}

// settleIntent settles a request recorded as pending whose answer never came (a crash, a dropped connection),
// from a fresh read of the platform: if the platform lists the association, that request made it, and it is
// counted now; if not, once the platform has had time to list it, it did not, and wxlink may ask again. A
// rejection the link already reported before the intent is not the intent's doing; a new one is: the admin
// rejected this object's own request, which is terminal, as when the answer came.
func (r *AssociationLinkReconciler) settleIntent(ctx context.Context, s *linkScope) (bool, error) {
	intent := unsettledIntent(s.link)
	if intent == nil {
		return false, nil
	}
	if s.link.Status.Platform == nil {
		s.link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateNotLinked}
	}
	p := s.link.Status.Platform
	if !s.fresh {
		if done, err := r.observeFresh(ctx, s); done || err != nil {
			return true, err
		}
	}
	rejectedBefore := p.State == wx.LinkStateRejected || listedBeforeIntent(s.link) == platform.LinkRejected
	made := s.found && (s.entry.Status != platform.LinkRejected || !rejectedBefore)
	if !made && r.now().Sub(intent.Time) < requestSettleTime {
		r.notListedYet(s)
		return true, nil
	}
	if made {
		r.countRequest(s, intent.Time)
	} else {
		// The request counted in the owners' expectations before the call was not made: give it back.
		r.recordMonth(s, s.link.Status.MonthlyRequests)
	}
	p.RequestedTime, p.RequestedGeneration = intent, s.link.Generation
	if made && s.entry.Status == platform.LinkRejected {
		r.rejected(s)
		return true, nil
	}
	return false, nil
}

// requestsInFlight bridges the moment between a link's record of a request and the cache showing it: the
// owners' locks are let go once the record is written, and another link's admission, reading the link from
// the cache, must not take the slot the request is about to fill. It remembers the time each link recorded;
// until the cache shows that record (or the answer that settles it), the request is in flight. Once it does,
// the record itself (an unsettled intent) says so.
type requestsInFlight struct {
	mu sync.Mutex
	at map[string]time.Time // link key -> the recorded time of its request
}

func (f *requestsInFlight) note(l *wx.AssociationLink, at metav1.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.at == nil {
		f.at = map[string]time.Time{}
	}
	f.at[linkKey(l)] = at.Time
}

func (f *requestsInFlight) forget(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.at, key)
}

// cacheBehind says whether the cache's copy of the link does not show yet its record of a request made here.
func (f *requestsInFlight) cacheBehind(l *wx.AssociationLink) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, ok := f.at[linkKey(l)]
	if !ok {
		return false
	}
	recorded := l.GetAnnotations()[wx.AnnotationRequestPending] == at.UTC().Format(time.RFC3339)
	p := l.Status.Platform
	answered := p != nil && p.RequestedTime != nil && !p.RequestedTime.Time.Before(at)
	if recorded || answered {
		delete(f.at, linkKey(l))
		return false
	}
	return true
}

// HoldInFlight makes a sibling whose request may be in flight (recorded and unsettled, or recorded here and
// not yet in the cache) hold its slot as the platform will list it, whatever its last status said (refused,
// queued by the other owner, rejected before): the request is being made. A sibling whose end is gone or
// whose platform entry cannot be matched is left as it is: its entry, if the request landed, counts as a
// console link already. cacheBehind is the manager's knowledge of requests its cache does not show yet (nil
// for a reader without one, as kubectl-wxlink's plan).
func HoldInFlight(l *wx.AssociationLink, facts *rules.SlotFacts, cacheBehind func(*wx.AssociationLink) bool) {
	if facts.Deciding || facts.Deleting || facts.EndMissing || facts.Unmatched {
		return
	}
	if unsettledIntent(l) == nil && (cacheBehind == nil || !cacheBehind(l)) {
		return
	}
	facts.OnPlatform = true
	facts.Refused, facts.Rejected, facts.QueuedElsewhere = false, false, false
}

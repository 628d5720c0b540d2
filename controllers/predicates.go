// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Watch predicates: which events of one kind are worth a reconcile of another. Each one filters out the
// status writes that would otherwise fan out (a link's counters, an account's observation time).

// declaredChanged passes the events of an object that ask for its own reconcile: creation, deletion, and a
// change of what a person declares (its spec, which moves its generation, its annotations, which hold the
// pause switch, and its labels), or the start of its deletion. It filters out the object's status writes,
// wxlink's own: each would otherwise bring one more reconcile of every object after every reconcile that
// wrote, which decides nothing new (the reconcile says itself when it must run again).
func declaredChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld, e.ObjectNew
			return o.GetGeneration() != n.GetGeneration() || o.GetDeletionTimestamp().IsZero() != n.GetDeletionTimestamp().IsZero() ||
				!maps.Equal(declaredAnnotations(o), declaredAnnotations(n)) || !maps.Equal(o.GetLabels(), n.GetLabels())
		},
	}
}

// declaredAnnotations are an object's annotations but the ones wxlink writes itself (its records of requests).
func declaredAnnotations(o client.Object) map[string]string {
	a := o.GetAnnotations()
	if _, ok := a[wx.AnnotationRequestPending]; !ok {
		return a
	}
	out := maps.Clone(a)
	delete(out, wx.AnnotationRequestPending)
	delete(out, wx.AnnotationRequestListed)
	return out
}

// slotFreed passes the link events that can free a quota slot: a deletion (started or finished), a link that
// stops holding one (mayHoldSlot: for example admitted, then queued; linked, then rejected or removed), and one
// that moves from one owner's queue to the other's, which frees its place in the first. A link that takes a
// slot (admitted, then linked) frees none: most of a fleet's events pass no further.
func slotFreed() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*wx.AssociationLink), e.ObjectNew.(*wx.AssociationLink)
			if o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero() {
				return true
			}
			switchedQueue := queuedBy(o) != "" && queuedBy(n) != "" && queuedBy(o) != queuedBy(n)
			return mayHoldSlot(o) && !mayHoldSlot(n) || switchedQueue
		},
	}
}

// mayHoldSlot reports whether a link, by its own status, may hold a slot of its owners: a request of it in
// flight (its record unsettled), or admitted, listed by the platform as linked or awaiting an admin, or not yet
// decided (another link's admission counts a link without a decision, so its first decision can free a slot),
// and neither refused nor rejected.
func mayHoldSlot(l *wx.AssociationLink) bool {
	if unsettledIntent(l) != nil {
		return true
	}
	switch platformState(l) {
	case wx.LinkStateRefused, wx.LinkStateRejected:
		return false
	}
	return undecided(l) || admissionState(l) == wx.AdmissionAdmitted || holdsSlot(platformState(l))
}

// undecided says whether no admission has judged the link yet: no admission state and no Admitted condition
// (a link judged to take no slot, ObserveOnly or rejected, has the condition without a state).
func undecided(l *wx.AssociationLink) bool {
	return l.Status.Admission == nil && meta.FindStatusCondition(l.Status.Conditions, wx.ConditionAdmitted) == nil
}

// holdsSlot reports whether a link in this platform state holds a quota slot: linked, or waiting for an admin.
func holdsSlot(s wx.LinkState) bool {
	return s == wx.LinkStateLinked || s == wx.LinkStateAwaitingMiniProgramAdmin || s == wx.LinkStateAwaitingOfficialAccountAdmin
}

func platformState(l *wx.AssociationLink) wx.LinkState {
	if l.Status.Platform == nil {
		return ""
	}
	return l.Status.Platform.State
}

// readinessChanged passes account events that can change what its links may do: creation, deletion, a new
// generation, or a change of its Ready condition or observed subject. It filters out the status writes that
// only move counters, which would otherwise fan out to every link of the account.
func readinessChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(conditioned), e.ObjectNew.(conditioned)
			if o.GetGeneration() != n.GetGeneration() || o.GetDeletionTimestamp().IsZero() != n.GetDeletionTimestamp().IsZero() {
				return true
			}
			oc := meta.FindStatusCondition(o.GetStatusBase().Conditions, wx.ConditionReady)
			nc := meta.FindStatusCondition(n.GetStatusBase().Conditions, wx.ConditionReady)
			if (oc == nil) != (nc == nil) || (oc != nil && (oc.Status != nc.Status || oc.Reason != nc.Reason)) {
				return true
			}
			return subjectOf(o) != subjectOf(n)
		},
	}
}

func subjectOf(o client.Object) wx.Subject {
	var s *wx.Subject
	switch a := o.(type) {
	case *wx.OfficialAccount:
		s = a.Status.Subject
	case *wx.MiniProgram:
		s = a.Status.Subject
	}
	if s == nil {
		return wx.Subject{}
	}
	return *s
}

// linkStateChanged passes link events that change an account's counts: creation, deletion, and a change of
// admission or platform state.
func linkStateChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*wx.AssociationLink), e.ObjectNew.(*wx.AssociationLink)
			return platformState(o) != platformState(n) || admissionState(o) != admissionState(n) ||
				o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero()
		},
	}
}

// linkedMiniProgramsChanged passes Official Account events that change the Mini Programs its platform list
// names: creation, deletion, and a change of status.linkedMiniPrograms.
func linkedMiniProgramsChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*wx.OfficialAccount), e.ObjectNew.(*wx.OfficialAccount)
			return !slices.Equal(o.Status.LinkedMiniPrograms, n.Status.LinkedMiniPrograms)
		},
	}
}

func admissionState(l *wx.AssociationLink) wx.AdmissionState {
	if l.Status.Admission == nil {
		return ""
	}
	return l.Status.Admission.State
}

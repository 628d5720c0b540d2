// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// A link event moves its owners' queues exactly when it can free a slot.
func TestSlotFreedPassesWhatCanFreeASlot(t *testing.T) {
	queued := func(by wx.AccountKind) *wx.AssociationLink {
		return &wx.AssociationLink{Status: wx.AssociationLinkStatus{Admission: &wx.AdmissionStatus{State: wx.AdmissionQueued, QueuedBy: by}}}
	}
	admitted := &wx.AssociationLink{Status: wx.AssociationLinkStatus{Admission: &wx.AdmissionStatus{State: wx.AdmissionAdmitted}}}
	linked := &wx.AssociationLink{Status: wx.AssociationLinkStatus{Admission: &wx.AdmissionStatus{State: wx.AdmissionAdmitted},
		Platform: &wx.PlatformLinkStatus{State: wx.LinkStateLinked}}}
	rejected := linked.DeepCopy()
	rejected.Status.Platform.State = wx.LinkStateRejected
	refused := admitted.DeepCopy()
	refused.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused}
	inFlight := func(l *wx.AssociationLink) *wx.AssociationLink {
		l = l.DeepCopy()
		l.Annotations = map[string]string{wx.AnnotationRequestPending: "2026-11-18T04:00:00Z"}
		return l
	}
	noSlot := &wx.AssociationLink{Status: wx.AssociationLinkStatus{StatusBase: wx.StatusBase{Conditions: []metav1.Condition{{Type: wx.ConditionAdmitted,
		Status: metav1.ConditionFalse, Reason: wx.ReasonObserveOnly}}}}}
	for _, tc := range []struct {
		name     string
		old, new *wx.AssociationLink
		want     bool
	}{
		{"admitted, then queued", admitted, queued(wx.KindMiniProgram), true},
		{"from one owner's queue to the other's", queued(wx.KindMiniProgram), queued(wx.KindOfficialAccount), true},
		{"queued, then admitted", queued(wx.KindOfficialAccount), admitted, false},
		{"new, then queued (another admission counted it while it had no decision)", &wx.AssociationLink{}, queued(wx.KindMiniProgram), true},
		{"new, then refused", &wx.AssociationLink{}, refused, true},
		{"new, then admitted", &wx.AssociationLink{}, admitted, false},
		{"a refused link's request in flight, then refused again (its record cleared)", inFlight(refused), refused, true},
		{"admitted, then judged to take no slot (ObserveOnly, not listed)", admitted, noSlot, true},
		{"judged to take no slot, still", noSlot, noSlot, false},
		{"still queued by the same owner", queued(wx.KindOfficialAccount), queued(wx.KindOfficialAccount), false},
		{"linked, then rejected", linked, rejected, true},
		{"admitted, then linked", admitted, linked, false},
		{"admitted, then refused", admitted, refused, true},
		{"linked, then removed in the console and queued", linked, queued(wx.KindOfficialAccount), true},
	} {
		if got := slotFreed().Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("%s: slotFreed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// An object is reconciled again for what a person changes, never for its own status writes.
func TestDeclaredChangedIgnoresStatusWrites(t *testing.T) {
	base := &wx.AssociationLink{}
	base.Generation = 1
	status := base.DeepCopy()
	status.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateLinked}
	spec := base.DeepCopy()
	spec.Generation = 2
	paused := base.DeepCopy()
	paused.Annotations = map[string]string{wx.PauseAnnotation: "true"}
	labelled := base.DeepCopy()
	labelled.Labels = map[string]string{"team": "growth"}
	deleting := base.DeepCopy()
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	for _, tc := range []struct {
		name string
		new  *wx.AssociationLink
		want bool
	}{
		{"a status write", status, false},
		{"a spec change", spec, true},
		{"the pause annotation", paused, true},
		{"a label", labelled, true},
		{"the start of its deletion", deleting, true},
	} {
		if got := declaredChanged().Update(event.UpdateEvent{ObjectOld: base, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("%s: declaredChanged = %v, want %v", tc.name, got, tc.want)
		}
	}
}

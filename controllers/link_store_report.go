// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// reportStore turns the platform's record of the pair into status and conditions: who must act, and where.
func (r *AssociationLinkReconciler) reportStore(ctx context.Context, s *storeScope) (bool, error) {
	link := s.link
	if p := link.Status.Platform; !s.found && p != nil && p.State == wx.LinkStateRefused && r.askedThisGeneration(link) {
		// The refusal inviteFailed reported stands until its poll interval is over.
		s.result = ctrl.Result{RequeueAfter: p.RequestedTime.Add(r.PollInterval).Sub(r.now()) + time.Second}
		return true, nil
	}
	if err := r.keepStoreForUnbind(ctx, s); err != nil {
		return true, err
	}
	ps := storePlatformStatus(link.Status.Platform, s)
	link.Status.Platform = ps
	state, reason, msg := r.storeState(s)
	ps.State = state
	if state != wx.LinkStateAwaitingStoreAdmin && state != wx.LinkStateAwaitingOfficialAccountAdmin &&
		state != wx.LinkStateAwaitingMiniProgramAdmin {
		ps.InvitationQRCode = "" // answered: the QR code is of no more use
	}
	requeue := r.poll()
	switch reason {
	case wx.ReasonAvailable:
		r.firstLinked(link, ps, msg)
	case wx.ReasonAwaitingStoreAdmin, wx.ReasonAwaitingOfficialAccountAdmin, wx.ReasonAwaitingMiniProgramAdmin:
		requeue = r.pending()
	case wx.ReasonRejected, wx.ReasonInvitationTimedOut, wx.ReasonInvitationFailed:
		if c := meta.FindStatusCondition(link.Status.Conditions, wx.ConditionLinked); c == nil || c.Reason != reason {
			r.Recorder.Eventf(link, nil, corev1.EventTypeWarning, wx.EventRejected, "Observe", "%s", msg)
		}
	}
	status := metav1.ConditionFalse
	if reason == wx.ReasonAvailable {
		status = metav1.ConditionTrue
	} else {
		ps.LinkedTime = nil
	}
	setCondition(link, wx.ConditionLinked, status, reason, msg)
	ready(link, status, reason, msg)
	s.result = ctrl.Result{RequeueAfter: requeue}
	return true, nil
}

// storePlatformStatus is status.platform for the record: the request and the first-linked time carried over.
func storePlatformStatus(prev *wx.PlatformLinkStatus, s *storeScope) *wx.PlatformLinkStatus {
	ps := &wx.PlatformLinkStatus{}
	if prev != nil {
		ps.LinkedTime, ps.RequestedTime, ps.RequestedGeneration = prev.LinkedTime, prev.RequestedTime, prev.RequestedGeneration
		ps.InvitationQRCode = prev.InvitationQRCode
		if superseded(prev, s) {
			ps.SupersededStatus = prev.SupersededStatus
		}
	}
	if s.found {
		raw := int32(s.entry.Status) //nolint:gosec // platform status codes are small
		ps.RawStatus = &raw
	}
	return ps
}

// storeState says what the record means: the state, Ready's reason, and a message that names who must act.
func (r *AssociationLinkReconciler) storeState(s *storeScope) (wx.LinkState, string, string) {
	link := s.link
	store := fmt.Sprintf("WeChat Store %s (%s)", s.store.Name, s.store.Spec.AppID)
	who := fmt.Sprintf("%s (%s)", s.partnerName, s.sharer.ID)
	switch s.step.Outcome {
	case rules.PartnerOutcomeBound:
		return wx.LinkStateLinked, wx.ReasonAvailable, fmt.Sprintf("%s is a partner account (合作账号) of %s", who, store)
	case rules.PartnerOutcomeAccepting:
		state, reason := wx.LinkStateAwaitingOfficialAccountAdmin, wx.ReasonAwaitingOfficialAccountAdmin
		if link.Spec.Type == wx.StoreToMiniProgram {
			state, reason = wx.LinkStateAwaitingMiniProgramAdmin, wx.ReasonAwaitingMiniProgramAdmin
		}
		return state, reason, fmt.Sprintf("waiting for the administrator of %s to accept the invitation of %s (platform status "+
			"4): they accept it in WeChat, in the invitation the store sent them, before it times out", who, store)
	case rules.PartnerOutcomeRefused:
		return wx.LinkStateRejected, wx.ReasonRejected, fmt.Sprintf("the administrator of %s refused the invitation of %s "+
			"(platform status 3); wxlink invites again only when the spec changes or the link is re-created", who, store)
	case rules.PartnerOutcomeTimedOut:
		next := "set spec.store.reinviteAfterTimeout: true (or change the spec) to invite again"
		if link.Spec.Store != nil && link.Spec.Store.ReinviteAfterTimeout {
			next = "spec.store.reinviteAfterTimeout is set, but managementPolicy ObserveOnly never invites"
			if link.Spec.ManagementPolicy != wx.ManagementPolicyObserveOnly {
				next = "wxlink invites again (spec.store.reinviteAfterTimeout)"
			}
		}
		return wx.LinkStateTimedOut, wx.ReasonInvitationTimedOut, fmt.Sprintf("the invitation of %s to %s timed out "+
			"(platform status 5) before its administrator accepted it; %s", store, who, next)
	case rules.PartnerOutcomeFailed:
		return wx.LinkStateFailed, wx.ReasonInvitationFailed, fmt.Sprintf("the platform reports that %s could not accept "+
			"the invitation of %s (platform status 6); check the account in its console, then change the spec to invite again", who, store)
	case rules.PartnerOutcomeUnknown:
		return wx.LinkStateUnknown, wx.ReasonUnknownPlatformState, fmt.Sprintf("the platform reports status %d for the "+
			"partner record of %s, which WeChat does not document; wxlink does not act: check the store's console (合作账号)",
			s.entry.Status, who)
	}
	if link.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly {
		return wx.LinkStateNotLinked, wx.ReasonObserveOnly, fmt.Sprintf("%s is not a partner account of %s, and "+
			"managementPolicy ObserveOnly never invites it", who, store)
	}
	return wx.LinkStateAwaitingStoreAdmin, wx.ReasonAwaitingStoreAdmin, fmt.Sprintf("wxlink generated the invitation of %s "+
		"for %s and the platform lists no new invitation yet: the store's administrator scans the invitation QR code (kubectl get "+
		"link %s -o jsonpath='{.status.platform.invitationQRCode}' | base64 -d > invitation.jpg) with WeChat, chooses the "+
		"store, and sends it to the partner's administrator", who, store, link.Name)
}

// keepStoreForUnbind puts the finalizer on a link the store lists as bound or invited that has none (found,
// not invited by wxlink), when its deletion must cancel or unbind it (deletionPolicy Delete, Full).
func (r *AssociationLinkReconciler) keepStoreForUnbind(ctx context.Context, s *storeScope) error {
	l := s.link
	ours := l.Spec.ManagementPolicy == wx.ManagementPolicyFull && l.Spec.DeletionPolicy == wx.DeletionPolicyDelete
	held := s.step.Outcome == rules.PartnerOutcomeBound || s.step.Outcome == rules.PartnerOutcomeAccepting
	if !ours || !held || controllerutil.ContainsFinalizer(l, wx.Finalizer) {
		return nil
	}
	return r.patchMetadata(ctx, l, true, func(map[string]string) { controllerutil.AddFinalizer(l, wx.Finalizer) })
}

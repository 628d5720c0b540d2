// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// admit runs quota admission for the link under both of its owners and records the decision: queued (the
// reconcile ends, and the link is admitted by itself when a slot frees) or admitted. A decision that would
// lead to a request is made again on a fresh read of the platform before anything is asked. The owners'
// monthly use comes from their links' own records, their ledgers, and what this manager counted that the
// cache may not show yet (monthly.go), all under the owners' locks.
func (r *AssociationLinkReconciler) admit(ctx context.Context, s *linkScope) (bool, error) {
	if s.observeOnly() && !s.onPlatform() {
		if !s.fresh && s.wasLinked { // it is about to report a removal: read again first
			if done, err := r.observeRecent(ctx, s); done || err != nil {
				return true, err
			}
		}
		if !s.onPlatform() {
			takesNoSlot(s)
			return false, nil
		}
	}
	if err := r.decide(ctx, s); err != nil {
		return true, err
	}
	if !s.fresh && s.decision.Admitted && !s.onPlatform() && s.mayAct() {
		if done, err := r.observeRecent(ctx, s); done || err != nil {
			return true, err
		}
		if err := r.decide(ctx, s); err != nil {
			return true, err
		}
	}
	return r.recordAdmission(s), nil
}

// decide runs admission under the Official Account (10 same-subject, 3 other-subject, 13 new a month) and,
// when it admits, under the Mini Program (500, 500 new a month). A link is admitted only by both.
func (r *AssociationLinkReconciler) decide(ctx context.Context, s *linkScope) error {
	now := r.now()
	cands, err := r.officialAccountCandidates(ctx, s)
	if err != nil {
		return err
	}
	oaDecision, err := decisionFor(rules.Admit(rules.AdmissionInput{
		Policy: rules.OfficialAccountPolicy(), Candidates: cands, Now: now,
		UsedThisMonth: r.monthUsed(s, wx.KindOfficialAccount, s.siblings),
	}), linkKey(s.link))
	if err != nil || !oaDecision.Admitted {
		s.decision, s.queuedBy = oaDecision, wx.KindOfficialAccount
		return err
	}
	cands, mpLinks, err := r.miniProgramCandidates(ctx, s, oaDecision.OnPlatform)
	if err != nil {
		return err
	}
	mpDecision, err := decisionFor(rules.Admit(rules.AdmissionInput{
		Policy: rules.MiniProgramPolicy(), Candidates: cands, Now: now,
		UsedThisMonth: r.monthUsed(s, wx.KindMiniProgram, mpLinks),
	}), linkKey(s.link))
	if err != nil || !mpDecision.Admitted {
		s.decision, s.queuedBy = mpDecision, wx.KindMiniProgram
		return err
	}
	s.decision, s.queuedBy = oaDecision, ""
	return nil
}

// takesNoSlot records that an ObserveOnly link the platform does not list takes no quota slot.
func takesNoSlot(s *linkScope) {
	s.link.Status.Admission = nil
	setCondition(s.link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonObserveOnly,
		"managementPolicy ObserveOnly: wxlink never creates this link, so it takes no quota slot; it is counted when the platform lists it")
}

// linkKey names a cluster link among admission's candidates.
func linkKey(l *wx.AssociationLink) string { return l.Namespace + "/" + l.Name }

// recordAdmission writes the decision into status and conditions, with an Event when it changes between
// queued and admitted. It returns true when the link is queued, which ends the reconcile.
func (r *AssociationLinkReconciler) recordAdmission(s *linkScope) bool {
	link, d := s.link, s.decision
	prev := link.Status.Admission
	if d.Admitted {
		link.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted, Message: truncate(d.Message, 1024)}
		setCondition(link, wx.ConditionAdmitted, metav1.ConditionTrue, wx.ReasonWithinQuota, d.Message)
		if prev != nil && prev.State == wx.AdmissionQueued {
			r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventAdmitted, "Admit", "a slot freed: %s", d.Message)
		}
		return false
	}
	link.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionQueued, QueuedBy: s.queuedBy,
		QueuePosition: int32(d.QueuePosition), Message: truncate(d.Message, 1024)} //nolint:gosec // a queue position is small
	reason, requeue := wx.ReasonQuotaExceeded, r.pending()
	if d.Reason == rules.ReasonMonthlyLimitReached {
		reason = wx.ReasonMonthlyLimitReached
		requeue = min(requeue, rules.NextMonthStart(r.now()).Sub(r.now()))
	}
	setCondition(link, wx.ConditionAdmitted, metav1.ConditionFalse, reason, d.Message)
	setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, reason, "not requested: the link is queued")
	ready(link, metav1.ConditionFalse, reason, d.Message)
	if prev == nil || prev.State != wx.AdmissionQueued {
		r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventQueued, "Admit", "%s", d.Message)
	}
	s.result.RequeueAfter = requeue
	return true
}

// decisionFor picks the link's own decision out of admission's.
func decisionFor(ds []rules.Decision, key string) (rules.Decision, error) {
	for _, d := range ds {
		if d.Key == key {
			return d, nil
		}
	}
	// The link was read from the API server, its siblings from the cache, which does not hold it yet: decide
	// again shortly (a Conflict is requeued, not reported as a failure).
	return rules.Decision{}, apierrors.NewConflict(wx.GroupVersion.WithResource("associationlinks").GroupResource(), key,
		errors.New("the informer cache does not hold this AssociationLink yet"))
}

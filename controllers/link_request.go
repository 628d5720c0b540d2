// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// requestSettleTime is how long after a request the platform may take to list it: wxlink waits rather than
// ask (and count) twice.
const requestSettleTime = time.Minute

// request asks the platform for an admitted link that it does not list, unless the link is only observed,
// or was refused or requested moments ago. A link the platform lists goes on to report.
func (r *AssociationLinkReconciler) request(ctx context.Context, s *linkScope) (bool, error) {
	if s.onPlatform() {
		return false, nil
	}
	if s.wasLinked {
		r.Recorder.Eventf(s.link, nil, corev1.EventTypeWarning, wx.EventDriftDetected, "Observe",
			"the association was removed on the platform (for example by hand in the console)")
	}
	if s.observeOnly() {
		r.observedAbsent(s)
		return true, nil
	}
	if r.holdBack(s) {
		return true, nil
	}
	outcome, done, err := r.ask(ctx, s)
	if done || err != nil {
		return true, err
	}
	// Read the state the request produced (12, 2, or 1 at once for the instant same-subject path).
	listCtx, cancel := r.lockedCall(ctx)
	defer cancel()
	links, err := r.Observer.ListFresh(listCtx, s.p, s.oaAcct)
	if err != nil {
		return true, err
	}
	s.platLinks, s.fresh = links, true
	s.entry, s.found = Find(links, string(s.mp.Spec.AppID), originalID(s.mp))
	if !s.found && outcome != platform.LinkRequested {
		r.existsUnlisted(s, outcome)
		return true, nil
	}
	if s.found && s.entry.Status.Occupying() {
		listedNow(s.link)
	}
	if outcome == platform.LinkRequested && (!s.found || s.entry.Status != platform.LinkLinked) {
		// A link made at once has one Event, Linked; one that waits for a person says it was asked for.
		r.Recorder.Eventf(s.link, nil, corev1.EventTypeNormal, wx.EventLinkRequested, "Link",
			"asked the platform to associate Mini Program %s with Official Account %s", s.mp.Spec.AppID, s.oa.Spec.AppID)
	}
	return false, nil
}

// listedNow gives an admitted link the platform now lists the admission message every later reconcile
// will give it (it keeps its slot), so that the reconcile that made it writes its status once.
func listedNow(l *wx.AssociationLink) {
	if a := l.Status.Admission; a != nil && a.State == wx.AdmissionAdmitted {
		a.Message = rules.OnPlatformMessage(true)
		setCondition(l, wx.ConditionAdmitted, metav1.ConditionTrue, wx.ReasonWithinQuota, a.Message)
	}
}

// existsUnlisted reports an association the platform says exists ("already linked" or "already pending")
// but that wxlink cannot find in its list: an AppID-less list that names the Mini Program by an original ID
// other than the one wxlink knows (a typo in spec.originalID). Asking again would get the same answer, so
// wxlink holds back for a poll interval (holdBack: state Unknown), and looks again at once when the
// MiniProgram changes.
func (r *AssociationLinkReconciler) existsUnlisted(s *linkScope, outcome platform.LinkOutcome) {
	s.link.Status.Platform.State = wx.LinkStateUnknown
	answer := "already associated (89015)"
	if outcome == platform.LinkAlreadyPending {
		answer = "already invited to associate (89010)"
	}
	msg := fmt.Sprintf("the platform answers that Mini Program %s is %s with Official Account %s, but its list names no Mini "+
		"Program %s or with original ID %q: correct spec.originalID of MiniProgram %s (gh_ and 12 hexadecimal characters, "+
		"shown at mp.weixin.qq.com (the Mini Program) → 设置 → 基本设置 → 原始ID); wxlink asks again after %s",
		s.mp.Spec.AppID, answer, s.oa.Spec.AppID, s.mp.Spec.AppID, originalID(s.mp), s.mp.Name,
		r.now().Add(r.PollInterval).UTC().Format(time.RFC3339))
	setCondition(s.link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonOriginalIDRequired, msg)
	ready(s.link, metav1.ConditionFalse, wx.ReasonOriginalIDRequired, msg)
	s.result = ctrl.Result{RequeueAfter: r.PollInterval}
}

// observedAbsent reports an ObserveOnly link that the platform does not list: wxlink never creates it.
func (r *AssociationLinkReconciler) observedAbsent(s *linkScope) {
	link := s.link
	everLinked := link.Status.Platform != nil && link.Status.Platform.LinkedTime != nil
	ps := &wx.PlatformLinkStatus{State: wx.LinkStateNotLinked}
	msg := "the association does not exist on the platform, and managementPolicy ObserveOnly never creates it"
	if everLinked {
		ps.LinkedTime = link.Status.Platform.LinkedTime
		msg = "the association was removed on the platform; managementPolicy ObserveOnly reports this and does not restore it"
	}
	link.Status.Platform = ps
	setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonObserveOnly, msg)
	ready(link, metav1.ConditionFalse, wx.ReasonObserveOnly, msg)
	s.result = ctrl.Result{RequeueAfter: r.poll()}
}

// holdBack reports whether wxlink must not ask now: the platform refused this generation, or answered that
// an association it does not list exists, less than a poll interval ago (the conditions still say why; no
// retry storm), or it was asked moments ago and does not list
// the association yet (wait for the platform rather than ask, and count, twice).
func (r *AssociationLinkReconciler) holdBack(s *linkScope) bool {
	p, now := s.link.Status.Platform, r.now()
	if p == nil || p.RequestedTime == nil || p.RequestedGeneration != s.link.Generation {
		return false
	}
	// Refused, or answered "already linked" without the platform's list showing it (existsUnlisted).
	settled := p.State == wx.LinkStateRefused || p.State == wx.LinkStateUnknown
	if retryAt := p.RequestedTime.Add(r.PollInterval); settled && now.Before(retryAt) {
		s.result = ctrl.Result{RequeueAfter: retryAt.Sub(now)}
		return true
	}
	if p.State == wx.LinkStateNotLinked && now.Sub(p.RequestedTime.Time) < requestSettleTime {
		r.notListedYet(s)
		return true
	}
	return false
}

// notListedYet reports a request the platform accepted but does not list yet.
func (r *AssociationLinkReconciler) notListedYet(s *linkScope) {
	msg := "the platform accepted the request but does not list the association yet"
	setCondition(s.link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonProgressing, msg)
	ready(s.link, metav1.ConditionFalse, wx.ReasonProgressing, msg)
	s.result = ctrl.Result{RequeueAfter: r.pending()}
}

// ask makes the request, recorded as pending before the call. A refusal is terminal for this generation
// (asked again after a poll interval, since a quota held outside the cluster can free); a daily quota waits
// for its reset; a new association counts against both owners' monthly allowance, in the link's own record;
// "already linked" or "already pending" does not.
//
// The owners' locks are let go before the call, once the request is counted (reserved) in the owners'
// expectations: the next decision about either owner counts it, and none waits for the platform's answer.
func (r *AssociationLinkReconciler) ask(ctx context.Context, s *linkScope) (platform.LinkOutcome, bool, error) {
	opts := platform.LinkOptions{}
	if o := s.link.Spec.OfficialAccount; o != nil {
		opts = platform.LinkOptions{NotifyFollowers: o.NotifyFollowers, ShowOnProfile: o.ShowOnProfile}
	}
	// Seconds, as the API keeps times: the intent and the answer's requestedTime compare equal once read back.
	now := metav1.NewTime(r.now().Truncate(time.Second))
	if err := r.recordIntent(ctx, s, now); err != nil {
		return 0, true, err
	}
	r.recordMonth(s, monthlyRequests(s.link))
	s.unlock()
	callCtx, cancel := r.lockedCall(ctx)
	defer cancel()
	var outcome platform.LinkOutcome
	err := r.Observer.AfterWrite(s.p, string(s.oa.Spec.AppID), func() (err error) {
		outcome, err = s.p.LinkMiniProgram(callCtx, s.oaAcct, string(s.mp.Spec.AppID), opts)
		return err
	})
	if err != nil {
		return 0, true, r.requestFailed(ctx, s, now, err)
	}
	r.requested(ctx, s, outcome, now)
	return outcome, false, nil
}

// requested records what the platform made of an answered request.
func (r *AssociationLinkReconciler) requested(ctx context.Context, s *linkScope, outcome platform.LinkOutcome, now metav1.Time) {
	oa, mp := s.oa.Spec.AppID, s.mp.Spec.AppID
	switch outcome {
	case platform.LinkRequested:
		r.countRequest(s, now.Time)
		logf.FromContext(ctx).Info("requested association", "officialAccount", oa, "miniProgram", mp)
	case platform.LinkAlreadyPending:
		r.recordMonth(s, s.link.Status.MonthlyRequests)
		r.Recorder.Eventf(s.link, nil, corev1.EventTypeNormal, wx.EventAdopted, "Link",
			"an invitation to associate Mini Program %s with Official Account %s was already pending (89010): adopted, not a new link", mp, oa)
	default:
		r.recordMonth(s, s.link.Status.MonthlyRequests)
		r.Recorder.Eventf(s.link, nil, corev1.EventTypeNormal, wx.EventAdopted, "Link",
			"Mini Program %s was already associated with Official Account %s (89015): adopted, not a new link", mp, oa)
	}
	s.link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateNotLinked, RequestedTime: &now,
		RequestedGeneration: s.link.Generation}
}

// requestFailed turns a failed request into status (a terminal refusal, a wait for a quota's reset), or
// returns the error for backoff. The reconcile ends either way. A refusal the platform answered made
// nothing: the intent is settled as not made. An error without an answer (a dropped connection, a 5xx, or a
// retry after one, which the client reports as uncertain) leaves it for settleIntent; when that retry met the
// daily quota (the uncertain error keeps its RetryAfter), it waits for the reset too, intent kept.
func (r *AssociationLinkReconciler) requestFailed(ctx context.Context, s *linkScope, now metav1.Time, err error) error {
	if reason, terminal := platformErrorReason(err); terminal {
		r.recordMonth(s, s.link.Status.MonthlyRequests) // refused: nothing made
		msg := fmt.Sprintf("the platform refused the association: %v; wxlink asks again when the spec changes, "+
			"or after %s", err, now.Add(r.PollInterval).UTC().Format(time.RFC3339))
		s.link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused, RequestedTime: &now,
			RequestedGeneration: s.link.Generation}
		setCondition(s.link, wx.ConditionLinked, metav1.ConditionFalse, reason, msg)
		ready(s.link, metav1.ConditionFalse, reason, msg)
		r.Recorder.Eventf(s.link, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Link", "%s", msg)
		s.result = ctrl.Result{RequeueAfter: r.PollInterval}
		return nil
	}
	pe, answered := platform.As(err)
	if answered = answered && pe.Code != 0; answered {
		if cerr := r.clearIntent(ctx, s); cerr != nil {
			return cerr
		}
		r.recordMonth(s, s.link.Status.MonthlyRequests)
	}
	if pe != nil && pe.RetryAfter > 0 {
		// 45009: the daily quota of the API is used up until the next day in Beijing time. Wait, do not loop.
		syncFailed(s.link, err)
		s.result = ctrl.Result{RequeueAfter: pe.RetryAfter}
		return nil
	}
	return err
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// observe reads the Official Account's links from a read shared by all of its reconciles, up to half a poll
// interval old. That is enough to queue a link or to report one, but not to act: a link that may be asked
// for (new or admitted, not on the platform) is read again from a recent read (observeRecent), and admit
// reads again before a queued link it admits is asked for, so that a link made by hand in the console
// meanwhile is adopted rather than requested twice. Both reads happen before the owners are locked when
// they can, so that no lock is held while the platform answers.
func (r *AssociationLinkReconciler) observe(ctx context.Context, s *linkScope) (bool, error) {
	listCtx, cancel := r.lockedCall(ctx)
	defer cancel()
	s.listEpoch = r.Observer.ListEpoch(s.p, s.oaAcct)
	links, _, err := r.Observer.List(listCtx, s.p, s.oaAcct, r.listMaxAge(s.link))
	if err != nil {
		return true, err
	}
	if r.found(s, links, false) {
		return true, nil
	}
	if s.onPlatform() || !s.mayAct() || queuedBy(s.link) != "" || s.observeOnly() && !s.wasLinked {
		return false, nil
	}
	return r.observeRecent(ctx, s)
}

// recentRead is how old a read of an Official Account's links may be for wxlink to act on it: it is made
// after wxlink's last change to that list (every change forgets the reads before it), so only a person in
// the console can have changed the list since, and the platform answers a request for a link made in the
// last moments "already linked" (adopted, not counted).
const recentRead = 2 * time.Second

// listMaxAge is how old a shared read of the Official Account's links may be for this link: half a poll
// interval, or half the pending interval while the link waits for a person (an admin's confirmation, a
// request the platform does not list yet), so that what the person did shows as soon as it is checked.
func (r *AssociationLinkReconciler) listMaxAge(l *wx.AssociationLink) time.Duration {
	switch platformState(l) {
	case wx.LinkStateAwaitingOfficialAccountAdmin, wx.LinkStateAwaitingMiniProgramAdmin, wx.LinkStateNotLinked, wx.LinkStateUnknown:
		return r.PendingPollInterval / 2
	}
	return r.PollInterval / 2
}

// observeRecent reads the Official Account's links from a read made after wxlink's last change to them and
// at most recentRead old: the one the previous request of the account read, when there is one.
func (r *AssociationLinkReconciler) observeRecent(ctx context.Context, s *linkScope) (bool, error) {
	ctx, cancel := r.lockedCall(ctx)
	defer cancel()
	s.listEpoch = r.Observer.ListEpoch(s.p, s.oaAcct)
	links, _, err := r.Observer.List(ctx, s.p, s.oaAcct, recentRead)
	if err != nil {
		return true, err
	}
	return r.found(s, links, true), nil
}

// observeFresh reads the Official Account's links as the platform shows them now.
func (r *AssociationLinkReconciler) observeFresh(ctx context.Context, s *linkScope) (bool, error) {
	ctx, cancel := r.lockedCall(ctx)
	defer cancel()
	s.listEpoch = r.Observer.ListEpoch(s.p, s.oaAcct)
	links, err := r.Observer.ListFresh(ctx, s.p, s.oaAcct)
	if err != nil {
		return true, err
	}
	return r.found(s, links, true), nil
}

// found records what the platform lists, finds this link among it, and ends the reconcile when the platform
// rejected this object's own request. That rejection is terminal and holds no slot: it is decided before
// admission, which would otherwise queue the link behind the slot its rejection freed.
func (r *AssociationLinkReconciler) found(s *linkScope, links []platform.MiniProgramLink, fresh bool) bool {
	s.platLinks, s.fresh = links, fresh
	var stop string
	s.entry, s.found, stop = ObserveLink(s.link, s.mp, links)
	switch stop {
	case wx.ReasonOriginalIDRequired:
		r.originalIDRequired(s)
	case wx.ReasonRejected:
		r.rejected(s)
	default:
		return false
	}
	return true
}

// ObserveLink finds link's entry among the Official Account's links as the platform lists them, and says
// whether observing ends the reconcile there, with the reason it reports: wx.ReasonOriginalIDRequired when
// the list names Mini Programs by original ID only and wxlink does not know mp's, wx.ReasonRejected when the
// platform rejected this object's own request; "" when the reconcile goes on. kubectl-wxlink's plan calls it
// with the list the cluster's records give.
func ObserveLink(link *wx.AssociationLink, mp *wx.MiniProgram, links []platform.MiniProgramLink) (
	entry platform.MiniProgramLink, found bool, stop string) {
	entry, found = Find(links, string(mp.Spec.AppID), originalID(mp))
	switch {
	case !found && unmatchable(links, mp):
		return entry, found, wx.ReasonOriginalIDRequired
	case rejectedByPlatform(link, entry, found):
		return entry, found, wx.ReasonRejected
	}
	return entry, found, ""
}

// rejected ends the reconcile of a link whose own request the platform rejected. That rejection is terminal
// and holds no slot.
func (r *AssociationLinkReconciler) rejected(s *linkScope) {
	s.link.Status.Admission = nil
	setCondition(s.link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonRejected,
		"the platform rejected the association, so it holds no quota slot")
	s.result = r.reportPlatformState(s)
}

// originalID is the Mini Program's original ID (gh_…) as wxlink knows it: observed, else declared.
func originalID(mp *wx.MiniProgram) string {
	return cmp.Or(mp.Status.Username, mp.Spec.OriginalID)
}

// unmatchable reports whether the list names some Mini Programs by original ID only while wxlink does not
// know this one's: whether the link is among them cannot be told, so wxlink must neither ask for it (the
// platform would answer "already linked", again and again) nor report it missing.
func unmatchable(links []platform.MiniProgramLink, mp *wx.MiniProgram) bool {
	if originalID(mp) != "" {
		return false
	}
	for _, l := range links {
		if l.AppID == "" {
			return true
		}
	}
	return false
}

// originalIDRequired says who must act, and where, when the list cannot be matched.
func (r *AssociationLinkReconciler) originalIDRequired(s *linkScope) {
	msg := fmt.Sprintf("the platform lists the Mini Programs of Official Account %s by original ID only (an older "+
		"wxamplinkget response), and wxlink does not know the original ID of MiniProgram %s, so it cannot tell whether "+
		"this association exists and does not act: set spec.originalID of MiniProgram %s to its original ID (gh_ and 12 "+
		"hexadecimal characters), shown at mp.weixin.qq.com (the Mini Program) → 设置 → 基本设置 → 原始ID",
		s.oa.Name, s.mp.Name, s.mp.Name)
	setCondition(s.link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonOriginalIDRequired, msg)
	ready(s.link, metav1.ConditionFalse, wx.ReasonOriginalIDRequired, msg)
	s.result = ctrl.Result{RequeueAfter: r.poll()}
}

// rejectedByPlatform reports whether the platform's rejection (status 3) is terminal for this object: it
// requested the association at its current generation, or it saw the association pending and then
// rejected. A change of spec (a new generation) allows one new request; a brand-new object that finds an
// old rejection asks again.
func rejectedByPlatform(link *wx.AssociationLink, entry platform.MiniProgramLink, found bool) bool {
	p := link.Status.Platform
	if !found || entry.Status != platform.LinkRejected || p == nil {
		return false
	}
	if c := meta.FindStatusCondition(link.Status.Conditions, wx.ConditionLinked); c != nil && c.Reason == wx.ReasonRejected &&
		c.ObservedGeneration < link.Generation && p.RequestedGeneration < link.Generation {
		return false
	}
	if p.RequestedGeneration != 0 {
		return p.RequestedGeneration == link.Generation
	}
	return p.State == wx.LinkStateAwaitingOfficialAccountAdmin || p.State == wx.LinkStateAwaitingMiniProgramAdmin ||
		p.State == wx.LinkStateRejected
}

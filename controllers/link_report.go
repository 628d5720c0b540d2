// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// report turns what the platform lists for the link into status and conditions. An association wxlink
// finds on the platform without having asked for it (made in the console, or, for an ObserveOnly link,
// made at last) is adopted, not duplicated.
func (r *AssociationLinkReconciler) report(ctx context.Context, s *linkScope) (bool, error) {
	if !s.found {
		r.notListedYet(s)
		return true, nil
	}
	if err := r.keepForUnlink(ctx, s); err != nil {
		return true, err
	}
	if p := s.link.Status.Platform; s.entry.Status.Occupying() && (p == nil || p.RequestedTime == nil && !holdsSlot(p.State)) {
		r.Recorder.Eventf(s.link, nil, corev1.EventTypeNormal, wx.EventAdopted, "Observe",
			"the association already exists on the platform (status %d): adopted, not duplicated", s.entry.Status)
	}
	s.result = r.reportPlatformState(s)
	return true, nil
}

// reportPlatformState sets status.platform and the Linked and Ready conditions from the platform's status of
// the association, and says when to look again.
func (r *AssociationLinkReconciler) reportPlatformState(s *linkScope) ctrl.Result {
	link, entry := s.link, s.entry
	raw := int32(entry.Status) //nolint:gosec // platform status codes are small
	prev := link.Status.Platform
	ps := &wx.PlatformLinkStatus{RawStatus: &raw}
	if prev != nil {
		ps.LinkedTime, ps.RequestedTime, ps.RequestedGeneration = prev.LinkedTime, prev.RequestedTime, prev.RequestedGeneration
	}
	link.Status.Platform = ps
	oaName := fmt.Sprintf("%s (%s)", s.oa.Name, s.oa.Spec.AppID)
	mpName := fmt.Sprintf("%s (%s)", s.mp.Name, s.mp.Spec.AppID)
	var reason, msg string
	requeue := r.pending()
	switch entry.Status {
	case platform.LinkLinked:
		ps.State, reason, msg = wx.LinkStateLinked, wx.ReasonAvailable,
			fmt.Sprintf("Mini Program %s is associated with Official Account %s", mpName, oaName)
		r.firstLinked(link, ps, msg)
		requeue = r.linkedPoll()
	case platform.LinkAwaitingOfficialAccountAdmin:
		ps.State, reason, msg = wx.LinkStateAwaitingOfficialAccountAdmin, wx.ReasonAwaitingOfficialAccountAdmin, awaitingOfficialAccountAdmin(oaName)
	case platform.LinkAwaitingMiniProgramAdmin:
		ps.State, reason, msg = wx.LinkStateAwaitingMiniProgramAdmin, wx.ReasonAwaitingMiniProgramAdmin, awaitingMiniProgramAdmin(mpName)
	case platform.LinkRejected:
		ps.State, reason, msg = wx.LinkStateRejected, wx.ReasonRejected, fmt.Sprintf("the administrator of Mini Program %s "+
			"rejected the association (platform status 3); wxlink will not ask again until the spec changes or the link is re-created", mpName)
		if c := meta.FindStatusCondition(link.Status.Conditions, wx.ConditionLinked); c == nil || c.Reason != wx.ReasonRejected {
			r.Recorder.Eventf(link, nil, corev1.EventTypeWarning, wx.EventRejected, "Observe", "%s", msg)
		}
		requeue = r.poll()
	default:
		ps.State, reason, msg = wx.LinkStateUnknown, wx.ReasonUnknownPlatformState, fmt.Sprintf("the platform reports status %d "+
			"for this association, which WeChat does not document; wxlink treats it as not linked and does not act: check the "+
			"Official Account's console", entry.Status)
	}
	status := metav1.ConditionFalse
	if reason == wx.ReasonAvailable {
		status = metav1.ConditionTrue
	}
	setCondition(link, wx.ConditionLinked, status, reason, msg)
	ready(link, status, reason, msg)
	return ctrl.Result{RequeueAfter: requeue}
}

// firstLinked records the moment wxlink first sees the association linked, with an Event and the
// time-to-Ready metric.
func (r *AssociationLinkReconciler) firstLinked(link *wx.AssociationLink, ps *wx.PlatformLinkStatus, msg string) {
	if ps.LinkedTime != nil {
		return
	}
	now := metav1.NewTime(r.now())
	ps.LinkedTime = &now
	r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventLinked, "Observe", "%s", msg)
	r.Metrics.observeTimeToReady(link, now.Time)
}

func awaitingOfficialAccountAdmin(oaName string) string {
	return fmt.Sprintf("waiting for the administrator of Official Account %s to confirm the association "+
		"(platform status 12): they confirm in the notice from 公众平台安全助手 in WeChat, or at mp.weixin.qq.com → "+
		"广告与服务 → 小程序管理; the Mini Program's administrator confirms next", oaName)
}

func awaitingMiniProgramAdmin(mpName string) string {
	return fmt.Sprintf("waiting for the administrator of Mini Program %s to authorise the association "+
		"(platform status 2): they confirm in the notice in WeChat, or at mp.weixin.qq.com (the Mini Program) → "+
		"设置 → 关联设置; a different subject can take 1-3 working days", mpName)
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// delete is the finalize step of a link, as its own list of phases: whether the platform association is
// this object's to remove, whether another link still declares it, and the unlink. It lets the finalizer go
// unless the unlink cannot be made yet.
func (r *AssociationLinkReconciler) delete(ctx context.Context, link *wx.AssociationLink) (bool, ctrl.Result, error) {
	if isStorePartner(link.Spec.Type) {
		return r.deleteStoreLink(ctx, link)
	}
	s := &linkScope{link: link}
	defer s.unlock()
	res, err := runPhases(ctx, s, r.unlinkIsOurs, r.leaveToOtherDeclarer, r.resolveForUnlink, r.unlink)
	s.unlock()
	if err != nil || s.holdFinalizer {
		return false, res, err
	}
	// Whatever happened on the platform, the month's count of the link outlives it, in its owners' ledgers.
	if err := r.keepMonthlyCount(ctx, link); err != nil {
		return false, ctrl.Result{}, err
	}
	r.Metrics.forgetLink(linkKey(link))
	return true, res, nil
}

// unlinkIsOurs ends the deletion without touching the platform unless it is an Official Account -> Mini
// Program link with deletionPolicy Delete, fully managed, that was ever resolved (never resolved: never
// linked).
func (r *AssociationLinkReconciler) unlinkIsOurs(_ context.Context, s *linkScope) (bool, error) {
	l := s.link
	ours := l.Spec.Type == wx.OfficialAccountToMiniProgram && l.Spec.DeletionPolicy == wx.DeletionPolicyDelete &&
		l.Spec.ManagementPolicy == wx.ManagementPolicyFull && (l.Status.Platform != nil || l.Status.FromAppID != "")
	return !ours, nil
}

// leaveToOtherDeclarer ends the deletion when another live link of the namespace declares the same
// association (the same ends, or the same resolved AppIDs): its link must stay. The cache's indexes find
// them: a deletion never reads the namespace's every link.
func (r *AssociationLinkReconciler) leaveToOtherDeclarer(ctx context.Context, s *linkScope) (bool, error) {
	link := s.link
	others, err := linksByIndex(ctx, r.Client, link.Namespace, indexLinkTo, refKey(link.Spec.To))
	if err != nil {
		return true, err
	}
	if k := appIDsKey(link); k != "" {
		same, err := linksByIndex(ctx, r.Client, link.Namespace, indexLinkAppIDs, k)
		if err != nil {
			return true, err
		}
		others = append(others, same...)
	}
	for _, l := range others {
		if l.UID == link.UID || !l.DeletionTimestamp.IsZero() || l.Spec.Type != wx.OfficialAccountToMiniProgram {
			continue
		}
		sameEnds := l.Spec.From == link.Spec.From && l.Spec.To == link.Spec.To
		sameApps := appIDsKey(link) != "" && appIDsKey(&l) == appIDsKey(link)
		if sameEnds || sameApps {
			r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventUnlinkSkipped, "Unlink",
				"AssociationLink %s still declares this association: left in place", l.Name)
			return true, nil
		}
	}
	return false, nil
}

// resolveForUnlink reads what the unlink needs: the Official Account and its credential, and the Mini
// Program's AppID (from its object, or from status when the object is already gone). A missing dependency
// holds the finalizer and says how to let the deletion proceed.
func (r *AssociationLinkReconciler) resolveForUnlink(ctx context.Context, s *linkScope) (bool, error) {
	ns := s.link.Namespace
	s.oa, s.mp = &wx.OfficialAccount{}, &wx.MiniProgram{}
	if err := getRef(ctx, r.Client, ns, s.link.Spec.From.Name, string(wx.KindOfficialAccount), s.oa); err != nil {
		return r.cannotUnlinkYet(s, err)
	}
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: s.link.Spec.To.Name}, s.mp); err != nil {
		if !apierrors.IsNotFound(err) {
			return true, err
		}
		// The Mini Program object is gone: the AppID recorded in status is enough to unlink.
		s.mp = &wx.MiniProgram{}
		s.mp.Spec.AppID = wx.AppID(s.link.Status.ToAppID)
	}
	if s.mp.Spec.AppID == "" {
		return true, nil // never resolved, so never linked by this object
	}
	var err error
	if s.p, s.oaAcct, err = accountFor(ctx, r.Client, r.Platforms, ns, s.oa.Spec.AppID, &s.oa.Spec.AccountSpec); err != nil {
		return r.cannotUnlinkYet(s, err)
	}
	return false, nil
}

// cannotUnlinkYet holds the finalizer while a dependency of the unlink is missing, and says what to do; any
// other error is returned for backoff.
func (r *AssociationLinkReconciler) cannotUnlinkYet(s *linkScope, err error) (bool, error) {
	d, ok := asDependency(err)
	if !ok {
		return true, err
	}
	msg := "cannot unlink on the platform while deleting: " + d.message +
		"; restore it, or set deletionPolicy: Orphan to leave the platform link in place"
	ready(s.link, metav1.ConditionFalse, wx.ReasonDeletionBlocked, msg)
	s.holdFinalizer, s.result = true, ctrl.Result{RequeueAfter: r.pending()}
	return true, nil
}

// unlink removes the association from the platform, reading the platform afresh first: a read that began
// before this moment could miss a link made meanwhile (in the console), and leave it on the platform after
// its object is gone.
func (r *AssociationLinkReconciler) unlink(ctx context.Context, s *linkScope) (bool, error) {
	if err := r.lockOwner(ctx, s, officialAccountLock(s.link.Namespace, string(s.oa.Spec.AppID))); err != nil {
		return true, err
	}
	ctx, cancel := r.lockedCall(ctx)
	defer cancel()
	links, err := r.Observer.ListFresh(ctx, s.p, s.oaAcct)
	if err != nil {
		return true, err
	}
	mpAppID := string(s.mp.Spec.AppID)
	entry, found := Find(links, mpAppID, originalID(s.mp))
	ambiguous := !found && unmatchable(links, s.mp)
	if !found && !ambiguous {
		return true, nil
	}
	if entry.Status == platform.LinkRejected && s.link.Status.Platform != nil && s.link.Status.Platform.RequestedTime == nil {
		return true, nil // a rejection left by someone else's request: not ours to clear
	}
	err = r.Observer.AfterWrite(s.p, string(s.oa.Spec.AppID), func() error {
		return s.p.UnlinkMiniProgram(ctx, s.oaAcct, mpAppID)
	})
	if ambiguous && platform.IsTerminal(err) {
		// The list cannot show whether the link is gone, and the unlink was refused: do not let the object go
		// as if it were.
		msg := fmt.Sprintf("cannot tell whether the association is gone (%v): the platform lists Mini Programs by original "+
			"ID only; set spec.originalID of MiniProgram %s, or set deletionPolicy: Orphan to leave the platform as it is",
			err, s.link.Spec.To.Name)
		ready(s.link, metav1.ConditionFalse, wx.ReasonOriginalIDRequired, msg)
		s.holdFinalizer, s.result = true, ctrl.Result{RequeueAfter: r.poll()}
		return true, nil
	}
	if err != nil && !platform.IsClass(err, platform.ClassPending) {
		return true, err
	}
	r.Recorder.Eventf(s.link, nil, corev1.EventTypeNormal, wx.EventUnlinked, "Unlink",
		"unlinked Mini Program %s from Official Account %s (deletionPolicy Delete)", mpAppID, s.oa.Spec.AppID)
	return true, nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// resolve reads the link's two ends, which must be Ready, and the Official Account's platform client and
// credential. A missing or unready end is a dependency (Ready=False, requeued at the pending interval).
func (r *AssociationLinkReconciler) resolve(ctx context.Context, s *linkScope) (bool, error) {
	link, ns := s.link, s.link.Namespace
	s.oa, s.mp = &wx.OfficialAccount{}, &wx.MiniProgram{}
	if err := getRef(ctx, r.Client, ns, link.Spec.From.Name, string(wx.KindOfficialAccount), s.oa); err != nil {
		return true, err
	}
	if err := getRef(ctx, r.Client, ns, link.Spec.To.Name, string(wx.KindMiniProgram), s.mp); err != nil {
		return true, err
	}
	if ok, c := isReady(s.oa); !ok {
		return true, notReady(string(wx.KindOfficialAccount), ns, s.oa.Name, c)
	}
	if ok, c := isReady(s.mp); !ok {
		return true, notReady(string(wx.KindMiniProgram), ns, s.mp.Name, c)
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, ns, s.oa.Spec.AppID, &s.oa.Spec.AccountSpec)
	if err != nil {
		return true, err
	}
	s.p, s.oaAcct = p, acct
	s.oaSubj = observedSubject(s.oa.Spec.Subject, s.oa.Status.Subject)
	s.mpSubj = observedSubject(s.mp.Spec.Subject, s.mp.Status.Subject)
	link.Status.FromAppID, link.Status.ToAppID = string(s.oa.Spec.AppID), string(s.mp.Spec.AppID)
	link.Status.SubjectRelation = wx.SubjectRelationOther
	if rules.SameSubject(s.oaSubj, s.mpSubj) {
		link.Status.SubjectRelation = wx.SubjectRelationSame
	}
	s.wasLinked = link.Status.Platform != nil && link.Status.Platform.State == wx.LinkStateLinked
	return false, nil
}

// refuseSelfLink refuses a link whose two ends declare one AppID: an account cannot be associated with
// itself (a rule violation, terminal until one of them changes).
func (r *AssociationLinkReconciler) refuseSelfLink(_ context.Context, s *linkScope) (bool, error) {
	if s.oa.Spec.AppID != s.mp.Spec.AppID {
		return false, nil
	}
	msg := fmt.Sprintf("OfficialAccount %s and MiniProgram %s both declare AppID %s: an account cannot be associated "+
		"with itself; fix the AppID of the one that is wrong", s.oa.Name, s.mp.Name, s.oa.Spec.AppID)
	s.link.Status.Admission = nil
	setCondition(s.link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonRuleViolation, msg)
	ready(s.link, metav1.ConditionFalse, wx.ReasonRuleViolation, msg)
	r.Recorder.Eventf(s.link, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Admit", "%s", msg)
	return true, nil
}

// lockOwners serialises this decision with every other decision about the same owners. A Mini Program's
// monthly allowance is shared by the links of every Official Account: hold it too, so that two links to it
// cannot both take its last slot of the month. Mini Program keys are their own key space, always
// taken after the Official Account's, so no two reconciles wait for each other (even for a link whose two
// ends wrongly name one AppID, or two links that name the same pair crossed).
func (r *AssociationLinkReconciler) lockOwners(ctx context.Context, s *linkScope) (bool, error) {
	ns := s.link.Namespace
	for _, key := range []string{officialAccountLock(ns, string(s.oa.Spec.AppID)), miniProgramLock(ns, string(s.mp.Spec.AppID))} {
		if err := r.lockOwner(ctx, s, key); err != nil {
			return true, err
		}
	}
	// The read was taken before the locks. If it showed the pair on the platform (so nothing will be asked),
	// and wxlink wrote to the account's links since (another object's unlink of the same pair, say), what it
	// showed may be gone: read again.
	if s.found && s.entry.Status.Occupying() && r.Observer.ListEpoch(s.p, s.oaAcct) != s.listEpoch {
		return r.observeFresh(ctx, s)
	}
	return false, nil
}

// lockOwner takes one owner's lock for the scope, waiting at most lockWait.
func (r *AssociationLinkReconciler) lockOwner(ctx context.Context, s *linkScope, key string) error {
	ctx, cancel := r.lockWait(ctx)
	defer cancel()
	unlock, err := r.owners.lock(ctx, key)
	if err != nil {
		return err
	}
	s.release = append(s.release, unlock)
	return nil
}

// refuseDuplicate reads the Official Account's links and ends the reconcile of a link that an older live
// link already declares: the duplicate does nothing, and never unlinks.
func (r *AssociationLinkReconciler) refuseDuplicate(ctx context.Context, s *linkScope) (bool, error) {
	siblings, err := officialAccountLinks(ctx, r.Client, s.link.Namespace, indexLinkFrom, refKey(s.link.Spec.From))
	if err != nil {
		return true, err
	}
	s.siblings = siblings
	if older := olderDuplicate(s.link, siblings); older != nil {
		msg := fmt.Sprintf("AssociationLink %s already declares %s -> %s; this duplicate does nothing (and never unlinks): delete it",
			older.Name, s.link.Spec.From.Name, s.link.Spec.To.Name)
		setCondition(s.link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonDuplicateLink, msg)
		ready(s.link, metav1.ConditionFalse, wx.ReasonDuplicateLink, msg)
		return true, nil
	}
	return false, nil
}

// olderDuplicate returns an older live link among siblings that declares the same ends as l, or nil.
func olderDuplicate(l *wx.AssociationLink, siblings []wx.AssociationLink) *wx.AssociationLink {
	for i := range siblings {
		s := &siblings[i]
		if s.UID != l.UID && s.Spec.From == l.Spec.From && s.Spec.To == l.Spec.To && s.DeletionTimestamp.IsZero() && olderFirst(s, l) {
			return s
		}
	}
	return nil
}

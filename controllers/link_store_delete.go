// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// deleteStoreLink is the finalize step of a WeChat Store partner link: with deletionPolicy Delete (and
// managementPolicy Full) it cancels an invitation that waits for the partner and unbinds a bound partner;
// any other record is left as it is. It needs the store and its credentials, not the partner's object: the
// partner's sharer_id is kept in status.partnerID.
func (r *AssociationLinkReconciler) deleteStoreLink(ctx context.Context, link *wx.AssociationLink) (bool, ctrl.Result, error) {
	s := &storeScope{link: link}
	res, err := runScope[*storeScope](ctx, s, r.storeUnbindIsOurs, r.partnerStillDeclared, r.resolveStoreForUnbind, r.unbindStore)
	if err != nil || s.holdFinalizer {
		return false, res, err
	}
	r.Metrics.forgetLink(linkKey(link))
	return true, res, nil
}

// storeUnbindIsOurs ends the deletion without touching the platform unless the link has deletionPolicy
// Delete, is fully managed, and was ever resolved (its partner's sharer_id is known).
func (r *AssociationLinkReconciler) storeUnbindIsOurs(_ context.Context, s *storeScope) (bool, error) {
	l := s.link
	s.sharer = recordedPartner(l)
	ours := l.Spec.DeletionPolicy == wx.DeletionPolicyDelete && l.Spec.ManagementPolicy == wx.ManagementPolicyFull &&
		s.sharer.ID != ""
	return !ours, nil
}

// recordedPartner is the partner the link invited or found: status.partnerID and status.partnerSharerType,
// else the intent annotation written before the invitation (a status write may have been lost since).
func recordedPartner(l *wx.AssociationLink) platform.StoreSharer {
	sh := platform.StoreSharer{ID: l.Status.PartnerID, Type: sharerType(l)}
	if t := l.Status.PartnerSharerType; t != nil {
		sh.Type = int(*t) // the type the record was made or found under
	}
	if sh.ID != "" {
		return sh
	}
	if typ, id, ok := strings.Cut(l.Annotations[wx.AnnotationStorePartner], "/"); ok && id != "" {
		if n, err := strconv.Atoi(typ); err == nil {
			return platform.StoreSharer{ID: id, Type: n}
		}
	}
	return sh
}

// partnerStillDeclared ends the deletion without touching the platform when another live link of the same
// store declares the same partner (a GitOps rename creates the new link before it prunes the old one): the
// partner it declares must stay bound, or invited.
func (r *AssociationLinkReconciler) partnerStillDeclared(ctx context.Context, s *storeScope) (bool, error) {
	siblings, err := storeLinks(ctx, r.Client, s.link)
	if err != nil {
		return true, err
	}
	for i := range siblings {
		o := &siblings[i]
		if o.Spec.To == s.link.Spec.To || o.Status.PartnerID == s.sharer.ID {
			r.Recorder.Eventf(s.link, nil, corev1.EventTypeNormal, wx.EventUnlinkSkipped, "Unlink",
				"left partner account %s of the store as it is: AssociationLink %s still declares it", s.sharer.ID, o.Name)
			return true, nil
		}
	}
	return false, nil
}

// resolveStoreForUnbind reads the store and its credential. A missing one holds the finalizer and says how
// to let the deletion proceed.
func (r *AssociationLinkReconciler) resolveStoreForUnbind(ctx context.Context, s *storeScope) (bool, error) {
	ns := s.link.Namespace
	s.store = &wx.WeChatStore{}
	if err := getRef(ctx, r.Client, ns, s.link.Spec.From.Name, string(wx.KindWeChatStore), s.store); err != nil {
		return r.storeCannotUnbindYet(s, err)
	}
	var err error
	if s.p, s.acct, err = accountFor(ctx, r.Client, r.Platforms, ns, s.store.Spec.AppID, &s.store.Spec.AccountSpec); err != nil {
		return r.storeCannotUnbindYet(s, err)
	}
	return false, nil
}

// unbindStore reads the record afresh, then cancels a waiting invitation or unbinds a bound partner. A
// record that moved meanwhile (788191005) is read again at the next reconcile.
func (r *AssociationLinkReconciler) unbindStore(ctx context.Context, s *storeScope) (bool, error) {
	ctx, cancel := r.lockedCall(ctx)
	defer cancel()
	entry, found, err := s.p.GetStorePartner(ctx, s.acct, s.sharer)
	if err != nil || !found {
		return true, err
	}
	var what string
	switch entry.Status {
	case platform.PartnerAccepting:
		err, what = s.p.CancelStoreInvitation(ctx, s.acct, s.sharer), "cancelled the invitation of"
	case platform.PartnerBound:
		err, what = s.p.UnbindStorePartner(ctx, s.acct, s.sharer), "unbound"
	default:
		return true, nil
	}
	if err != nil {
		return true, err
	}
	r.Recorder.Eventf(s.link, nil, corev1.EventTypeNormal, wx.EventUnlinked, "Unlink",
		"%s partner account %s from WeChat Store %s (deletionPolicy Delete)", what, s.sharer.ID, s.store.Spec.AppID)
	return true, nil
}

// storeCannotUnbindYet holds the finalizer while the store or its credentials are missing, as cannotUnlinkYet
// does for an Official Account link.
func (r *AssociationLinkReconciler) storeCannotUnbindYet(s *storeScope, err error) (bool, error) {
	ls := &linkScope{link: s.link}
	done, err := r.cannotUnlinkYet(ls, err)
	s.holdFinalizer, s.result = ls.holdFinalizer, ls.result
	return done, err
}

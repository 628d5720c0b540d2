// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// slotFacts are what rules.TakesSlot judges a link by. Both owners' admissions fill them here, from the same
// fields, so that they agree on which links compete; each passes what it knows of the platform (the
// Official Account's fresh list, or for the Mini Program, which the platform cannot list, each link's own
// last report).
func slotFacts(l *wx.AssociationLink, deciding *wx.AssociationLink, siblings []wx.AssociationLink, onPlatform,
	rejected bool, owner wx.AccountKind) rules.SlotFacts {
	return rules.SlotFacts{
		Deciding:         linkKey(l) == linkKey(deciding),
		OnPlatform:       onPlatform,
		Deleting:         !l.DeletionTimestamp.IsZero(),
		ObserveOnly:      l.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly,
		Refused:          platformState(l) == wx.LinkStateRefused,
		Rejected:         rejected,
		YoungerDuplicate: olderDuplicate(l, siblings) != nil,
		QueuedElsewhere:  queuedBy(l) != "" && queuedBy(l) != owner,
	}
}

// queuedBy is the owner whose quota holds a queued link ("" when it is not queued). A link queued before
// wxlink recorded the owner counts as queued by its Official Account, as both admissions treated it then.
func queuedBy(l *wx.AssociationLink) wx.AccountKind {
	a := l.Status.Admission
	switch {
	case a == nil || a.State != wx.AdmissionQueued:
		return ""
	case a.QueuedBy == "":
		return wx.KindOfficialAccount
	}
	return a.QueuedBy
}

// current is the deciding link itself when l names it (its status resolved by this reconcile), otherwise l
// as the cache holds it.
func current(l *wx.AssociationLink, s *linkScope) *wx.AssociationLink {
	if linkKey(l) == linkKey(s.link) {
		return s.link
	}
	return l
}

// officialAccountCandidates are the Official Account's view: its cluster links that take a slot, and every
// other link the platform lists (made by hand in the console), which holds its slot as a fact.
func (r *AssociationLinkReconciler) officialAccountCandidates(ctx context.Context, s *linkScope) ([]rules.Candidate, error) {
	claimed := map[string]bool{}
	var cands []rules.Candidate
	for i := range s.siblings {
		l := current(&s.siblings[i], s)
		mp := &wx.MiniProgram{}
		missing := false
		if err := r.Get(ctx, client.ObjectKey{Namespace: l.Namespace, Name: l.Spec.To.Name}, mp); err != nil {
			if !apierrors.IsNotFound(err) {
				return nil, err
			}
			missing = true
		}
		entry, found := Find(s.platLinks, string(mp.Spec.AppID), originalID(mp))
		if found && !missing {
			claimed[string(mp.Spec.AppID)] = true
			claimed["username/"+entry.Username] = entry.Username != ""
		}
		facts := slotFacts(l, s.link, s.siblings, found && !missing && entry.Status.Occupying(),
			rejectedByPlatform(l, entry, found), wx.KindOfficialAccount)
		facts.EndMissing = missing
		facts.SelfLink = !missing && mp.Spec.AppID == s.oa.Spec.AppID
		// Not found, and either unmatchable or (another link) answered "already linked" without a listing
		// (existsUnlisted, state Unknown): its entry, if any, counts as a console link already.
		facts.Unmatched = !missing && !found && (unmatchable(s.platLinks, mp) ||
			platformState(l) == wx.LinkStateUnknown && linkKey(l) != linkKey(s.link))
		r.holdInFlight(l, &facts)
		if !rules.TakesSlot(facts) {
			continue
		}
		cands = append(cands, rules.Candidate{
			Key: linkKey(l), Created: l.CreationTimestamp.Time, InCluster: true, OnPlatform: facts.OnPlatform,
			SameSubject: rules.SameSubject(s.oaSubj, observedSubject(mp.Spec.Subject, mp.Status.Subject)),
		})
	}
	return r.consoleCandidates(ctx, s, claimed, cands)
}

// consoleCandidates adds the links the platform lists that no cluster link claims: made in the console,
// they hold their slots.
func (r *AssociationLinkReconciler) consoleCandidates(ctx context.Context, s *linkScope, claimed map[string]bool,
	cands []rules.Candidate) ([]rules.Candidate, error) {
	for _, pl := range s.platLinks {
		if !pl.Status.Occupying() || (pl.AppID != "" && claimed[pl.AppID]) || (pl.AppID == "" && claimed["username/"+pl.Username]) {
			continue
		}
		same, err := platformOnlySameSubject(ctx, r.Client, s.link.Namespace, s.oaSubj, pl)
		if err != nil {
			return nil, err
		}
		cands = append(cands, rules.Candidate{Key: "platform/" + pl.AppID + pl.Username, SameSubject: same, OnPlatform: true})
	}
	return cands, nil
}

// miniProgramCandidates are the Mini Program's view: every cluster link to it that takes a slot (the
// platform cannot list them from this side, so each link's own last report says whether it is on the
// platform). selfOnPlatform is what the Official Account's fresh read said of the deciding link.
func (r *AssociationLinkReconciler) miniProgramCandidates(ctx context.Context, s *linkScope,
	selfOnPlatform bool) ([]rules.Candidate, []wx.AssociationLink, error) {
	siblings, err := officialAccountLinks(ctx, r.Client, s.link.Namespace, indexLinkTo, refKey(s.link.Spec.To))
	if err != nil {
		return nil, nil, err
	}
	var cands []rules.Candidate
	for i := range siblings {
		l := current(&siblings[i], s)
		on := holdsSlot(platformState(l))
		if l == s.link {
			on = selfOnPlatform
		}
		facts := slotFacts(l, s.link, siblings, on, platformState(l) == wx.LinkStateRejected, wx.KindMiniProgram)
		// The Mini Program's side knows the other end of a link from its last resolution only.
		// Nor can it tell an unmatched link (facts.Unmatched) from one that exists: that counts, to be safe.
		facts.SelfLink = l.Status.FromAppID == string(s.mp.Spec.AppID)
		r.holdInFlight(l, &facts)
		on = facts.OnPlatform
		if !rules.TakesSlot(facts) {
			continue
		}
		cands = append(cands, rules.Candidate{Key: linkKey(l), Created: l.CreationTimestamp.Time, InCluster: true,
			SameSubject: true, OnPlatform: on})
	}
	return cands, siblings, nil
}

// platformOnlySameSubject decides the subject pool of a link that exists only on the platform. When a
// MiniProgram object in the namespace declares that Mini Program (by AppID, or by original ID for an
// AppID-less list), its subject decides; otherwise the link counts against the stricter other-subject quota
// (declare the MiniProgram for an exact count).
func platformOnlySameSubject(ctx context.Context, c client.Reader, ns string, oaSubj rules.Subject,
	pl platform.MiniProgramLink) (bool, error) {
	mp, err := declaredMiniProgram(ctx, c, ns, pl)
	if err != nil || mp == nil {
		return false, err
	}
	return rules.SameSubject(oaSubj, observedSubject(mp.Spec.Subject, mp.Status.Subject)), nil
}

// declaredMiniProgram is the MiniProgram of the namespace that a platform entry names: by AppID, or by
// original ID when the entry has none. nil when no MiniProgram declares it.
func declaredMiniProgram(ctx context.Context, c client.Reader, ns string, pl platform.MiniProgramLink) (*wx.MiniProgram, error) {
	field, key := indexMiniProgramAppID, pl.AppID
	if key == "" {
		field, key = indexMiniProgramOriginalID, pl.Username
	}
	if key == "" {
		return nil, nil
	}
	mps := &wx.MiniProgramList{}
	if err := c.List(ctx, mps, client.InNamespace(ns), client.MatchingFields{field: key}); err != nil {
		return nil, err
	}
	if len(mps.Items) == 0 {
		return nil, nil
	}
	return &mps.Items[0], nil
}

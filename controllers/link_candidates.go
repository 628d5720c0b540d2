// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"sort"

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

// current is the deciding link itself when l names it (its status resolved by this reconcile), otherwise l
// as the cache holds it.
func current(l *wx.AssociationLink, s *linkScope) *wx.AssociationLink {
	if linkKey(l) == linkKey(s.link) {
		return s.link
	}
	return l
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

// OfficialAccountView is what the Official Account's admission of a link decides from, as plain data: the
// reconciler fills it from its cache and the platform's list, kubectl-wxlink's plan from the cluster's
// records, and OfficialAccountCandidates decides for both.
type OfficialAccountView struct {
	// Deciding is the link being decided, with the status this reconcile resolved (it replaces its stored
	// copy among Siblings).
	Deciding *wx.AssociationLink
	OA       *wx.OfficialAccount
	// Siblings are the Official Account's Official Account -> Mini Program links, oldest first.
	Siblings []wx.AssociationLink
	// MiniPrograms holds (by name) at least every sibling's end that exists and every MiniProgram that
	// declares an entry of Platform; a sibling whose end is not here has lost it.
	MiniPrograms map[string]*wx.MiniProgram
	// Platform is the Official Account's links as the platform lists them.
	Platform []platform.MiniProgramLink
	// CacheBehind says whether a link's request was made here and the cache does not show it yet (nil: no
	// such knowledge, as for a reader outside the manager).
	CacheBehind func(*wx.AssociationLink) bool
}

// OfficialAccountCandidates are the Official Account's view: its cluster links that take a slot, and every
// other link the platform lists (made by hand in the console), which holds its slot as a fact.
func OfficialAccountCandidates(v OfficialAccountView) []rules.Candidate {
	claimed := map[string]bool{}
	oaSubj := observedSubject(v.OA.Spec.Subject, v.OA.Status.Subject)
	var cands []rules.Candidate
	for i := range v.Siblings {
		l := &v.Siblings[i]
		if linkKey(l) == linkKey(v.Deciding) {
			l = v.Deciding
		}
		mp, exists := v.MiniPrograms[l.Spec.To.Name]
		if !exists {
			mp = &wx.MiniProgram{}
		}
		entry, found := Find(v.Platform, string(mp.Spec.AppID), originalID(mp))
		if found && exists {
			claimed[string(mp.Spec.AppID)] = true
			claimed["username/"+entry.Username] = entry.Username != ""
		}
		facts := slotFacts(l, v.Deciding, v.Siblings, found && exists && entry.Status.Occupying(),
			rejectedByPlatform(l, entry, found), wx.KindOfficialAccount)
		facts.EndMissing = !exists
		facts.SelfLink = exists && mp.Spec.AppID == v.OA.Spec.AppID
		// Not found, and either unmatchable or (another link) answered "already linked" without a listing
		// (existsUnlisted, state Unknown): its entry, if any, counts as a console link already.
		facts.Unmatched = exists && !found && (unmatchable(v.Platform, mp) ||
			platformState(l) == wx.LinkStateUnknown && linkKey(l) != linkKey(v.Deciding))
		HoldInFlight(l, &facts, v.CacheBehind)
		if !rules.TakesSlot(facts) {
			continue
		}
		cands = append(cands, rules.Candidate{
			Key: linkKey(l), Created: l.CreationTimestamp.Time, InCluster: true, OnPlatform: facts.OnPlatform,
			SameSubject: rules.SameSubject(oaSubj, observedSubject(mp.Spec.Subject, mp.Status.Subject)),
		})
	}
	return append(cands, consoleCandidates(v, oaSubj, claimed)...)
}

// consoleCandidates are the links the platform lists that no cluster link claims: made in the console,
// they hold their slots. Each counts in the subject pool of the MiniProgram that declares it, or against
// the stricter other-subject quota when none does (declare the MiniProgram for an exact count).
func consoleCandidates(v OfficialAccountView, oaSubj rules.Subject, claimed map[string]bool) []rules.Candidate {
	var cands []rules.Candidate
	for _, pl := range v.Platform {
		if !pl.Status.Occupying() || (pl.AppID != "" && claimed[pl.AppID]) || (pl.AppID == "" && claimed["username/"+pl.Username]) {
			continue
		}
		same := false
		if mp := DeclaringMiniProgram(v.MiniPrograms, pl); mp != nil {
			same = rules.SameSubject(oaSubj, observedSubject(mp.Spec.Subject, mp.Status.Subject))
		}
		cands = append(cands, rules.Candidate{Key: "platform/" + pl.AppID + pl.Username, SameSubject: same, OnPlatform: true})
	}
	return cands
}

// DeclaringMiniProgram is the MiniProgram among mps that a platform entry names: by AppID, or by original
// ID (observed or declared) when the entry has none; the first by name when several do. nil when none does.
func DeclaringMiniProgram(mps map[string]*wx.MiniProgram, pl platform.MiniProgramLink) *wx.MiniProgram {
	names := make([]string, 0, len(mps))
	for name := range mps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		mp := mps[name]
		switch {
		case pl.AppID != "" && string(mp.Spec.AppID) == pl.AppID:
			return mp
		case pl.AppID == "" && pl.Username != "" && (mp.Status.Username == pl.Username || mp.Spec.OriginalID == pl.Username):
			return mp
		}
	}
	return nil
}

// officialAccountCandidates reads what OfficialAccountCandidates decides from (the siblings' ends and the
// MiniPrograms that declare the platform's entries, from the cache) and runs it.
func (r *AssociationLinkReconciler) officialAccountCandidates(ctx context.Context, s *linkScope) ([]rules.Candidate, error) {
	mps := map[string]*wx.MiniProgram{}
	for i := range s.siblings {
		name := s.siblings[i].Spec.To.Name
		mp := &wx.MiniProgram{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: s.link.Namespace, Name: name}, mp); err != nil {
			if !apierrors.IsNotFound(err) {
				return nil, err
			}
			continue
		}
		mps[name] = mp
	}
	for _, pl := range s.platLinks {
		if !pl.Status.Occupying() {
			continue
		}
		mp, err := declaredMiniProgram(ctx, r.Client, s.link.Namespace, pl)
		if err != nil {
			return nil, err
		}
		if mp != nil && mps[mp.Name] == nil {
			mps[mp.Name] = mp
		}
	}
	return OfficialAccountCandidates(OfficialAccountView{Deciding: s.link, OA: s.oa, Siblings: s.siblings,
		MiniPrograms: mps, Platform: s.platLinks, CacheBehind: r.inFlight.cacheBehind}), nil
}

// MiniProgramView is what the Mini Program's admission of a link decides from, as plain data.
type MiniProgramView struct {
	// Deciding is the link being decided, with the status this reconcile resolved.
	Deciding *wx.AssociationLink
	MP       *wx.MiniProgram
	// Siblings are every Official Account -> Mini Program link to the Mini Program, oldest first.
	Siblings []wx.AssociationLink
	// SelfOnPlatform is what the Official Account's read of the platform said of the deciding link.
	SelfOnPlatform bool
	CacheBehind    func(*wx.AssociationLink) bool
}

// MiniProgramCandidates are the Mini Program's view: every cluster link to it that takes a slot (the
// platform cannot list them from this side, so each link's own last report says whether it is on the
// platform).
func MiniProgramCandidates(v MiniProgramView) []rules.Candidate {
	var cands []rules.Candidate
	for i := range v.Siblings {
		l := &v.Siblings[i]
		on := holdsSlot(platformState(l))
		if linkKey(l) == linkKey(v.Deciding) {
			l, on = v.Deciding, v.SelfOnPlatform
		}
		facts := slotFacts(l, v.Deciding, v.Siblings, on, platformState(l) == wx.LinkStateRejected, wx.KindMiniProgram)
		// The Mini Program's side knows the other end of a link from its last resolution only.
		// Nor can it tell an unmatched link (facts.Unmatched) from one that exists: that counts, to be safe.
		facts.SelfLink = l.Status.FromAppID == string(v.MP.Spec.AppID)
		HoldInFlight(l, &facts, v.CacheBehind)
		if !rules.TakesSlot(facts) {
			continue
		}
		cands = append(cands, rules.Candidate{Key: linkKey(l), Created: l.CreationTimestamp.Time, InCluster: true,
			SameSubject: true, OnPlatform: facts.OnPlatform})
	}
	return cands
}

// miniProgramCandidates reads the Mini Program's links and runs MiniProgramCandidates. selfOnPlatform is
// what the Official Account's fresh read said of the deciding link.
func (r *AssociationLinkReconciler) miniProgramCandidates(ctx context.Context, s *linkScope,
	selfOnPlatform bool) ([]rules.Candidate, []wx.AssociationLink, error) {
	siblings, err := officialAccountLinks(ctx, r.Client, s.link.Namespace, indexLinkTo, refKey(s.link.Spec.To))
	if err != nil {
		return nil, nil, err
	}
	return MiniProgramCandidates(MiniProgramView{Deciding: s.link, MP: s.mp, Siblings: siblings,
		SelfOnPlatform: selfOnPlatform, CacheBehind: r.inFlight.cacheBehind}), siblings, nil
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

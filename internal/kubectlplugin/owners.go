// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"time"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// OwnerAdmission is one owner's admission run: its policy, what it decided from, and the decisions.
type OwnerAdmission struct {
	Policy    rules.Policy
	Input     rules.AdmissionInput
	Decisions []rules.Decision
}

// listed reports whether the Official Account's last read of the platform lists the Mini Program (linked or
// awaiting an admin), by AppID or original ID.
func listed(oa *wx.OfficialAccount, mp *wx.MiniProgram) bool {
	for _, id := range oa.Status.LinkedMiniPrograms {
		if id == string(mp.Spec.AppID) || (id != "" && (id == mp.Spec.OriginalID || id == mp.Status.Username)) {
			return true
		}
	}
	return false
}

// officialAccountAdmission is the Official Account's admission with d deciding (nil: no link decides, as
// quota shows it): its links that take a slot, and the platform's links that no cluster link claims.
func (s *Snapshot) officialAccountAdmission(oa *wx.OfficialAccount, d *wx.AssociationLink, siblings []wx.AssociationLink) OwnerAdmission {
	deciding := orNone(d)
	claimed := map[string]bool{}
	oaSubj := controllers.ObservedSubject(oa.Spec.Subject, oa.Status.Subject)
	var cands []rules.Candidate
	for i := range siblings {
		l := &siblings[i]
		mp, exists := s.MiniPrograms[l.Spec.To.Name]
		found := exists && listed(oa, mp)
		if found {
			claimed[string(mp.Spec.AppID)], claimed[mp.Spec.OriginalID], claimed[mp.Status.Username] = true, true, true
		}
		// The operator reads the platform's list afresh; the cluster's records are the Official Account's last
		// read and the link's own last report, whichever saw the link made (the account polls less often).
		found = found || (exists && controllers.HoldsSlot(l))
		// The platform's rejection is known from the link's own report (the cluster keeps no list of it).
		rejected := !found && l.Status.Platform != nil && l.Status.Platform.State == wx.LinkStateRejected
		facts := controllers.SlotFacts(l, deciding, siblings, found, rejected, wx.KindOfficialAccount)
		facts.EndMissing = !exists
		facts.SelfLink = exists && mp.Spec.AppID == oa.Spec.AppID
		controllers.HoldInFlight(l, &facts, nil)
		if !rules.TakesSlot(facts) {
			continue
		}
		cands = append(cands, rules.Candidate{Key: s.Namespace + "/" + l.Name, Created: l.CreationTimestamp.Time,
			InCluster: true, OnPlatform: facts.OnPlatform,
			SameSubject: rules.SameSubject(oaSubj, controllers.ObservedSubject(mp.Spec.Subject, mp.Status.Subject))})
	}
	for _, id := range oa.Status.LinkedMiniPrograms {
		if id == "" || claimed[id] {
			continue
		}
		same := false
		if mp := s.declaredMiniProgram(id); mp != nil {
			same = rules.SameSubject(oaSubj, controllers.ObservedSubject(mp.Spec.Subject, mp.Status.Subject))
		}
		cands = append(cands, rules.Candidate{Key: "platform/" + id, SameSubject: same, OnPlatform: true})
	}
	links := make([]*wx.AssociationLink, 0, len(siblings))
	for i := range siblings {
		links = append(links, &siblings[i])
	}
	used := rules.NewLinksThisMonth(s.Now, monthlyUsage(oa.Status.MonthlyLinks), controllers.MonthRecords(links, oa.Status.MonthlyLedger))
	return run(rules.OfficialAccountPolicy(), cands, used, s.Now)
}

// miniProgramAdmission is the Mini Program's admission with d deciding (nil: none): every cluster link to it
// that takes a slot, each judged by its own last report (the platform cannot list them from this side).
// selfOnPlatform is what the Official Account's admission found of d.
func (s *Snapshot) miniProgramAdmission(mp *wx.MiniProgram, d *wx.AssociationLink, selfOnPlatform bool) OwnerAdmission {
	deciding := orNone(d)
	siblings := s.linksBy(false, wx.KindMiniProgram, mp.Name)
	if d != nil {
		siblings = s.withDeciding(siblings, d)
	}
	var cands []rules.Candidate
	links := make([]*wx.AssociationLink, 0, len(siblings))
	for i := range siblings {
		l := &siblings[i]
		links = append(links, l)
		on := controllers.HoldsSlot(l)
		if d != nil && l.Name == d.Name {
			on = selfOnPlatform
		}
		state := wx.LinkState("")
		if l.Status.Platform != nil {
			state = l.Status.Platform.State
		}
		facts := controllers.SlotFacts(l, deciding, siblings, on, state == wx.LinkStateRejected, wx.KindMiniProgram)
		facts.SelfLink = l.Status.FromAppID == string(mp.Spec.AppID)
		controllers.HoldInFlight(l, &facts, nil)
		if !rules.TakesSlot(facts) {
			continue
		}
		cands = append(cands, rules.Candidate{Key: s.Namespace + "/" + l.Name, Created: l.CreationTimestamp.Time,
			InCluster: true, SameSubject: true, OnPlatform: facts.OnPlatform})
	}
	used := rules.NewLinksThisMonth(s.Now, monthlyUsage(mp.Status.MonthlyLinks), controllers.MonthRecords(links, mp.Status.MonthlyLedger))
	return run(rules.MiniProgramPolicy(), cands, used, s.Now)
}

func run(p rules.Policy, cands []rules.Candidate, used int, now time.Time) OwnerAdmission {
	in := rules.AdmissionInput{Policy: p, Candidates: cands, UsedThisMonth: used, Now: now}
	return OwnerAdmission{Policy: p, Input: in, Decisions: rules.Admit(in)}
}

// orNone is the deciding link, or an empty one that names no link when none decides.
func orNone(d *wx.AssociationLink) *wx.AssociationLink {
	if d == nil {
		return &wx.AssociationLink{}
	}
	return d
}

func monthlyUsage(c *wx.MonthlyCount) rules.MonthlyUsage {
	if c == nil {
		return rules.MonthlyUsage{}
	}
	return rules.MonthlyUsage{Month: c.Month, Count: int(c.Count)}
}

// declaredMiniProgram is the namespace's MiniProgram that a platform entry names, by AppID or original ID.
func (s *Snapshot) declaredMiniProgram(id string) *wx.MiniProgram {
	for _, mp := range s.MiniPrograms {
		if string(mp.Spec.AppID) == id || mp.Spec.OriginalID == id || mp.Status.Username == id {
			return mp
		}
	}
	return nil
}

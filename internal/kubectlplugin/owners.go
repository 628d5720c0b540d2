// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"cmp"
	"strings"
	"time"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// OwnerAdmission is one owner's admission run: its policy, what it decided from, and the decisions.
type OwnerAdmission struct {
	Policy    rules.Policy
	Input     rules.AdmissionInput
	Decisions []rules.Decision
}

// platformList is the Official Account's links as the cluster's records show the platform listing them:
// its last read (status.linkedMiniPrograms, the entries that hold a slot: AppIDs, or original IDs for an
// AppID-less list), and each of its links' own last report where that saw more (the operator reads the
// platform afresh; the account polls less often than a link reports): linked or awaiting an admin, or
// rejected (the account's status keeps no list of rejections).
func (s *Snapshot) platformList(oa *wx.OfficialAccount) []platform.MiniProgramLink {
	var out []platform.MiniProgramLink
	byAppID := true
	for _, id := range oa.Status.LinkedMiniPrograms {
		if strings.HasPrefix(id, "gh_") {
			out, byAppID = append(out, platform.MiniProgramLink{Username: id, Status: platform.LinkLinked}), false
		} else if id != "" {
			out = append(out, platform.MiniProgramLink{AppID: id, Status: platform.LinkLinked})
		}
	}
	for _, l := range s.linksBy(true, wx.KindOfficialAccount, oa.Name) {
		mp, ok := s.MiniPrograms[l.Spec.To.Name]
		if !ok {
			continue
		}
		entry := platform.MiniProgramLink{AppID: string(mp.Spec.AppID), Status: platform.LinkLinked}
		if !byAppID {
			entry = platform.MiniProgramLink{Username: cmp.Or(mp.Status.Username, mp.Spec.OriginalID), Status: platform.LinkLinked}
		}
		if l.Status.Platform != nil && l.Status.Platform.State == wx.LinkStateRejected {
			entry.Status = platform.LinkRejected
		} else if !controllers.HoldsSlot(&l) {
			continue
		}
		if _, found := controllers.Find(out, entry.AppID, entry.Username); !found && entry.AppID+entry.Username != "" {
			out = append(out, entry)
		}
	}
	return out
}

// officialAccountAdmission is the Official Account's admission with d deciding (nil: no link decides, as
// quota shows it), by the operator's own candidates (controllers.OfficialAccountCandidates) on the
// platform's list as the cluster's records give it.
func (s *Snapshot) officialAccountAdmission(oa *wx.OfficialAccount, d *wx.AssociationLink, siblings []wx.AssociationLink) OwnerAdmission {
	cands := controllers.OfficialAccountCandidates(controllers.OfficialAccountView{Deciding: orNone(d), OA: oa,
		Siblings: siblings, MiniPrograms: s.MiniPrograms, Platform: s.platformList(oa)})
	links := make([]*wx.AssociationLink, 0, len(siblings))
	for i := range siblings {
		links = append(links, &siblings[i])
	}
	used := rules.NewLinksThisMonth(s.Now, monthlyUsage(oa.Status.MonthlyLinks), controllers.MonthRecords(links, oa.Status.MonthlyLedger))
	return run(rules.OfficialAccountPolicy(), cands, used, s.Now)
}

// miniProgramAdmission is the Mini Program's admission with d deciding (nil: none), by the operator's own
// candidates (controllers.MiniProgramCandidates). selfOnPlatform is what the Official Account's admission
// found of d.
func (s *Snapshot) miniProgramAdmission(mp *wx.MiniProgram, d *wx.AssociationLink, selfOnPlatform bool) OwnerAdmission {
	siblings := s.linksBy(false, wx.KindMiniProgram, mp.Name)
	if d != nil {
		siblings = s.withDeciding(siblings, d)
	}
	cands := controllers.MiniProgramCandidates(controllers.MiniProgramView{Deciding: orNone(d), MP: mp,
		Siblings: siblings, SelfOnPlatform: selfOnPlatform})
	links := make([]*wx.AssociationLink, 0, len(siblings))
	for i := range siblings {
		links = append(links, &siblings[i])
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

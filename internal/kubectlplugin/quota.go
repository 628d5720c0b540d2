// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// QuotaEntry is one link in an owner's quota: holding a slot, queued, or not competing.
type QuotaEntry struct {
	// Link is the AssociationLink's name; empty for a link made in the console (seen on the platform).
	Link string `json:"link,omitempty"`
	// Other is the account at the other end: its object's name, or the platform's AppID or original ID.
	Other string `json:"other"`
	// Pool is same-subject, other-subject (an Official Account) or linked (a Mini Program).
	Pool          string `json:"pool"`
	State         string `json:"state"`
	QueuePosition int    `json:"queuePosition,omitempty"`
	Message       string `json:"message,omitempty"`
}

// QuotaReport is an owner's use of its quotas, as the operator's admission sees it now.
type QuotaReport struct {
	Kind         string       `json:"kind"`
	Namespace    string       `json:"namespace"`
	Name         string       `json:"name"`
	AppID        string       `json:"appID"`
	SameSubject  string       `json:"sameSubject,omitempty"`
	OtherSubject string       `json:"otherSubject,omitempty"`
	Total        string       `json:"total,omitempty"`
	ThisMonth    string       `json:"thisMonth"`
	Month        string       `json:"month"`
	Resets       string       `json:"resets"`
	Holding      []QuotaEntry `json:"holding"`
	Queue        []QuotaEntry `json:"queue"`
	NotCounted   []QuotaEntry `json:"notCounted,omitempty"`
}

// Quota reports an Official Account's or a Mini Program's quota.
func Quota(ctx context.Context, c client.Reader, ns, kind, name string, now time.Time) (*QuotaReport, error) {
	s, err := LoadSnapshot(ctx, c, ns, now)
	if err != nil {
		return nil, err
	}
	r := &QuotaReport{Kind: kind, Namespace: ns, Name: name, Month: rules.MonthOf(now),
		Resets: rules.FormatBeijing(rules.NextMonthStart(now))}
	var adm OwnerAdmission
	var links []wx.AssociationLink
	switch kind {
	case string(wx.KindOfficialAccount):
		oa, ok := s.OfficialAccounts[name]
		if !ok {
			return nil, fmt.Errorf("OfficialAccount %s/%s not found", ns, name)
		}
		r.AppID, links = string(oa.Spec.AppID), s.linksBy(true, wx.KindOfficialAccount, name)
		adm = s.officialAccountAdmission(oa, nil, links)
	case string(wx.KindMiniProgram):
		mp, ok := s.MiniPrograms[name]
		if !ok {
			return nil, fmt.Errorf("MiniProgram %s/%s not found", ns, name)
		}
		r.AppID, links = string(mp.Spec.AppID), s.linksBy(false, wx.KindMiniProgram, name)
		adm = s.miniProgramAdmission(mp, nil, false)
	default:
		return nil, fmt.Errorf("quota applies to an officialaccount or a miniprogram, not %s", kind)
	}
	r.fill(s, adm, links, kind == string(wx.KindOfficialAccount))
	return r, nil
}

// fill sets the report's figures and lists from one admission run over the owner's links.
func (r *QuotaReport) fill(s *Snapshot, adm OwnerAdmission, links []wx.AssociationLink, byFrom bool) {
	p, u := adm.Policy, rules.Summarize(adm.Decisions, adm.Input.UsedThisMonth)
	if byFrom {
		r.SameSubject, r.OtherSubject = rules.Ratio(u.SameSubject, p.SameSubjectLimit), rules.Ratio(u.OtherSubject, p.OtherSubjectLimit)
	} else {
		r.Total = rules.Ratio(u.Total, p.TotalLimit)
	}
	r.ThisMonth = rules.Ratio(u.MonthUsed, p.MonthlyLimit)
	byKey := map[string]*wx.AssociationLink{}
	for i := range links {
		byKey[s.Namespace+"/"+links[i].Name] = &links[i]
	}
	decided := map[string]bool{}
	r.Holding, r.Queue = []QuotaEntry{}, []QuotaEntry{}
	for _, d := range adm.Decisions {
		decided[d.Key] = true
		e := QuotaEntry{Pool: pool(d.SameSubject, byFrom), Message: d.Message}
		if l := byKey[d.Key]; l != nil {
			e.Link, e.Other = l.Name, otherEnd(l, byFrom)
		} else {
			e.Other = strings.TrimPrefix(d.Key, "platform/")
		}
		switch {
		case !d.Admitted:
			e.State, e.QueuePosition = queuedState(d.Reason), d.QueuePosition
			r.Queue = append(r.Queue, e)
		default:
			e.State = holdingState(byKey[d.Key], d)
			r.Holding = append(r.Holding, e)
		}
	}
	for i := range links {
		if !decided[s.Namespace+"/"+links[i].Name] {
			v := recorded(&links[i])
			r.NotCounted = append(r.NotCounted, QuotaEntry{Link: links[i].Name, Other: otherEnd(&links[i], byFrom),
				State: string(v.Outcome) + "/" + dash(v.Reason), Message: v.Message})
		}
	}
}

func pool(same, subjectPools bool) string {
	switch {
	case !subjectPools:
		return "linked"
	case same:
		return "same-subject"
	}
	return "other-subject"
}

func otherEnd(l *wx.AssociationLink, byFrom bool) string {
	if byFrom {
		return l.Spec.To.Name
	}
	return l.Spec.From.Name
}

func queuedState(reason string) string {
	if reason == rules.ReasonMonthlyLimitReached {
		return "Queued (monthly limit)"
	}
	return "Queued (slots full)"
}

// holdingState says how an admitted link holds its slot: its platform state, made in the console, or
// admitted and not on the platform yet.
func holdingState(l *wx.AssociationLink, d rules.Decision) string {
	switch {
	case l == nil:
		return "console (on the platform)"
	case l.Status.Platform != nil && d.OnPlatform:
		return string(l.Status.Platform.State)
	case d.OnPlatform:
		return "on the platform"
	}
	return "admitted, not requested yet"
}

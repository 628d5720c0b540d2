// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// Outcome is what admission makes of a link.
type Outcome string

// Outcomes, in the order the operator's reconcile reaches them.
const (
	// OutcomeNoQuota: the link's type is not subject to quota admission (console-only, store partner links).
	OutcomeNoQuota Outcome = "NoQuota"
	// OutcomePaused: the link carries the pause annotation: the operator leaves it as it is.
	OutcomePaused Outcome = "Paused"
	// OutcomeDeleting: the link is being deleted (or the plan deletes it).
	OutcomeDeleting Outcome = "Deleting"
	// OutcomeWaiting: an end is missing, paused or not Ready, or the platform's list cannot be matched
	// (OriginalIDRequired); the link is decided once that is resolved.
	OutcomeWaiting Outcome = "Waiting"
	// OutcomeRefused: a rule refuses the link (Reason says which): a self-link, or a younger duplicate.
	OutcomeRefused Outcome = "Refused"
	// OutcomeRejected: the platform rejected this object's own request at its generation: terminal until
	// its spec changes; it takes no slot.
	OutcomeRejected Outcome = "Rejected"
	// OutcomeObserveOnly: an ObserveOnly link the platform does not list: it takes no slot.
	OutcomeObserveOnly Outcome = "ObserveOnly"
	// OutcomeAdmitted: both owners admit it.
	OutcomeAdmitted Outcome = "Admitted"
	// OutcomeQueued: an owner's quota is full; QueuedBy and QueuePosition say whose and where.
	OutcomeQueued Outcome = "Queued"
)

// Verdict is admission's decision on one link, with the condition reason the operator writes for it.
type Verdict struct {
	Outcome       Outcome        `json:"outcome"`
	Reason        string         `json:"reason,omitempty"`
	QueuedBy      wx.AccountKind `json:"queuedBy,omitempty"`
	QueuePosition int            `json:"queuePosition,omitempty"`
	Message       string         `json:"message,omitempty"`
}

// Decide runs the operator's reconcile for one link of the snapshot, in its order: the pause, the
// deletion, resolve the ends, refuse a self-link, observe the platform's list (as the cluster's records show
// it: controllers.ObserveLink), refuse a duplicate, adopt-only, then quota admission under the Official
// Account and, when it admits, under the Mini Program (controllers.OfficialAccountCandidates and
// MiniProgramCandidates).
func (s *Snapshot) Decide(link *wx.AssociationLink) Verdict {
	switch {
	case paused(link):
		return Verdict{Outcome: OutcomePaused, Reason: wx.ReasonPaused, Message: pausedMessage}
	case link.Spec.Type != wx.OfficialAccountToMiniProgram:
		return Verdict{Outcome: OutcomeNoQuota, Message: fmt.Sprintf("type %s takes no quota slot", link.Spec.Type)}
	case !link.DeletionTimestamp.IsZero() && unlinks(link):
		return Verdict{Outcome: OutcomeDeleting, Reason: wx.ReasonDeleting,
			Message: "deletionPolicy Delete: the operator unlinks it, which frees its slot"}
	case !link.DeletionTimestamp.IsZero():
		return Verdict{Outcome: OutcomeDeleting, Reason: wx.ReasonDeleting,
			Message: "the platform keeps it (deletionPolicy Orphan or ObserveOnly): a console link that holds its slot"}
	}
	oa, mp, v, ok := s.resolve(link)
	if !ok {
		return v
	}
	d := link.DeepCopy()
	d.Status.FromAppID, d.Status.ToAppID = string(oa.Spec.AppID), string(mp.Spec.AppID)
	if oa.Spec.AppID == mp.Spec.AppID {
		return Verdict{Outcome: OutcomeRefused, Reason: wx.ReasonRuleViolation, Message: fmt.Sprintf(
			"OfficialAccount %s and MiniProgram %s both declare AppID %s: an account cannot be associated with itself",
			oa.Name, mp.Name, oa.Spec.AppID)}
	}
	entry, found, stop := controllers.ObserveLink(d, mp, s.platformList(oa))
	switch stop {
	case wx.ReasonOriginalIDRequired:
		return waiting(stop, "the platform lists the Mini Programs of OfficialAccount %s by original ID only and "+
			"MiniProgram %s declares no spec.originalID: the operator cannot tell whether the link exists and does not act",
			oa.Name, mp.Name)
	case wx.ReasonRejected:
		return Verdict{Outcome: OutcomeRejected, Reason: wx.ReasonRejected,
			Message: "the platform rejected the association, so it holds no quota slot"}
	}
	siblings := s.withDeciding(s.linksBy(true, wx.KindOfficialAccount, oa.Name), d)
	if older := controllers.OlderDuplicate(d, siblings); older != nil {
		return Verdict{Outcome: OutcomeRefused, Reason: wx.ReasonDuplicateLink, Message: fmt.Sprintf(
			"AssociationLink %s already declares %s -> %s", older.Name, d.Spec.From.Name, d.Spec.To.Name)}
	}
	if d.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly && (!found || !entry.Status.Occupying()) {
		return Verdict{Outcome: OutcomeObserveOnly, Reason: wx.ReasonObserveOnly,
			Message: "managementPolicy ObserveOnly and the platform does not list it: it takes no quota slot"}
	}
	return s.admit(d, oa, mp, siblings)
}

// resolve finds the link's two ends, which must exist and be Ready (or be made so by the plan).
func (s *Snapshot) resolve(link *wx.AssociationLink) (*wx.OfficialAccount, *wx.MiniProgram, Verdict, bool) {
	oa, okOA := s.OfficialAccounts[link.Spec.From.Name]
	mp, okMP := s.MiniPrograms[link.Spec.To.Name]
	switch {
	case !okOA:
		return nil, nil, waiting(wx.ReasonDependencyNotFound, "OfficialAccount %s does not exist", link.Spec.From.Name), false
	case !okMP:
		return nil, nil, waiting(wx.ReasonDependencyNotFound, "MiniProgram %s does not exist", link.Spec.To.Name), false
	}
	if ok, c := s.ready(wx.KindOfficialAccount, oa, &oa.Status.StatusBase); !ok {
		return nil, nil, waiting(wx.ReasonDependencyNotReady, "OfficialAccount %s %s", oa.Name, why(c)), false
	}
	if ok, c := s.ready(wx.KindMiniProgram, mp, &mp.Status.StatusBase); !ok {
		return nil, nil, waiting(wx.ReasonDependencyNotReady, "MiniProgram %s %s", mp.Name, why(c)), false
	}
	return oa, mp, Verdict{}, true
}

func waiting(reason, format string, args ...any) Verdict {
	return Verdict{Outcome: OutcomeWaiting, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// admit decides under the Official Account, then under the Mini Program, as the operator's decide does.
func (s *Snapshot) admit(d *wx.AssociationLink, oa *wx.OfficialAccount, mp *wx.MiniProgram, siblings []wx.AssociationLink) Verdict {
	key := s.Namespace + "/" + d.Name
	oaDec := decision(s.officialAccountAdmission(oa, d, siblings).Decisions, key)
	if !oaDec.Admitted {
		return queued(oaDec, wx.KindOfficialAccount)
	}
	mpDec := decision(s.miniProgramAdmission(mp, d, oaDec.OnPlatform).Decisions, key)
	if !mpDec.Admitted {
		return queued(mpDec, wx.KindMiniProgram)
	}
	return Verdict{Outcome: OutcomeAdmitted, Reason: wx.ReasonWithinQuota, Message: oaDec.Message}
}

func queued(d rules.Decision, by wx.AccountKind) Verdict {
	reason := wx.ReasonQuotaExceeded
	if d.Reason == rules.ReasonMonthlyLimitReached {
		reason = wx.ReasonMonthlyLimitReached
	}
	return Verdict{Outcome: OutcomeQueued, Reason: reason, QueuedBy: by, QueuePosition: d.QueuePosition, Message: d.Message}
}

func decision(ds []rules.Decision, key string) rules.Decision {
	for _, d := range ds {
		if d.Key == key {
			return d
		}
	}
	return rules.Decision{Key: key, Message: "not a candidate"}
}

// withDeciding is siblings with the deciding link in place of its stored self (added when it is new).
func (s *Snapshot) withDeciding(siblings []wx.AssociationLink, d *wx.AssociationLink) []wx.AssociationLink {
	out := make([]wx.AssociationLink, 0, len(siblings)+1)
	found := false
	for _, l := range siblings {
		if l.Name == d.Name {
			l, found = *d, true
		}
		out = append(out, l)
	}
	if !found {
		out = append(out, *d)
	}
	return out
}

// why says why a dependency is not Ready, as the operator's notReady does.
func why(c *metav1.Condition) string {
	if c == nil {
		return ": it has not been observed yet"
	}
	return fmt.Sprintf(" (%s: %s)", c.Reason, c.Message)
}

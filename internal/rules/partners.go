// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

// WeChat Store partner accounts (合作账号): a store invites an Official Account or a Mini Program through
// its API (cooperation/invitation/qrcode/generate) and the partner's admin accepts by hand. The platform
// numbers a partner record's status 1 bound, 2 unbound, 3 refused, 4 accepting, 5 timed out, 6 failed and 7
// cancelled by the store (shared/wechat-api.md; the store docs' 合作账号 page). The docs state no limit on
// the number of partners or invitations, so admission has nothing to count here.

// Partner record statuses, as the platform numbers them.
const (
	PartnerBound     = 1
	PartnerUnbound   = 2
	PartnerRefused   = 3
	PartnerAccepting = 4
	PartnerTimedOut  = 5
	PartnerFailed    = 6
	PartnerCancelled = 7
)

// Default sharer_type values, from the table of the WeChat Store docs (合作账号类型: 2 公众号, 3 小程序). The
// docs' examples disagree (one sends 1 for a Channels id), so this is unverified against the live API and a
// link may override it (spec.store.sharerType).
const (
	SharerTypeOfficialAccount = 2
	SharerTypeMiniProgram     = 3
)

// PartnerOutcome is what a partner record means for the link that declares it.
type PartnerOutcome string

// Partner outcomes.
const (
	// PartnerOutcomeBound: the partner is bound (1).
	PartnerOutcomeBound PartnerOutcome = "Bound"
	// PartnerOutcomeAccepting: the invitation waits for the partner's admin (4).
	PartnerOutcomeAccepting PartnerOutcome = "Accepting"
	// PartnerOutcomeRefused: the partner's admin refused (3).
	PartnerOutcomeRefused PartnerOutcome = "Refused"
	// PartnerOutcomeTimedOut: the invitation timed out (5).
	PartnerOutcomeTimedOut PartnerOutcome = "TimedOut"
	// PartnerOutcomeFailed: the acceptance failed (6).
	PartnerOutcomeFailed PartnerOutcome = "Failed"
	// PartnerOutcomeAbsent: no record, or one unbound (2) or cancelled (7): not a partner, no invitation.
	PartnerOutcomeAbsent PartnerOutcome = "Absent"
	// PartnerOutcomeUnknown: a status the docs do not list; wxlink does not act on it.
	PartnerOutcomeUnknown PartnerOutcome = "Unknown"
)

// PartnerFacts is what decides the next step of a store partner link.
type PartnerFacts struct {
	// Listed: the platform has a record of the pair; Status is its status.
	Listed bool
	Status int
	// AskedThisGeneration: wxlink invited the partner for the link's current generation (a spec change, or a
	// new object, has not asked yet).
	AskedThisGeneration bool
	// EndedSinceAsked: the record was unbound or cancelled after wxlink's invitation of this generation (a
	// person ended it, or the partnership it made).
	EndedSinceAsked bool
	// Superseded: wxlink invited again over this answered record (refused, timed out or failed) and the
	// record has not changed since: the new invitation waits for the store's admin to send it.
	Superseded bool
	// ReinviteAfterTimeout: the spec asks to invite again after a timeout.
	ReinviteAfterTimeout bool
	// ObserveOnly: the link never writes to the platform.
	ObserveOnly bool
}

// PartnerStep is the decision: what the record means, and whether wxlink invites the partner now.
type PartnerStep struct {
	Outcome PartnerOutcome
	Invite  bool
}

// NextPartnerStep decides a store partner link's next step. A refusal, a timeout or a failure is final for
// the generation that asked (a person answered; asking again at once would nag them), except a timeout when
// the spec asks to re-invite; a new generation (a change of spec) or a new object asks once more. A record
// that is absent, unbound or cancelled is invited (again), unless wxlink invited at this generation and the
// record has not ended since (the store's admin has not sent the invitation from its QR code yet). An unknown
// status is never acted on, and ObserveOnly never invites. An answered record that wxlink invited again over
// (Superseded) is an invitation not sent yet (Absent, asked): it is not asked again at every poll.
func NextPartnerStep(f PartnerFacts) PartnerStep {
	outcome := partnerOutcome(f)
	if f.Listed && f.Superseded && Answered(f.Status) {
		outcome = PartnerOutcomeAbsent
	}
	var invite bool
	switch outcome {
	case PartnerOutcomeRefused, PartnerOutcomeFailed:
		invite = !f.AskedThisGeneration
	case PartnerOutcomeTimedOut:
		invite = !f.AskedThisGeneration || f.ReinviteAfterTimeout
	case PartnerOutcomeAbsent:
		invite = !f.AskedThisGeneration || f.EndedSinceAsked
	}
	return PartnerStep{Outcome: outcome, Invite: invite && !f.ObserveOnly}
}

// Answered reports whether a partner record's status is an answer to an invitation that ended it: refused,
// timed out or failed.
func Answered(status int) bool {
	return status == PartnerRefused || status == PartnerTimedOut || status == PartnerFailed
}

func partnerOutcome(f PartnerFacts) PartnerOutcome {
	if !f.Listed {
		return PartnerOutcomeAbsent
	}
	switch f.Status {
	case PartnerBound:
		return PartnerOutcomeBound
	case PartnerAccepting:
		return PartnerOutcomeAccepting
	case PartnerRefused:
		return PartnerOutcomeRefused
	case PartnerTimedOut:
		return PartnerOutcomeTimedOut
	case PartnerFailed:
		return PartnerOutcomeFailed
	case PartnerUnbound, PartnerCancelled:
		return PartnerOutcomeAbsent
	}
	return PartnerOutcomeUnknown
}

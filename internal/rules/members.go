// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "fmt"

// MemberLimits are the most developers and testers (体验成员) a Mini Program
// may have.
type MemberLimits struct {
	Developers int
	Testers    int
}

// MemberLimitsFor returns the member limits of a Mini Program whose subject
// has type t and verification state v (platform-rules.md, "members of a Mini
// Program"):
//   - Individual: IndividualMaxDevelopers / IndividualMaxTesters (5/10), whatever
//     the state;
//   - an organisation (every other known type) that is Verified:
//     VerifiedMaxDevelopers / VerifiedMaxTesters (20/40);
//   - an organisation in any other state (Unverified, InProgress, Expired, or
//     unknown): UnverifiedOrgMaxDevelopers / UnverifiedOrgMaxTesters (10/20).
//
// An unknown subject type gets the smallest limits (the Individual ones), so
// a typo never grants more members than the platform allows; CheckMembers
// reports the unknown type itself.
func MemberLimitsFor(t SubjectType, v VerificationState) MemberLimits {
	switch {
	case !t.IsOrganisation():
		return MemberLimits{Developers: IndividualMaxDevelopers, Testers: IndividualMaxTesters}
	case v == VerificationVerified:
		return MemberLimits{Developers: VerifiedMaxDevelopers, Testers: VerifiedMaxTesters}
	default:
		return MemberLimits{Developers: UnverifiedOrgMaxDevelopers, Testers: UnverifiedOrgMaxTesters}
	}
}

// CheckMembers returns nil when developers and testers are within
// MemberLimitsFor(t, v), and a Violation otherwise. An unknown subject type
// gives ReasonUnknownSubjectType. Developers are checked first
// (ReasonTooManyDevelopers); when testers are over their limit too, the same
// message says so. Otherwise too many testers gives ReasonTooManyTesters.
func CheckMembers(t SubjectType, v VerificationState, developers, testers int) *Violation {
	if !t.Known() {
		return violation(ReasonUnknownSubjectType, fmt.Sprintf(
			"subject type %q is not one of %s, so the member limits are unknown; set the subject type the Mini Program was registered with",
			t, subjectTypeList()))
	}
	lim := MemberLimitsFor(t, v)
	why := memberLimitWhy(t, v)
	switch {
	case developers > lim.Developers:
		msg := fmt.Sprintf("the Mini Program declares %d developers but %s allows at most %d; remove %d developer(s)%s",
			developers, why, lim.Developers, developers-lim.Developers, memberLimitRaise(t, v, "developers"))
		if testers > lim.Testers {
			msg += fmt.Sprintf("; testers are over their limit too (%d testers, %d allowed): remove %d tester(s)",
				testers, lim.Testers, testers-lim.Testers)
		}
		return violation(ReasonTooManyDevelopers, msg)
	case testers > lim.Testers:
		return violation(ReasonTooManyTesters, fmt.Sprintf(
			"the Mini Program declares %d testers but %s allows at most %d; remove %d tester(s)%s",
			testers, why, lim.Testers, testers-lim.Testers, memberLimitRaise(t, v, "testers")))
	}
	return nil
}

// memberLimitWhy names the rule that sets the limit, as a noun phrase.
func memberLimitWhy(t SubjectType, v VerificationState) string {
	switch {
	case t == SubjectIndividual:
		return "an Individual subject (which cannot be verified)"
	case v == VerificationVerified:
		return fmt.Sprintf("a verified %s subject", t)
	case v.Known():
		return fmt.Sprintf("a %s subject that is not verified (state %s)", t, v)
	default:
		return fmt.Sprintf("a %s subject with unknown verification state %q (treated as unverified)", t, v)
	}
}

// memberLimitRaise says how the limit could be raised, if it can.
func memberLimitRaise(t SubjectType, v VerificationState, what string) string {
	if t == SubjectIndividual || v == VerificationVerified {
		return ""
	}
	limit := VerifiedMaxTesters
	if what == "developers" {
		limit = VerifiedMaxDevelopers
	}
	return fmt.Sprintf(", or complete 微信认证 to raise the limit to %d %s", limit, what)
}

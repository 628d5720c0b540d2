// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"fmt"
	"strings"
	"unicode"
)

// SubjectType is the kind of legal subject (主体) an account is registered to.
// It is fixed at registration ("确认主体信息不可变更").
type SubjectType string

// Subject types. Source: platform-rules.md, "Accounts and subjects (主体)".
const (
	SubjectIndividual         SubjectType = "Individual"         // 个人
	SubjectEnterprise         SubjectType = "Enterprise"         // 企业
	SubjectIndividualBusiness SubjectType = "IndividualBusiness" // 个体工商户
	SubjectGovernment         SubjectType = "Government"         // 政府
	SubjectMedia              SubjectType = "Media"              // 媒体
	SubjectOtherOrganization  SubjectType = "OtherOrganization"  // 其他组织
	SubjectOverseas           SubjectType = "Overseas"           // 海外主体
)

// AllSubjectTypes returns every known subject type, in a fixed order. The
// slice is new on each call.
func AllSubjectTypes() []SubjectType {
	return []SubjectType{
		SubjectIndividual, SubjectEnterprise, SubjectIndividualBusiness,
		SubjectGovernment, SubjectMedia, SubjectOtherOrganization, SubjectOverseas,
	}
}

// Known reports whether t is one of AllSubjectTypes.
func (t SubjectType) Known() bool {
	switch t {
	case SubjectIndividual, SubjectEnterprise, SubjectIndividualBusiness,
		SubjectGovernment, SubjectMedia, SubjectOtherOrganization, SubjectOverseas:
		return true
	}
	return false
}

// IsOrganisation reports whether t is a known subject type other than
// Individual (organisation limits apply to it).
func (t SubjectType) IsOrganisation() bool {
	return t.Known() && t != SubjectIndividual
}

// VerificationState is the state of an account's WeChat verification (微信认证).
type VerificationState string

// Verification states.
const (
	VerificationUnverified VerificationState = "Unverified"
	VerificationInProgress VerificationState = "InProgress"
	VerificationVerified   VerificationState = "Verified"
	// VerificationExpired means the annual review (年审) lapsed: the account
	// was verified once and is treated as unverified until it is renewed.
	VerificationExpired VerificationState = "Expired"
)

// AllVerificationStates returns every known verification state, in a fixed
// order. The slice is new on each call.
func AllVerificationStates() []VerificationState {
	return []VerificationState{
		VerificationUnverified, VerificationInProgress, VerificationVerified, VerificationExpired,
	}
}

// Known reports whether v is one of AllVerificationStates.
func (v VerificationState) Known() bool {
	switch v {
	case VerificationUnverified, VerificationInProgress, VerificationVerified, VerificationExpired:
		return true
	}
	return false
}

// Subject is an account's registered subject: its legal name (主体名称) and type.
type Subject struct {
	Name string
	Type SubjectType
}

// String renders the subject as `Name (Type)`.
func (s Subject) String() string {
	return fmt.Sprintf("%q (%s)", s.Name, s.Type)
}

// NormaliseSubjectName returns the form of a subject name used for comparison:
// full-width parentheses （） become half-width (), leading and trailing white
// space (including the ideographic space U+3000) is removed, runs of internal
// white space collapse to one ASCII space, and ASCII letters are lower-cased.
// Other characters (Chinese characters, full-width letters) are left alone.
func NormaliseSubjectName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	space, afterParen := false, false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0 && !afterParen
			continue
		case r == '（':
			r = '('
		case r == '）':
			r = ')'
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		paren := r == '(' || r == ')'
		if space && !paren {
			b.WriteByte(' ')
		}
		space, afterParen = false, paren
		b.WriteRune(r)
	}
	return b.String()
}

// SameSubject reports whether a and b are the same legal subject: equal,
// non-empty types and equal normalised names (see NormaliseSubjectName). A
// subject with an empty name or an empty type is never "same": unknown facts
// must not earn the same-subject treatment (instant links, the larger pool).
func SameSubject(a, b Subject) bool {
	if a.Type == "" || a.Type != b.Type {
		return false
	}
	na := NormaliseSubjectName(a.Name)
	return na != "" && na == NormaliseSubjectName(b.Name)
}

// VerificationRequirement says whether a subject type must, may or cannot be
// verified (微信认证).
type VerificationRequirement string

// Verification requirements. Source: platform-rules.md, "Accounts and
// subjects (主体)", row "verification (微信认证)".
const (
	RequirementRequired   VerificationRequirement = "Required"
	RequirementOptional   VerificationRequirement = "Optional"
	RequirementNotAllowed VerificationRequirement = "NotAllowed"
	// RequirementUnknown is returned for an unknown subject type.
	RequirementUnknown VerificationRequirement = "Unknown"
)

// VerificationRequirementFor returns whether subject type t must be verified:
// Required for Government, Media and OtherOrganization; Optional for
// Enterprise, IndividualBusiness and Overseas; NotAllowed for Individual;
// RequirementUnknown for anything else.
func VerificationRequirementFor(t SubjectType) VerificationRequirement {
	switch t {
	case SubjectGovernment, SubjectMedia, SubjectOtherOrganization:
		return RequirementRequired
	case SubjectEnterprise, SubjectIndividualBusiness, SubjectOverseas:
		return RequirementOptional
	case SubjectIndividual:
		return RequirementNotAllowed
	}
	return RequirementUnknown
}

// CheckVerification returns nil when verification state v is consistent with
// subject type t, and a Violation otherwise:
//   - an unknown t gives ReasonUnknownSubjectType, an unknown v
//     ReasonUnknownVerificationState;
//   - a Required type that is not Verified (Unverified, InProgress, or Expired
//     after a lapsed annual review) gives ReasonVerificationRequired;
//   - an Individual that shows any state other than Unverified gives
//     ReasonVerificationNotAllowed: an Individual cannot be verified, so
//     Verified, InProgress and Expired are all impossible and mean the observed
//     facts (or the declared subject type) are wrong.
//
// Optional types are consistent with every state.
func CheckVerification(t SubjectType, v VerificationState) *Violation {
	req := VerificationRequirementFor(t)
	if req == RequirementUnknown {
		return violation(ReasonUnknownSubjectType, fmt.Sprintf(
			"subject type %q is not one of %s; set the subject type the account was registered with",
			t, subjectTypeList()))
	}
	if !v.Known() {
		return violation(ReasonUnknownVerificationState, fmt.Sprintf(
			"verification state %q is not one of %s; report the state shown in the account's console",
			v, verificationStateList()))
	}
	switch {
	case req == RequirementRequired && v != VerificationVerified:
		what := "is " + string(v)
		todo := "complete 微信认证 in the account's console"
		switch v {
		case VerificationInProgress:
			todo = "wait for the review in progress to finish"
		case VerificationExpired:
			what = "has let its annual review (年审) lapse"
			todo = "renew the verification (年审) in the account's console"
		}
		return violation(ReasonVerificationRequired, fmt.Sprintf(
			"a %s subject must be verified (微信认证) before most features work, but this account %s; %s",
			t, what, todo))
	case req == RequirementNotAllowed && v != VerificationUnverified:
		return violation(ReasonVerificationNotAllowed, fmt.Sprintf(
			"an Individual subject cannot be verified (微信认证), yet the account shows verification state %s; check the declared subject type (an account's subject never changes after registration)",
			v))
	}
	return nil
}

// Approval is how a new Official Account -> Mini Program link takes effect.
type Approval string

// Approvals. Source: platform-rules.md, "Official Account <-> Mini Program
// associations", rows "same subject" and "different subject".
const (
	// ApprovalInstant: same subject, the link takes effect at once.
	ApprovalInstant Approval = "Instant"
	// ApprovalNeedsAuthorization: different subjects, the Mini Program's admin
	// must authorise the link (1-3 working days; it may be rejected).
	ApprovalNeedsAuthorization Approval = "NeedsAuthorization"
)

// LinkApprovalFor returns how a link from the Official Account with subject
// owner to the Mini Program with subject target takes effect.
func LinkApprovalFor(owner, target Subject) Approval {
	if SameSubject(owner, target) {
		return ApprovalInstant
	}
	return ApprovalNeedsAuthorization
}

// Message describes the approval for a person.
func (a Approval) Message() string {
	switch a {
	case ApprovalInstant:
		return "same subject: the link takes effect at once with the Official Account admin's permission"
	case ApprovalNeedsAuthorization:
		return "different subjects: the Mini Program's admin must authorise the link in the Mini Program console; this usually takes 1-3 working days and may be rejected"
	}
	return fmt.Sprintf("unknown approval %q", string(a))
}

func subjectTypeList() string {
	names := make([]string, 0, 7)
	for _, t := range AllSubjectTypes() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

func verificationStateList() string {
	names := make([]string, 0, 4)
	for _, v := range AllVerificationStates() {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}

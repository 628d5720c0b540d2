// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"fmt"
	"time"
)

// AccountKind is the kind of WeChat account a rule is applied to.
type AccountKind string

// Account kinds.
const (
	KindOfficialAccount AccountKind = "OfficialAccount"
	KindMiniProgram     AccountKind = "MiniProgram"
)

// String returns a human name for the kind ("Official Account", "Mini
// Program"); an empty or unknown kind reads as "account".
func (k AccountKind) String() string {
	switch k {
	case KindOfficialAccount:
		return "Official Account"
	case KindMiniProgram:
		return "Mini Program"
	}
	return "account"
}

// AccountFacts are what the platform reports about one Official Account or
// Mini Program, as far as the rules need them.
type AccountFacts struct {
	// AppID is used only in messages; it may be empty.
	AppID string
	// Kind is the account's kind. Messages call an account of empty kind "the
	// account"; CheckMerchantBinding then points at the Mini Program console,
	// and CheckOpenPlatformBind treats it as not a Mini Program.
	Kind         AccountKind
	Subject      Subject
	Verification VerificationState
	// OpenAppID is the open_appid of the Open Platform account this account is
	// bound to, or "" when it is not bound to one.
	OpenAppID string
}

func (a AccountFacts) name() string {
	if a.AppID == "" {
		return "the " + a.Kind.String()
	}
	return fmt.Sprintf("the %s %s", a.Kind, a.AppID)
}

// CheckMerchantBinding returns nil when a WeChat Pay merchant (商户号) that
// already binds merchantBoundAppIDs AppIDs may bind the account mp, and a
// Violation otherwise (platform-rules.md, "WeChat Pay" and "WeChat Pay
// merchant (商户号) <-> Mini Program"):
//   - an Individual subject can never be verified, so it can never take WeChat Pay
//     (ReasonIndividualCannotTakePay, terminal whatever the verification says);
//   - the account must be Verified (ReasonAccountNotVerified); the rule is
//     applied to any kind of account, as the merchant side requires a verified
//     AppID for Official Accounts too;
//   - the merchant must bind fewer than MerchantMaxAppIDs AppIDs
//     (ReasonMerchantAppIDLimitReached).
//
// merchantBoundAppIDs must not count mp itself: call this before a new
// binding, not for one that already exists (a binding can never be undone, so
// an existing one needs no check).
func CheckMerchantBinding(mp AccountFacts, merchantBoundAppIDs int) *Violation {
	if mp.Subject.Type == SubjectIndividual {
		return violation(ReasonIndividualCannotTakePay, fmt.Sprintf(
			"%s belongs to an Individual subject (个人), which can never be verified, and only a verified account may take "+
				"WeChat Pay: this binding can never be made; bind the merchant to an account of an organisation, or delete "+
				"this MerchantBinding", mp.name()))
	}
	if mp.Verification != VerificationVerified {
		state := string(mp.Verification)
		if state == "" {
			state = "unknown"
		}
		console := mp.Kind.String()
		if mp.Kind == "" {
			console = "Mini Program"
		}
		return violation(ReasonAccountNotVerified, fmt.Sprintf(
			"only a verified account may take WeChat Pay, but %s has verification state %s; complete 微信认证 in the %s console, then the binding proceeds",
			mp.name(), state, console))
	}
	if merchantBoundAppIDs >= MerchantMaxAppIDs {
		return violation(ReasonMerchantAppIDLimitReached, fmt.Sprintf(
			"the merchant already binds %d/%d AppIDs, the most WeChat Pay allows, and bindings cannot be undone; use another merchant ID for %s",
			merchantBoundAppIDs, MerchantMaxAppIDs, mp.name()))
	}
	return nil
}

// MerchantRequestExpired reports whether a binding request the merchant made
// at requestedAt has expired by now: true once MerchantBindingRequestTTL (7
// days) has fully elapsed (now - requestedAt >= TTL). A zero requestedAt means
// no request was made, which never expires.
func MerchantRequestExpired(requestedAt, now time.Time) bool {
	if requestedAt.IsZero() {
		return false
	}
	return now.Sub(requestedAt) >= MerchantBindingRequestTTL
}

// MerchantRequestExpiresAt returns when a request made at requestedAt expires.
func MerchantRequestExpiresAt(requestedAt time.Time) time.Time {
	return requestedAt.Add(MerchantBindingRequestTTL)
}

// MerchantNeedsCommitmentLetter reports whether binding a merchant of subject
// merchant to an account of subject account needs the signed commitment
// letter and the 1-3 day review required across subjects (platform-rules.md,
// "WeChat Pay merchant (商户号) <-> Mini Program").
func MerchantNeedsCommitmentLetter(merchant, account Subject) bool {
	return !SameSubject(merchant, account)
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "errors"

// Reasons are machine-readable, CamelCase and stable: controllers copy them
// into Kubernetes condition reasons and Events as they are.
const (
	// ReasonUnknownSubjectType: the subject type is not one of AllSubjectTypes.
	ReasonUnknownSubjectType = "UnknownSubjectType"
	// ReasonUnknownVerificationState: the verification state is not one of
	// AllVerificationStates.
	ReasonUnknownVerificationState = "UnknownVerificationState"
	// ReasonVerificationRequired: a subject type that must be verified
	// (Government, Media, OtherOrganization) is not verified.
	ReasonVerificationRequired = "VerificationRequired"
	// ReasonVerificationNotAllowed: an Individual subject reports a
	// verification state other than Unverified.
	ReasonVerificationNotAllowed = "VerificationNotAllowed"

	// ReasonTooManyDevelopers: more developers than the subject allows.
	ReasonTooManyDevelopers = "TooManyDevelopers"
	// ReasonTooManyTesters: more testers than the subject allows.
	ReasonTooManyTesters = "TooManyTesters"

	// ReasonAccountNotVerified: WeChat Pay needs a verified account.
	ReasonAccountNotVerified = "AccountNotVerified"
	// ReasonIndividualCannotTakePay: an Individual subject can never be
	// verified, so WeChat Pay can never be bound to its account.
	ReasonIndividualCannotTakePay = "IndividualCannotTakePay"
	// ReasonMerchantAppIDLimitReached: the merchant already binds
	// MerchantMaxAppIDs AppIDs.
	ReasonMerchantAppIDLimitReached = "MerchantAppIDLimitReached"

	// ReasonAlreadyBoundToOpenPlatform: the account is bound to another Open
	// Platform account (errcode 89000).
	ReasonAlreadyBoundToOpenPlatform = "AlreadyBoundToOpenPlatform"
	// ReasonOpenPlatformNotVerified: the Open Platform account must complete
	// developer verification (开发者资质认证) before it can bind Mini Programs.
	ReasonOpenPlatformNotVerified = "OpenPlatformNotVerified"
	// ReasonOpenPlatformNotCreatedByAPI: an unverified Open Platform account
	// registered in the web console cannot bind through the API (errcode 89036).
	ReasonOpenPlatformNotCreatedByAPI = "OpenPlatformNotCreatedByAPI"
	// ReasonSubjectMismatch: the account and the Open Platform account have
	// different subjects (errcode 89001).
	ReasonSubjectMismatch = "SubjectMismatch"
	// ReasonOpenPlatformFull: the Open Platform account already binds
	// OpenPlatformMaxBoundAccounts accounts (errcode 89004).
	ReasonOpenPlatformFull = "OpenPlatformFull"
	// ReasonOpenPlatformUnverifiedLimitReached: an unverified, API-created Open
	// Platform account already binds OpenPlatformUnverifiedAPICreatedMaxBound
	// accounts.
	ReasonOpenPlatformUnverifiedLimitReached = "OpenPlatformUnverifiedLimitReached"

	// ReasonAlreadyOnPlatform: admitted because the link already exists (or is
	// pending) on the platform.
	ReasonAlreadyOnPlatform = "AlreadyOnPlatform"
	// ReasonWithinQuota: admitted as a new link; every quota has room.
	ReasonWithinQuota = "WithinQuota"
	// ReasonSameSubjectQuotaFull: queued; the same-subject pool is full.
	ReasonSameSubjectQuotaFull = "SameSubjectQuotaFull"
	// ReasonOtherSubjectQuotaFull: queued; the different-subject pool is full.
	ReasonOtherSubjectQuotaFull = "OtherSubjectQuotaFull"
	// ReasonTotalQuotaFull: queued; the total (subject-independent) pool is full.
	ReasonTotalQuotaFull = "TotalQuotaFull"
	// ReasonMonthlyLimitReached: queued; this month's new-link budget is used up.
	ReasonMonthlyLimitReached = "MonthlyLimitReached"
)

// Violation is a broken platform rule. Reason is one of the Reason* constants;
// Message is a sentence a person can act on: what is wrong, the numbers
// involved, and what to do. A Violation is terminal for a reconcile: retrying
// without a change to the inputs gives the same answer.
type Violation struct {
	Reason  string
	Message string
}

// Error implements error as "Reason: Message".
func (v *Violation) Error() string {
	return v.Reason + ": " + v.Message
}

// HasReason reports whether err is (or wraps) a *Violation with the given
// reason.
func HasReason(err error, reason string) bool {
	var v *Violation
	return errors.As(err, &v) && v != nil && v.Reason == reason
}

func violation(reason, message string) *Violation {
	return &Violation{Reason: reason, Message: message}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

// Health is what the reason of a Ready condition means to the tools that wait on wxlink objects: kubectl
// wait, kstatus (Flux, cli-utils) and Argo CD. wxlink sets the kstatus conditions from it: Reconciling=True
// while it or the platform is working and will finish unaided, Stalled=True while nothing changes until a
// person acts. docs/gitops.md explains each choice.
type Health string

// Health classes.
const (
	// HealthHealthy: Ready=True. kstatus Current; Argo CD Healthy.
	HealthHealthy Health = "Healthy"
	// HealthProgressing: Ready=False, Reconciling=True: wxlink or the platform will finish unaided.
	// kstatus InProgress; Argo CD Progressing.
	HealthProgressing Health = "Progressing"
	// HealthDegraded: Ready=False, Stalled=True: a rule violation or a refusal; a person must change something.
	// kstatus Failed; Argo CD Degraded.
	HealthDegraded Health = "Degraded"
	// HealthSuspended: Ready=False, Stalled=True: waiting for a person (a confirmation, a console step) or for
	// a slot. kstatus Failed; Argo CD Suspended.
	HealthSuspended Health = "Suspended"
	// HealthPaused: Ready=False, neither Reconciling nor Stalled: the pause annotation is set. kstatus
	// InProgress; Argo CD Suspended.
	HealthPaused Health = "Paused"
	// HealthDetail: never the reason of Ready; it explains another condition (Synced, Admitted, ...).
	HealthDetail Health = "Detail"
)

// ReasonHealth is the Health of every condition reason wxlink may write: its own (conditions.go), the
// rules' (a violation is reported with the rule's reason) and the platform's (a refusal is reported with
// the errcode's reason). A reason missing here fails the tests: no reason is added without deciding its
// health.
var ReasonHealth = map[string]Health{
	// Ready=True.
	ReasonAvailable: HealthHealthy, ReasonEligible: HealthHealthy, ReasonDeclared: HealthHealthy,
	ReasonConfirmedInConsole: HealthHealthy,

	// wxlink or the platform is working.
	ReasonProgressing: HealthProgressing, ReasonDeleting: HealthProgressing, ReasonReconcileError: HealthProgressing,
	ReasonDependencyNotFound: HealthProgressing, ReasonDependencyNotReady: HealthProgressing,
	ReasonVerifyTicketMissing: HealthProgressing,

	// A person must change the spec, a Secret, a flag, or an account: a violation or a refusal.
	ReasonSubjectMismatch: HealthDegraded, ReasonRuleViolation: HealthDegraded, ReasonRejected: HealthDegraded,
	ReasonDuplicateLink: HealthDegraded, ReasonUnknownPlatformState: HealthDegraded,
	ReasonAccountTypeMismatch: HealthDegraded, ReasonVerifyTicketExpired: HealthDegraded,
	ReasonOriginalIDRequired: HealthDegraded, ReasonCredentialsNotLabelled: HealthDegraded,
	ReasonEndpointNotAllowed: HealthDegraded, ReasonTokenPublicationFailed: HealthDegraded,
	ReasonInvitationFailed: HealthDegraded, ReasonStoreAPIFailing: HealthDegraded,

	// Waiting for a person, or for a slot.
	ReasonQuotaExceeded: HealthSuspended, ReasonMonthlyLimitReached: HealthSuspended,
	ReasonAwaitingOfficialAccountAdmin: HealthSuspended, ReasonAwaitingMiniProgramAdmin: HealthSuspended,
	ReasonActionRequired: HealthSuspended, ReasonObserveOnly: HealthSuspended,
	ReasonVerificationRequired: HealthSuspended, ReasonDeletionBlocked: HealthSuspended,
	ReasonAwaitingStoreAdmin: HealthSuspended, ReasonInvitationTimedOut: HealthSuspended,

	ReasonPaused: HealthPaused,

	// Reasons of other conditions.
	ReasonReconcileSuccess: HealthDetail, ReasonSubjectMatched: HealthDetail, ReasonWithinQuota: HealthDetail,
	ReasonPrerequisitesMet: HealthDetail, ReasonOverQuotaOnPlatform: HealthDetail,

	// internal/rules: violations of the platform's rules.
	"UnknownSubjectType": HealthDegraded, "UnknownVerificationState": HealthDegraded,
	"VerificationNotAllowed": HealthDegraded, "TooManyDevelopers": HealthDegraded, "TooManyTesters": HealthDegraded,
	"IndividualCannotTakePay": HealthDegraded, "MerchantAppIDLimitReached": HealthDegraded,
	"AlreadyBoundToOpenPlatform": HealthDegraded, "OpenPlatformNotCreatedByAPI": HealthDegraded,
	"OpenPlatformFull": HealthDegraded, "OpenPlatformUnverifiedLimitReached": HealthDegraded,
	"AccountNotVerified": HealthSuspended, "OpenPlatformNotVerified": HealthSuspended,
	// internal/rules: a third-party store's WeChat-side prerequisites.
	"MiniProgramNotReleased": HealthSuspended, "WebViewDomainUnconfirmed": HealthSuspended,
	"ShowcaseUnconfirmed": HealthSuspended, "ShowcaseNotEnabled": HealthSuspended,
	"ChannelsNotEnterprise": HealthDegraded, "NotServiceAccount": HealthDegraded,
	"AccountTypeUnknown": HealthSuspended,
	// internal/rules: admission's own reasons, reported on Admitted as QuotaExceeded or MonthlyLimitReached.
	"AlreadyOnPlatform": HealthDetail, "SameSubjectQuotaFull": HealthDetail, "OtherSubjectQuotaFull": HealthDetail,
	"TotalQuotaFull": HealthDetail,

	// internal/platform: refusals by the platform (terminal errcodes).
	"PlatformSameSubjectQuotaFull": HealthDegraded, "PlatformOtherSubjectQuotaFull": HealthDegraded,
	"PlatformLinkedByLimitReached": HealthDegraded, "PlatformQuotaFull": HealthDegraded,
	"OpenPlatformAccountFull": HealthDegraded, "ReauthorizationRequired": HealthDegraded,
	"InvalidAppID": HealthDegraded, "InvalidCredentials": HealthDegraded, "IPNotWhitelisted": HealthDegraded,
	"AlreadyBound": HealthDegraded, "Banned": HealthDegraded, "OverseasAccount": HealthDegraded,
	"NotCreatedByAPI": HealthDegraded, "TesterUnknown": HealthDegraded, "TesterLimitReached": HealthDegraded,
	"BadRequest": HealthDegraded, "VerifyTicketInvalid": HealthDegraded, "UnknownError": HealthDegraded,
	"AdminAccountLimit": HealthDegraded, "InvalidPartnerAccount": HealthDegraded,
	// internal/platform: a person must act on the platform's side.
	"NotVerified": HealthSuspended, "NotAuthorized": HealthSuspended, "PlatformMonthlyLimitReached": HealthSuspended,
	"ConsoleOnly": HealthSuspended, "InvitationPending": HealthSuspended, "UnlinkPending": HealthSuspended,
	// internal/platform: passing faults, retried (they show on Synced, not on Ready).
	"SystemBusy": HealthProgressing, "DailyQuotaExhausted": HealthProgressing, "MinuteQuotaExhausted": HealthProgressing,
	"NetworkError": HealthProgressing, "ServerError": HealthProgressing, "TokenInvalid": HealthProgressing,
}

// HealthOf is the Health of a Ready reason; a reason wxlink does not know reads as Progressing.
func HealthOf(reason string) Health {
	if h, ok := ReasonHealth[reason]; ok {
		return h
	}
	return HealthProgressing
}

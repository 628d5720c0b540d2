// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

// Condition types. Every kind carries Ready and Synced; the others appear on the kinds they concern.
const (
	// ConditionReady is True when the object's declared state holds on the platform. With Reconciling and
	// Stalled (health.go) it follows the kstatus conventions that kubectl wait and Flux read; Argo CD reads
	// them through the health check in config/argocd (docs/gitops.md).
	ConditionReady = "Ready"
	// ConditionReconciling (kstatus, abnormal-true) is True while wxlink or the platform is working towards
	// Ready and will get there without anyone acting; absent otherwise. Its reason is Ready's.
	ConditionReconciling = "Reconciling"
	// ConditionStalled (kstatus, abnormal-true) is True while nothing changes until a person acts; absent
	// otherwise. Its reason and message are Ready's: they say who must act and where.
	ConditionStalled = "Stalled"
	// ConditionSynced is True when the last reconcile finished without error. False with reason
	// ReconcileError says the platform or the cluster could not be reached or refused a call.
	ConditionSynced = "Synced"
	// ConditionSubjectMatched is True when the platform reports the subject declared in spec.subject.
	ConditionSubjectMatched = "SubjectMatched"
	// ConditionVerified mirrors the account's WeChat verification as required by its subject type.
	ConditionVerified = "Verified"
	// ConditionAdmitted is True when an AssociationLink is within every quota of its owners.
	ConditionAdmitted = "Admitted"
	// ConditionLinked is True when the platform reports the association in place.
	ConditionLinked = "Linked"
	// ConditionPrerequisitesMet is True when the platform's preconditions for a binding hold (for example a
	// verified Mini Program for a WeChat Pay merchant binding).
	ConditionPrerequisitesMet = "PrerequisitesMet"
	// ConditionMembersSynced is True when a MiniProgram's testers match spec.members.
	ConditionMembersSynced = "MembersSynced"
	// ConditionReachable is True when a PlatformConfig's endpoint answered its last call.
	ConditionReachable = "Reachable"
	// ConditionCredentialsValid is True when a PlatformConfig obtained a token with its credentials.
	ConditionCredentialsValid = "CredentialsValid"
	// ConditionMiniProgramPrerequisitesMet is True when every Mini Program a ThirdPartyStore binds is
	// released and verified, and a person recorded its web-view business domain.
	ConditionMiniProgramPrerequisitesMet = "MiniProgramPrerequisitesMet"
	// ConditionOfficialAccountPrerequisitesMet is True when every Official Account a ThirdPartyStore binds is
	// a verified service account (服务号).
	ConditionOfficialAccountPrerequisitesMet = "OfficialAccountPrerequisitesMet"
	// ConditionChannelsPrerequisitesMet is True when every Channels account a ThirdPartyStore binds is
	// enterprise-verified with the product showcase (商品橱窗) open.
	ConditionChannelsPrerequisitesMet = "ChannelsPrerequisitesMet"
	// ConditionQuotaRespected is True when the links an Official Account has on the platform fit its quotas;
	// False (reason OverQuotaOnPlatform) when links made in the console exceed them.
	ConditionQuotaRespected = "QuotaRespected"
)

// Condition reasons. Reasons are CamelCase and stable: alerting and GitOps tools may match on them.
const (
	// ReasonAvailable: the object is Ready.
	ReasonAvailable = "Available"
	// ReasonReconcileSuccess: the last reconcile succeeded (Synced=True).
	ReasonReconcileSuccess = "ReconcileSuccess"
	// ReasonReconcileError: the last reconcile failed and will be retried with backoff (Synced=False).
	ReasonReconcileError = "ReconcileError"
	// ReasonPaused: the pause annotation is set; nothing is done until it is removed.
	ReasonPaused = "Paused"
	// ReasonProgressing: work is under way and the object is expected to become Ready without anyone acting.
	ReasonProgressing = "Progressing"
	// ReasonDeleting: the object is being deleted and its finalizer is cleaning up.
	ReasonDeleting = "Deleting"
	// ReasonDeletionBlocked: the object is being deleted, and its finalizer cannot clean up until a person
	// restores what it needs (for example the credentials an unlink uses) or lets it go (deletionPolicy Orphan).
	ReasonDeletionBlocked = "DeletionBlocked"
	// ReasonDependencyNotFound: a referenced object does not exist.
	ReasonDependencyNotFound = "DependencyNotFound"
	// ReasonDependencyNotReady: a referenced object exists but is not Ready.
	ReasonDependencyNotReady = "DependencyNotReady"
	// ReasonSubjectMismatch: the platform reports a subject other than the declared one.
	ReasonSubjectMismatch = "SubjectMismatch"
	// ReasonSubjectMatched: the platform reports the declared subject.
	ReasonSubjectMatched = "SubjectMatched"
	// ReasonVerificationRequired: the subject type requires WeChat verification and the account lacks it.
	ReasonVerificationRequired = "VerificationRequired"
	// ReasonWithinQuota: an AssociationLink fits every quota of its owners.
	ReasonWithinQuota = "WithinQuota"
	// ReasonQuotaExceeded: an AssociationLink is queued behind a full quota; it is admitted automatically
	// when a slot frees.
	ReasonQuotaExceeded = "QuotaExceeded"
	// ReasonMonthlyLimitReached: an AssociationLink is queued until the next WeChat month (UTC+8).
	ReasonMonthlyLimitReached = "MonthlyLimitReached"
	// ReasonAwaitingOfficialAccountAdmin: the platform waits for the Official Account's admin (status 12).
	ReasonAwaitingOfficialAccountAdmin = "AwaitingOfficialAccountAdmin"
	// ReasonAwaitingMiniProgramAdmin: the platform waits for the Mini Program's admin (status 2).
	ReasonAwaitingMiniProgramAdmin = "AwaitingMiniProgramAdmin"
	// ReasonRejected: the other side's admin rejected the association (status 3). Terminal.
	ReasonRejected = "Rejected"
	// ReasonActionRequired: only a person can take the next step, in a console named in the message.
	ReasonActionRequired = "ActionRequired"
	// ReasonObserveOnly: managementPolicy is ObserveOnly and the platform differs from the spec.
	ReasonObserveOnly = "ObserveOnly"
	// ReasonRuleViolation: a platform rule forbids the spec. Terminal until the object or a dependency changes.
	ReasonRuleViolation = "RuleViolation"
	// ReasonDuplicateLink: another AssociationLink of the namespace already declares the same two ends; this
	// one does nothing and never unlinks.
	ReasonDuplicateLink = "DuplicateLink"
	// ReasonUnknownPlatformState: the platform reported a link status WeChat does not document (such as 4);
	// wxlink treats it as not linked and does not act.
	ReasonUnknownPlatformState = "UnknownPlatformState"
	// ReasonConfirmedInConsole: a person confirmed, in spec.confirmedInConsole, that they made an association
	// that only a console can make; wxlink cannot observe it, so it cannot detect drift.
	ReasonConfirmedInConsole = "ConfirmedInConsole"
	// ReasonEligible: a Channels account and a Mini Program share a subject, so Channels abilities apply; the
	// platform offers no API to observe the binding itself.
	ReasonEligible = "Eligible"
	// ReasonDeclared: the account kind cannot be observed through the WeChat API that wxlink calls; its
	// declared facts are used, and status says so.
	ReasonDeclared = "Declared"
	// ReasonAccountTypeMismatch: spec.accountType differs from the type the platform reports.
	ReasonAccountTypeMismatch = "AccountTypeMismatch"
	// ReasonPrerequisitesMet: a binding's prerequisites (verification, the merchant's AppID limit) hold.
	ReasonPrerequisitesMet = "PrerequisitesMet"
	// ReasonVerifyTicketMissing: no component_verify_ticket has been received for a ThirdPartyPlatform config.
	ReasonVerifyTicketMissing = "VerifyTicketMissing"
	// ReasonVerifyTicketExpired: the latest component_verify_ticket is older than its 12-hour validity.
	ReasonVerifyTicketExpired = "VerifyTicketExpired"
	// ReasonOriginalIDRequired: the platform lists an Official Account's Mini Programs by original ID only (an
	// older wxamplinkget response) and wxlink does not know this Mini Program's: set spec.originalID of the
	// MiniProgram. wxlink does not act on the link until then.
	ReasonOriginalIDRequired = "OriginalIDRequired"
	// ReasonOverQuotaOnPlatform: an Official Account has more links on the platform than its quotas allow,
	// made outside wxlink (in the console); its queued links wait until enough are unlinked. The message
	// names them.
	ReasonOverQuotaOnPlatform = "OverQuotaOnPlatform"
	// ReasonCredentialsNotLabelled: a Secret that holds credentials has not opted in to wxlink with the label
	// wechat.wxlink.dev/credentials=true; the message gives the kubectl label command.
	ReasonCredentialsNotLabelled = "CredentialsNotLabelled"
	// ReasonEndpointNotAllowed: the PlatformConfig's endpoint is not among the manager's --allowed-endpoints.
	ReasonEndpointNotAllowed = "EndpointNotAllowed"
	// ReasonAwaitingStoreAdmin: wxlink generated a store partner invitation's QR code and the platform lists
	// no invitation yet: the store's admin scans the QR code (status.platform.invitationQRCode) in WeChat and
	// sends the invitation.
	ReasonAwaitingStoreAdmin = "AwaitingStoreAdmin"
	// ReasonInvitationTimedOut: the partner's admin let a store partner invitation time out (status 5);
	// wxlink invites again only when spec.store.reinviteAfterTimeout is true or the spec changes.
	ReasonInvitationTimedOut = "InvitationTimedOut"
	// ReasonInvitationFailed: the platform reports that the partner's acceptance failed (status 6); wxlink
	// invites again when the spec changes.
	ReasonInvitationFailed = "InvitationFailed"
	// ReasonStoreAPIFailing: a ThirdPartyStore's token renewal or health check failed spec.failureThreshold
	// times in a row (default 3); the message gives the platform's last answer. It clears at the next success.
	ReasonStoreAPIFailing = "StoreAPIFailing"
	// ReasonTokenPublicationFailed: the Secret named by spec.tokenPublication exists and was not created by
	// wxlink, or another object publishes into it; wxlink never overwrites it: name another Secret.
	ReasonTokenPublicationFailed = "TokenPublicationFailed"
)

// Event reasons, emitted for every platform mutation and every terminal decision.
const (
	// EventLinkRequested: wxlink asked the platform to make an association that now waits for a person (an admin's
	// confirmation); one made at once has only EventLinked.
	EventLinkRequested = "LinkRequested"
	// EventLinked: the platform reports the association in place.
	EventLinked = "Linked"
	// EventUnlinked: wxlink undid the association on the platform (deletionPolicy Delete).
	EventUnlinked = "Unlinked"
	// EventAdopted: an association that already existed on the platform was adopted, not duplicated.
	EventAdopted = "Adopted"
	// EventQueued: quota admission queued the link behind a full quota.
	EventQueued = "Queued"
	// EventAdmitted: a slot freed and quota admission admitted a queued link.
	EventAdmitted = "Admitted"
	// EventRejected: the other side's admin rejected the association.
	EventRejected = "Rejected"
	// EventDriftDetected: the platform no longer matches the spec (for example a link removed in the console).
	EventDriftDetected = "DriftDetected"
	// EventRuleViolation: a platform rule forbids the spec; nothing is retried until something changes.
	EventRuleViolation = "RuleViolation"
	// EventTesterBound: a tester was bound to a Mini Program.
	EventTesterBound = "TesterBound"
	// EventTesterUnbound: a tester was unbound from a Mini Program.
	EventTesterUnbound = "TesterUnbound"
	// EventOpenPlatformBound: an account was bound to an Open Platform account.
	EventOpenPlatformBound = "OpenPlatformBound"
	// EventUnlinkSkipped: deleting a link left the platform association in place, because another link still
	// declares it.
	EventUnlinkSkipped = "UnlinkSkipped"
	// EventOverQuotaOnPlatform: links made outside wxlink put an Official Account over its quota; the message
	// names them.
	EventOverQuotaOnPlatform = "OverQuotaOnPlatform"
	// EventPartnerInvited: wxlink invited an account as a WeChat Store's partner (合作账号).
	EventPartnerInvited = "PartnerInvited"
	// EventStoreTokenRenewed: wxlink obtained a new access token from a third-party store platform.
	EventStoreTokenRenewed = "StoreTokenRenewed"
	// EventStoreFailing: a ThirdPartyStore's renewals or health checks reached the failure threshold, or the
	// platform refused for good (a terminal error: the message says what to fix).
	EventStoreFailing = "StoreFailing"
	// EventStoreRecovered: a failing ThirdPartyStore's platform answered again.
	EventStoreRecovered = "StoreRecovered"
	// EventUnbindSkipped: deleting an OpenPlatformAccount could not unbind an account through the API; the
	// message says what to do by hand.
	EventUnbindSkipped = "UnbindSkipped"
)

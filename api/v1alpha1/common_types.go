// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PauseAnnotation, when set to "true" on any wxlink object, stops its reconciler from acting on it
// (the object still reports Ready=False with reason Paused) until the annotation is removed.
const PauseAnnotation = "wechat.wxlink.dev/paused"

// AnnotationRequestPending is the time at which wxlink recorded on an AssociationLink, before calling the
// platform, that it was about to ask for the association (as Crossplane records a pending external create).
// It is later than status.platform.requestedTime only while an answer is outstanding or was lost (a crash, a
// dropped connection): wxlink then counts that request as made until the platform's list shows whether it was.
// wxlink writes it; do not edit it.
const AnnotationRequestPending = "wechat.wxlink.dev/request-pending"

// AnnotationRequestListed is the platform's status of the association (wxamplinkget: 1, 2, 3, 12) that wxlink's
// read showed before the request of AnnotationRequestPending, absent when it was not listed: a rejection that
// was there before the request is not that request's. wxlink writes it; do not edit it.
const AnnotationRequestListed = "wechat.wxlink.dev/request-listed"

// AnnotationStorePartner is the partner a WeChat Store partner link invited, as "sharerType/sharerID",
// written with AnnotationRequestPending before the invitation: a deletion that comes before status records
// status.partnerID still cancels or unbinds it. wxlink writes it; do not edit it.
const AnnotationStorePartner = "wechat.wxlink.dev/store-partner"

// Finalizer is added to every wxlink object that acts on the platform, before any side effect.
const Finalizer = "wechat.wxlink.dev/finalizer"

// InUseFinalizer protects an OfficialAccount's credentials Secret and PlatformConfig while the account
// exists, so that deleting everything at once (kubectl delete -k, a GitOps prune) still lets its links
// unlink on the platform first. The last account that needs them removes it.
const InUseFinalizer = "wechat.wxlink.dev/in-use"

// SubjectType is the legal type of an account's subject (主体类型). It is fixed at registration.
// +kubebuilder:validation:Enum=Individual;Enterprise;IndividualBusiness;Government;Media;OtherOrganization;Overseas
type SubjectType string

// Subject types, as WeChat names them in its consoles.
const (
	// SubjectIndividual is a natural person (个人). It can never be verified.
	SubjectIndividual SubjectType = "Individual"
	// SubjectEnterprise is a company (企业). Verification is optional.
	SubjectEnterprise SubjectType = "Enterprise"
	// SubjectIndividualBusiness is a sole proprietorship (个体工商户). Verification is optional.
	SubjectIndividualBusiness SubjectType = "IndividualBusiness"
	// SubjectGovernment is a government body (政府). It must be verified.
	SubjectGovernment SubjectType = "Government"
	// SubjectMedia is a media organisation (媒体). It must be verified.
	SubjectMedia SubjectType = "Media"
	// SubjectOtherOrganization is any other organisation (其他组织). It must be verified.
	SubjectOtherOrganization SubjectType = "OtherOrganization"
	// SubjectOverseas is a subject registered outside mainland China. Overseas Mini Programs cannot be
	// associated with Official Accounts (errcode 89008).
	SubjectOverseas SubjectType = "Overseas"
)

// Subject is the legal entity (主体) an account is registered to.
type Subject struct {
	// name is the registered name of the subject, for example "深圳市示例科技有限公司".
	// Full-width and half-width parentheses compare equal.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// type is the legal type of the subject.
	// +required
	Type SubjectType `json:"type"`
}

// VerificationState is the state of an account's WeChat verification (微信认证) as the platform reports it.
// +kubebuilder:validation:Enum=Unverified;InProgress;Verified;Expired
type VerificationState string

// Verification states.
const (
	VerificationUnverified VerificationState = "Unverified"
	VerificationInProgress VerificationState = "InProgress"
	VerificationVerified   VerificationState = "Verified"
	// VerificationExpired means the annual review (年审) lapsed.
	VerificationExpired VerificationState = "Expired"
)

// DeletionPolicy says what happens on the platform when the object is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete undoes the association on the platform before the object goes away.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the platform as it is.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// ManagementPolicy says whether wxlink may write to the platform.
// +kubebuilder:validation:Enum=Full;ObserveOnly
type ManagementPolicy string

const (
	// ManagementPolicyFull observes the platform and acts on it to match the spec.
	ManagementPolicyFull ManagementPolicy = "Full"
	// ManagementPolicyObserveOnly never writes to the platform: it adopts and reports only.
	ManagementPolicyObserveOnly ManagementPolicy = "ObserveOnly"
)

// LocalObjectReference names another wxlink object in the same namespace.
type LocalObjectReference struct {
	// name of the referenced object, in the same namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of an object in the same namespace (lower-case letters, digits, '-' and '.'): references are namespace-local, so write the name alone, without a namespace/ prefix"
	Name string `json:"name"`
}

// SecretKeySelector selects one key of a Secret in the same namespace.
type SecretKeySelector struct {
	// name of the Secret, in the same namespace as the object that refers to it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of an object in the same namespace (lower-case letters, digits, '-' and '.'): references are namespace-local, so write the name alone, without a namespace/ prefix"
	Name string `json:"name"`

	// key within the Secret's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// AccountCredentials says where an account's own credentials live. Which key is read depends on the
// credentials route of the PlatformConfig: the AppSecret for the OwnSecret route, the authorizer refresh
// token for the ThirdPartyPlatform route. Credentials are read from Secrets only and never logged.
type AccountCredentials struct {
	// secretName is the Secret, in the same namespace, that holds the account's credentials.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of an object in the same namespace (lower-case letters, digits, '-' and '.'): references are namespace-local, so write the name alone, without a namespace/ prefix"
	SecretName string `json:"secretName"`

	// appSecretKey is the key holding the AppSecret (OwnSecret route).
	// +optional
	// +kubebuilder:default=appSecret
	// +kubebuilder:validation:MaxLength=253
	AppSecretKey string `json:"appSecretKey,omitempty"`

	// authorizerRefreshTokenKey is the key holding the authorizer_refresh_token that the account granted the
	// third-party platform (ThirdPartyPlatform route).
	// +optional
	// +kubebuilder:default=authorizerRefreshToken
	// +kubebuilder:validation:MaxLength=253
	AuthorizerRefreshTokenKey string `json:"authorizerRefreshTokenKey,omitempty"`
}

// TokenPublication asks wxlink's central token refresher (中控) to publish the account's current
// access_token into a Secret, so that the user's own workloads read it instead of refreshing it themselves.
type TokenPublication struct {
	// secretName is the Secret, in the same namespace, that wxlink writes with keys accessToken, expiresAt
	// and refreshAt (RFC 3339). wxlink replaces the token from refreshAt on, minutes before expiresAt:
	// readers should re-read the Secret after refreshAt.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of an object in the same namespace (lower-case letters, digits, '-' and '.'): references are namespace-local, so write the name alone, without a namespace/ prefix"
	SecretName string `json:"secretName"`
}

// AccountSpec is what every account kind declares: which account, where its credentials are, and which
// subject it is expected to belong to.
type AccountSpec struct {
	// platformConfigRef names the PlatformConfig (endpoint, credentials route, API budget) to use.
	// +required
	PlatformConfigRef LocalObjectReference `json:"platformConfigRef"`

	// credentials says where the account's own credentials live.
	// +optional
	Credentials *AccountCredentials `json:"credentials,omitempty"`

	// subject is the subject the account is expected to belong to. A different subject on the platform is
	// reported with condition SubjectMatched=False; the subject of an account can never change.
	// +required
	Subject Subject `json:"subject"`
}

// ObservedAccount is what the platform reports about an account.
type ObservedAccount struct {
	// subject as the platform reports it.
	// +optional
	Subject *Subject `json:"subject,omitempty"`

	// verification as the platform reports it.
	// +optional
	Verification VerificationState `json:"verification,omitempty"`

	// nickname is the account's display name.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Nickname string `json:"nickname,omitempty"`

	// lastObservedTime is when the platform was last read successfully.
	// +optional
	LastObservedTime *metav1.Time `json:"lastObservedTime,omitempty"`
}

// StatusBase is embedded in every kind's status.
type StatusBase struct {
	// observedGeneration is the metadata.generation this status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions describe the state of the object. Ready is kstatus-compatible; Synced says whether the last
	// reconcile succeeded.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// MonthlyCount counts new associations made in one WeChat month (calendar month in Beijing time, UTC+8).
// It lives in status so that it survives operator restarts and the deletion of the links it counts.
type MonthlyCount struct {
	// month is the WeChat month, as YYYY-MM in Beijing time.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])$`
	Month string `json:"month"`

	// count of new associations made in that month.
	// +required
	// +kubebuilder:validation:Minimum=0
	Count int32 `json:"count"`
}

// LedgerEntry is the monthly count of a deleted AssociationLink, kept by its owners.
type LedgerEntry struct {
	// uid of the deleted AssociationLink: one entry per link, whatever the retries.
	// +required
	// +kubebuilder:validation:MaxLength=64
	UID string `json:"uid"`
	// link is the name of the deleted AssociationLink, for people.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Link string `json:"link,omitempty"`
	// month is the WeChat month, as YYYY-MM in Beijing time.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-(0[1-9]|1[0-2])$`
	Month string `json:"month"`
	// count of new associations the link made in that month.
	// +required
	// +kubebuilder:validation:Minimum=0
	Count int32 `json:"count"`
}

// AppID identifies a WeChat account (Official Account, Mini Program, store, Open Platform or third-party
// platform): "wx" followed by 16 lowercase hexadecimal characters.
// +kubebuilder:validation:MaxLength=64
// +kubebuilder:validation:XValidation:rule="self.matches('^wx[0-9a-f]{16}$')",messageExpression="'\"' + self + '\" is not a WeChat AppID: an AppID is \"wx\" followed by 16 lowercase hexadecimal characters, for example wx1234567890abcdef; copy it from the account console (设置与开发 → 基本配置)'"
type AppID string

// MerchantID is a WeChat Pay merchant ID (商户号, mchid): 8 to 10 digits, not starting with 0.
// +kubebuilder:validation:MaxLength=32
// +kubebuilder:validation:XValidation:rule="self.matches('^[1-9][0-9]{7,9}$')",messageExpression="'\"' + self + '\" is not a WeChat Pay merchant ID: a merchant ID (商户号) is 8 to 10 digits, for example 1230000109; quote it in YAML so that it stays a string'"
type MerchantID string

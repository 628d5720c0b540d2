// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OfficialAccountType is the kind of Official Account.
// +kubebuilder:validation:Enum=Subscription;Service
type OfficialAccountType string

const (
	// OfficialAccountSubscription is a subscription account (订阅号).
	OfficialAccountSubscription OfficialAccountType = "Subscription"
	// OfficialAccountService is a service account (服务号).
	OfficialAccountService OfficialAccountType = "Service"
)

// OfficialAccountSpec declares an existing Official Account (公众号/服务号).
//
// +kubebuilder:validation:XValidation:rule="!has(self.tokenPublication) || !has(self.credentials) || self.tokenPublication.secretName != self.credentials.secretName",message="tokenPublication.secretName must differ from credentials.secretName: wxlink writes the published token into its own Secret"
type OfficialAccountSpec struct {
	// appID of the Official Account: "wx" followed by 16 hexadecimal characters. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="appID is immutable: an object names one account for its whole life; create a new object for another account"
	AppID AppID `json:"appID"`

	// accountType is the expected type of the account. When set, a different type on the platform is reported.
	// +optional
	AccountType OfficialAccountType `json:"accountType,omitempty"`

	AccountSpec `json:",inline"`

	// originalID is the Official Account's original ID (原始ID): "gh_" followed by 12 hexadecimal characters,
	// shown at mp.weixin.qq.com → 设置与开发 → 公众号设置 → 原始ID. A WeChat Store names its partner accounts by
	// it; on the OwnSecret route the platform does not report it, so set it for a store partner link
	// (StoreToOfficialAccount). wxlink also learns it wherever the platform shows it (status.username).
	// +optional
	// +kubebuilder:validation:Pattern=`^gh_[0-9a-f]{12}$`
	OriginalID string `json:"originalID,omitempty"`

	// tokenPublication publishes the account's current access_token into a Secret for other workloads.
	// +optional
	TokenPublication *TokenPublication `json:"tokenPublication,omitempty"`
}

// OfficialAccountQuota is the Official Account's use of its association quotas. The numbers count every
// Mini Program linked or pending on the platform, including links made by hand in the console.
type OfficialAccountQuota struct {
	// sameSubject is the use of the same-subject quota, as "used/limit" (for example "7/10").
	// +optional
	SameSubject string `json:"sameSubject,omitempty"`
	// otherSubject is the use of the other-subject quota, as "used/limit" (for example "2/3").
	// +optional
	OtherSubject string `json:"otherSubject,omitempty"`
	// thisMonth is the use of this WeChat month's new-association allowance, as "used/limit" (for example "5/13").
	// +optional
	ThisMonth string `json:"thisMonth,omitempty"`
	// queued is the number of AssociationLinks waiting for a slot.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Queued int32 `json:"queued,omitempty"`
}

// OfficialAccountStatus is what wxlink observed about the Official Account.
type OfficialAccountStatus struct {
	StatusBase `json:",inline"`

	ObservedAccount `json:",inline"`

	// accountType as the platform reports it.
	// +optional
	AccountType OfficialAccountType `json:"accountType,omitempty"`

	// username is the account's original ID (原始ID, gh_…), which older platform responses use instead of the AppID.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Username string `json:"username,omitempty"`

	// quota is the use of the association quotas.
	// +optional
	Quota OfficialAccountQuota `json:"quota,omitempty"`

	// linkedMiniPrograms are the Mini Programs the platform lists as linked to the account or awaiting an
	// admin, by AppID (or by original ID, gh_…, where the platform gives no AppID), including links made in
	// the console: a Mini Program's linkedBy counts them.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MaxLength=64
	LinkedMiniPrograms []string `json:"linkedMiniPrograms,omitempty"`

	// monthlyLinks is the count of new associations that wxlink versions before v1alpha1's monthly ledger kept
	// here. It is read (for its own month) and never written: the month's use is now derived from the links'
	// own records (status.monthlyRequests) and monthlyLedger.
	// +optional
	MonthlyLinks *MonthlyCount `json:"monthlyLinks,omitempty"`

	// monthlyLedger keeps, for the rest of their WeChat month, the new associations made by links that have
	// since been deleted, one entry per link, so that deleting and re-creating links cannot reset the month.
	// It is written only when such a link is deleted.
	// +optional
	// +listType=map
	// +listMapKey=uid
	// +kubebuilder:validation:MaxItems=1000
	MonthlyLedger []LedgerEntry `json:"monthlyLedger,omitempty"`
}

// OfficialAccount is an existing WeChat Official Account (公众号/服务号) that wxlink observes and links from.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=oa,categories=wechat
// +kubebuilder:printcolumn:name="AppID",type=string,JSONPath=`.spec.appID`
// +kubebuilder:printcolumn:name="Subject",type=string,JSONPath=`.spec.subject.name`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.status.verification`
// +kubebuilder:printcolumn:name="Same",type=string,JSONPath=`.status.quota.sameSubject`
// +kubebuilder:printcolumn:name="Other",type=string,JSONPath=`.status.quota.otherSubject`
// +kubebuilder:printcolumn:name="Month",type=string,JSONPath=`.status.quota.thisMonth`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type OfficialAccount struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec OfficialAccountSpec `json:"spec"`
	// +optional
	Status OfficialAccountStatus `json:"status,omitempty"`
}

// OfficialAccountList is a list of OfficialAccounts.
//
// +kubebuilder:object:root=true
type OfficialAccountList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OfficialAccount `json:"items"`
}

func init() {
	register(&OfficialAccount{}, &OfficialAccountList{})
}

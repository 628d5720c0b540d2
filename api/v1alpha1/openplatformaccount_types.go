// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OpenPlatformMember is an account bound to the Open Platform account.
type OpenPlatformMember struct {
	// kind of the bound account.
	// +required
	// +kubebuilder:validation:Enum=OfficialAccount;MiniProgram
	Kind AccountKind `json:"kind"`

	// name of the account object, in the same namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// OpenPlatformAccountSpec declares an Open Platform account (开放平台帐号) and the accounts bound to it, so that
// they all see one UnionID per user.
//
// +kubebuilder:validation:XValidation:rule="has(self.openAppID) || size(self.accounts) > 0",message="set openAppID to adopt an existing Open Platform account, or list at least one account in accounts: wxlink creates the Open Platform account through the first one"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.openAppID) || has(self.openAppID)",message="openAppID cannot be removed once set"
type OpenPlatformAccountSpec struct {
	// openAppID of an existing Open Platform account to adopt. When unset, wxlink creates one through the first
	// account in accounts (cgi-bin/open/create); such an account starts unverified and binds at most 5
	// same-subject accounts. Once set it cannot change.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="openAppID is immutable: an account can be bound to only one Open Platform account at a time"
	OpenAppID AppID `json:"openAppID,omitempty"`

	// platformConfigRef names the PlatformConfig to use; the open/* APIs need the third-party platform route.
	// +required
	PlatformConfigRef LocalObjectReference `json:"platformConfigRef"`

	// accounts to bind. The platform allows at most 100, all of the Open Platform account's subject.
	// +optional
	// +listType=map
	// +listMapKey=kind
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	Accounts []OpenPlatformMember `json:"accounts,omitempty"`

	// deletionPolicy Delete unbinds the accounts (possible only for an Open Platform account created by API);
	// Orphan leaves them bound.
	// +optional
	// +kubebuilder:default=Orphan
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy Full creates and binds; ObserveOnly only reports.
	// +optional
	// +kubebuilder:default=Full
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`
}

// OpenPlatformBoundAccount is an account's binding as observed.
type OpenPlatformBoundAccount struct {
	// kind of the account.
	// +required
	Kind AccountKind `json:"kind"`
	// name of the account object.
	// +required
	Name string `json:"name"`
	// appID of the account.
	// +optional
	AppID string `json:"appID,omitempty"`
	// bound is true when the platform reports the account bound to this Open Platform account.
	// +optional
	Bound bool `json:"bound,omitempty"`
	// message explains why the account is not bound, when it is not.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}

// OpenPlatformAccountStatus is the observed state of the Open Platform account.
type OpenPlatformAccountStatus struct {
	StatusBase `json:",inline"`

	// openAppID of the Open Platform account, adopted or created.
	// +optional
	OpenAppID string `json:"openAppID,omitempty"`

	// developerVerified is true when the account completed developer verification (开发者资质认证), which it needs
	// before it binds Mini Programs.
	// +optional
	DeveloperVerified *bool `json:"developerVerified,omitempty"`

	// createdByAPI is true when the Open Platform account was created through cgi-bin/open/create.
	// +optional
	CreatedByAPI *bool `json:"createdByAPI,omitempty"`

	// bound is the number of bound accounts against the platform's limit, as "count/limit".
	// +optional
	Bound string `json:"bound,omitempty"`

	// accounts lists each declared account's binding.
	// +optional
	// +listType=map
	// +listMapKey=kind
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	Accounts []OpenPlatformBoundAccount `json:"accounts,omitempty"`
}

// OpenPlatformAccount is a WeChat Open Platform account (开放平台) that unifies users' UnionID across the accounts
// bound to it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=opa,categories=wechat
// +kubebuilder:printcolumn:name="OpenAppID",type=string,JSONPath=`.status.openAppID`
// +kubebuilder:printcolumn:name="Bound",type=string,JSONPath=`.status.bound`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type OpenPlatformAccount struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec OpenPlatformAccountSpec `json:"spec"`
	// +optional
	Status OpenPlatformAccountStatus `json:"status,omitempty"`
}

// OpenPlatformAccountList is a list of OpenPlatformAccounts.
//
// +kubebuilder:object:root=true
type OpenPlatformAccountList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OpenPlatformAccount `json:"items"`
}

func init() {
	register(&OpenPlatformAccount{}, &OpenPlatformAccountList{})
}

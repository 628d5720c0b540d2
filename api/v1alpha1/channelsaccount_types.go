// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ChannelsAccountSpec declares an existing Channels account (视频号).
type ChannelsAccountSpec struct {
	// finderID is the Channels account's ID (视频号ID), which starts with "sph". Immutable.
	// +required
	// +kubebuilder:validation:Pattern=`^sph[0-9A-Za-z_-]{3,61}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="finderID is immutable: an object names one account for its whole life; create a new object for another account"
	FinderID string `json:"finderID"`

	// platformConfigRef names the PlatformConfig to use.
	// +required
	PlatformConfigRef LocalObjectReference `json:"platformConfigRef"`

	// subject is the subject the account is expected to belong to. Channels abilities towards a Mini Program
	// need the same subject (or an associated subject on the Mini Program's Open Platform account).
	// +required
	Subject Subject `json:"subject"`
}

// ChannelsAccountStatus is what wxlink observed about the Channels account.
type ChannelsAccountStatus struct {
	StatusBase `json:",inline"`

	ObservedAccount `json:",inline"`

	// showcaseEnabled is true when the product showcase (商品橱窗) is open; store bindings need it and an
	// enterprise-verified account.
	// +optional
	ShowcaseEnabled *bool `json:"showcaseEnabled,omitempty"`
}

// ChannelsAccount is an existing WeChat Channels account (视频号) that links can point at.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ch,categories=wechat
// +kubebuilder:printcolumn:name="FinderID",type=string,JSONPath=`.spec.finderID`
// +kubebuilder:printcolumn:name="Subject",type=string,JSONPath=`.spec.subject.name`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.status.verification`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type ChannelsAccount struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec ChannelsAccountSpec `json:"spec"`
	// +optional
	Status ChannelsAccountStatus `json:"status,omitempty"`
}

// ChannelsAccountList is a list of ChannelsAccounts.
//
// +kubebuilder:object:root=true
type ChannelsAccountList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ChannelsAccount `json:"items"`
}

func init() {
	register(&ChannelsAccount{}, &ChannelsAccountList{})
}

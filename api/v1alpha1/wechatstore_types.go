// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WeChatStoreSpec declares an existing WeChat Store (微信小店).
type WeChatStoreSpec struct {
	// appID of the store: "wx" followed by 16 hexadecimal characters. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="appID is immutable: an object names one store for its whole life; create a new object for another store"
	AppID AppID `json:"appID"`

	AccountSpec `json:",inline"`
}

// WeChatStoreStatus is what wxlink observed about the store.
type WeChatStoreStatus struct {
	StatusBase `json:",inline"`

	ObservedAccount `json:",inline"`

	// partners is the number of partner accounts (合作账号) bound to the store.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Partners int32 `json:"partners,omitempty"`
}

// WeChatStore is an existing WeChat Store (微信小店) that can be associated with Channels, Official Accounts,
// WeCom and Mini Programs.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=store,categories=wechat
// +kubebuilder:printcolumn:name="AppID",type=string,JSONPath=`.spec.appID`
// +kubebuilder:printcolumn:name="Subject",type=string,JSONPath=`.spec.subject.name`
// +kubebuilder:printcolumn:name="Partners",type=integer,JSONPath=`.status.partners`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type WeChatStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec WeChatStoreSpec `json:"spec"`
	// +optional
	Status WeChatStoreStatus `json:"status,omitempty"`
}

// WeChatStoreList is a list of WeChatStores.
//
// +kubebuilder:object:root=true
type WeChatStoreList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WeChatStore `json:"items"`
}

func init() {
	register(&WeChatStore{}, &WeChatStoreList{})
}

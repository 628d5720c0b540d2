// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MerchantBindingSpec declares that a WeChat Pay merchant (商户号) is bound to a Mini Program or an Official
// Account. The binding is made by people: the merchant links the AppID on the merchant platform and the
// account's admin confirms in its console. wxlink checks the prerequisites, says who must act and where,
// and observes the result. WeChat Pay bindings cannot be undone, so deletion always orphans.
//
// +kubebuilder:validation:XValidation:rule="self.target.kind in ['MiniProgram', 'OfficialAccount']",message="target.kind must be MiniProgram or OfficialAccount: only those accounts can take WeChat Pay",fieldPath=.target.kind
type MerchantBindingSpec struct {
	// merchantID is the WeChat Pay merchant ID (商户号, mchid): 8 to 10 digits, for example 1230000109. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="merchantID is immutable: delete the binding and create a new one"
	MerchantID MerchantID `json:"merchantID"`

	// target is the account the merchant is bound to. Immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="target is immutable: delete the binding and create a new one"
	Target AccountReference `json:"target"`

	// deletionPolicy must be Orphan: WeChat Pay has no unbinding, so deleting the object leaves the binding in place.
	// +optional
	// +kubebuilder:default=Orphan
	// +kubebuilder:validation:XValidation:rule="self == 'Orphan'",message="deletionPolicy must be Orphan: a WeChat Pay merchant binding cannot be undone on the platform, so wxlink will not pretend to delete it"
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// MerchantBindingState is the state of the binding on the platform.
// +kubebuilder:validation:Enum=PrerequisitesMissing;AwaitingMerchant;AwaitingAccountAdmin;Bound;Expired
type MerchantBindingState string

// Merchant binding states.
const (
	MerchantBindingPrerequisitesMissing MerchantBindingState = "PrerequisitesMissing"
	// MerchantBindingAwaitingMerchant: the merchant has not yet linked the AppID on the merchant platform.
	MerchantBindingAwaitingMerchant MerchantBindingState = "AwaitingMerchant"
	// MerchantBindingAwaitingAccountAdmin: the account's admin must confirm within 7 days.
	MerchantBindingAwaitingAccountAdmin MerchantBindingState = "AwaitingAccountAdmin"
	MerchantBindingBound                MerchantBindingState = "Bound"
	// MerchantBindingExpired: the request was not confirmed within 7 days; the merchant must request again.
	MerchantBindingExpired MerchantBindingState = "Expired"
)

// MerchantBindingStatus is the observed state of the binding.
type MerchantBindingStatus struct {
	StatusBase `json:",inline"`

	// appID of the target account, resolved from the reference.
	// +optional
	AppID string `json:"appID,omitempty"`

	// state of the binding.
	// +optional
	State MerchantBindingState `json:"state,omitempty"`

	// requestedTime is when the merchant's request was first seen; it expires 7 days later.
	// +optional
	RequestedTime *metav1.Time `json:"requestedTime,omitempty"`

	// boundTime is when the binding was first seen in place.
	// +optional
	BoundTime *metav1.Time `json:"boundTime,omitempty"`
}

// MerchantBinding binds a WeChat Pay merchant (商户号) to a Mini Program or Official Account.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mb,categories=wechat
// +kubebuilder:printcolumn:name="Merchant",type=string,JSONPath=`.spec.merchantID`
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.spec.target.name`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type MerchantBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec MerchantBindingSpec `json:"spec"`
	// +optional
	Status MerchantBindingStatus `json:"status,omitempty"`
}

// MerchantBindingList is a list of MerchantBindings.
//
// +kubebuilder:object:root=true
type MerchantBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MerchantBinding `json:"items"`
}

func init() {
	register(&MerchantBinding{}, &MerchantBindingList{})
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WeComCorpSpec declares an existing WeCom corp (企业微信).
type WeComCorpSpec struct {
	// corpID of the corp: "ww" (or, for older corps, "wx") followed by 16 hexadecimal characters. Immutable.
	// +required
	// +kubebuilder:validation:Pattern=`^w[wx][0-9a-f]{16}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="corpID is immutable: an object names one corp for its whole life; create a new object for another corp"
	CorpID string `json:"corpID"`

	// platformConfigRef names the PlatformConfig to use; WeCom is served from its own host (qyapi.weixin.qq.com).
	// +required
	PlatformConfigRef LocalObjectReference `json:"platformConfigRef"`

	// secretRef selects the corp secret (corpsecret) of the app wxlink uses to observe the corp's Mini Program
	// apps (cgi-bin/agent/get).
	// +optional
	SecretRef *SecretKeySelector `json:"secretRef,omitempty"`

	// subject is the subject the corp is expected to belong to.
	// +required
	Subject Subject `json:"subject"`
}

// WeComCorpStatus is what wxlink observed about the corp.
type WeComCorpStatus struct {
	StatusBase `json:",inline"`

	ObservedAccount `json:",inline"`

	// associatedMiniPrograms is the number of Mini Programs the corp shows as apps.
	// +optional
	// +kubebuilder:validation:Minimum=0
	AssociatedMiniPrograms int32 `json:"associatedMiniPrograms,omitempty"`
}

// WeComCorp is an existing WeCom corp (企业微信) that Mini Programs and stores can be associated with.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wecom,categories=wechat
// +kubebuilder:printcolumn:name="CorpID",type=string,JSONPath=`.spec.corpID`
// +kubebuilder:printcolumn:name="Subject",type=string,JSONPath=`.spec.subject.name`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.status.verification`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type WeComCorp struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec WeComCorpSpec `json:"spec"`
	// +optional
	Status WeComCorpStatus `json:"status,omitempty"`
}

// WeComCorpList is a list of WeComCorps.
//
// +kubebuilder:object:root=true
type WeComCorpList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WeComCorp `json:"items"`
}

func init() {
	register(&WeComCorp{}, &WeComCorpList{})
}

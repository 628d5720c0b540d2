// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package v1alpha1 contains the wxlink API: WeChat accounts and the associations between them,
// declared as Kubernetes objects in the group wechat.wxlink.dev.
//
// +kubebuilder:object:generate=true
// +groupName=wechat.wxlink.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every wxlink kind.
	GroupVersion = schema.GroupVersion{Group: "wechat.wxlink.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the wxlink kinds with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the wxlink kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// knownTypes is filled by each kind's init function.
var knownTypes []runtime.Object

// register records a kind and its list type for addKnownTypes.
func register(objs ...runtime.Object) {
	knownTypes = append(knownTypes, objs...)
}

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, knownTypes...)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

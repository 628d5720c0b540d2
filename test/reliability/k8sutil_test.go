// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

func objectMeta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}

// readyTrue is 1 when the Ready condition is True.
func readyTrue(conds []metav1.Condition) int {
	if meta.IsStatusConditionTrue(conds, wx.ConditionReady) {
		return 1
	}
	return 0
}

// reason is the reason of a condition, "" when it is missing.
func reason(conds []metav1.Condition, typ string) string {
	if c := meta.FindStatusCondition(conds, typ); c != nil {
		return c.Reason
	}
	return ""
}

// message is the message of a condition.
func message(conds []metav1.Condition, typ string) string {
	if c := meta.FindStatusCondition(conds, typ); c != nil {
		return c.Message
	}
	return ""
}

// forEachObject calls f with each item of a list.
func forEachObject(list client.ObjectList, f func(client.Object)) {
	items, err := meta.ExtractList(list)
	if err != nil {
		return
	}
	for _, it := range items {
		if o, ok := it.(client.Object); ok {
			f(o)
		}
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// dependencyError is a missing or unready reference: Ready=False with a dependency reason and a requeue at
// the pending interval, not an error (so no exponential error storm).
type dependencyError struct {
	reason  string
	message string
}

func (e *dependencyError) Error() string { return e.message }

func notFound(kind, ns, name string) error {
	return &dependencyError{wx.ReasonDependencyNotFound,
		fmt.Sprintf("%s %s/%s does not exist: create it, or fix the reference", kind, ns, name)}
}

func notReady(kind, ns, name string, cond *metav1.Condition) error {
	why := "it has not been observed yet"
	if cond != nil {
		why = fmt.Sprintf("it is not Ready (%s: %s)", cond.Reason, cond.Message)
	}
	return &dependencyError{wx.ReasonDependencyNotReady, fmt.Sprintf("%s %s/%s: %s", kind, ns, name, why)}
}

func asDependency(err error) (*dependencyError, bool) {
	var d *dependencyError
	return d, errors.As(err, &d)
}

// getRef reads a referenced object, turning NotFound into a dependencyError.
func getRef(ctx context.Context, c client.Reader, ns, name, kind string, obj client.Object) error {
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return notFound(kind, ns, name)
		}
		return err
	}
	return nil
}

// isReady reports the Ready condition of a dependency observed at its current generation.
func isReady(obj conditioned) (bool, *metav1.Condition) {
	c := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == obj.GetGeneration(), c
}

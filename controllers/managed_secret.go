// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// ManagedByLabel marks the Secrets wxlink creates (published tokens, verify tickets). wxlink never writes
// to a Secret without it, so a name that collides with the user's own Secret cannot overwrite it.
const ManagedByLabel = "app.kubernetes.io/managed-by"

// ManagedByValue is the value of ManagedByLabel on Secrets wxlink creates.
const ManagedByValue = "wxlink"

// errForeignSecret and errSecretTaken are writeManagedSecret's refusals: it never writes into a Secret that
// wxlink did not create, nor into one that another wxlink object writes.
var (
	errForeignSecret = errors.New("exists and was not created by wxlink: choose another name")
	errSecretTaken   = errors.New("choose another name")
)

// writeManagedSecret creates or updates a Secret that wxlink owns (labelled, owned by owner). It refuses a
// Secret that exists without wxlink's label, or that another object owns, instead of overwriting someone
// else's data; it writes only what changed.
//
// mayCreate, when set, is asked before the Secret is created: when several objects name one Secret, only
// one of them may create it again after it is deleted, or whoever reconciles first would take it over.
func writeManagedSecret(ctx context.Context, c client.Client, owner client.Object, name string, data map[string][]byte,
	mayCreate func(context.Context) error) error {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: owner.GetNamespace(), Name: name}}
	err := c.Get(ctx, client.ObjectKeyFromObject(s), s)
	switch {
	case apierrors.IsNotFound(err):
		if mayCreate != nil {
			if err := mayCreate(ctx); err != nil {
				return err
			}
		}
		s.Labels = map[string]string{ManagedByLabel: ManagedByValue}
		s.Type = corev1.SecretTypeOpaque
		s.Data = data
		if err := controllerutil.SetOwnerReference(owner, s, c.Scheme()); err != nil {
			return err
		}
		return c.Create(ctx, s)
	case err != nil:
		return err
	case s.Labels[ManagedByLabel] != ManagedByValue:
		return fmt.Errorf("the Secret %s/%s %w", s.Namespace, s.Name, errForeignSecret)
	}
	gvk, err := apiutil.GVKForObject(owner, c.Scheme())
	if err != nil {
		return err
	}
	for _, ref := range s.OwnerReferences {
		if ref.UID != owner.GetUID() && (ref.Kind != gvk.Kind || ref.Name != owner.GetName()) {
			return fmt.Errorf("the Secret %s/%s is written by %s %s: %w", s.Namespace, s.Name, ref.Kind, ref.Name, errSecretTaken)
		}
	}
	orig := s.DeepCopy()
	// An owner deleted and created again under the same name takes its Secret back.
	if err := controllerutil.SetOwnerReference(owner, s, c.Scheme()); err != nil {
		return err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	changed := !equality.Semantic.DeepEqual(orig.OwnerReferences, s.OwnerReferences)
	for k, v := range data {
		if !bytes.Equal(s.Data[k], v) {
			s.Data[k], changed = v, true
		}
	}
	if !changed {
		return nil
	}
	return c.Patch(ctx, s, client.MergeFrom(orig))
}

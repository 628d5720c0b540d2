// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// The in-use finalizer (wx.InUseFinalizer) keeps the credentials Secret and PlatformConfig of an
// OfficialAccount or a WeChatStore while any of them names them, so that their links can still unlink (or
// cancel and unbind a store partner) with them when deleted.

// inUse lists what an OfficialAccount's links need in order to unlink: its credentials Secret and its
// PlatformConfig.
func inUse(oa *wx.OfficialAccount) []client.Object {
	return inUseOf(oa.Namespace, &oa.Spec.AccountSpec)
}

// inUseOf lists the credentials Secret and the PlatformConfig of an account's spec.
func inUseOf(ns string, spec *wx.AccountSpec) []client.Object {
	objs := []client.Object{&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: spec.PlatformConfigRef.Name}}}
	if spec.Credentials != nil {
		s := secretMetadata()
		s.Namespace, s.Name = ns, spec.Credentials.SecretName
		objs = append(objs, s)
	}
	return objs
}

// cache reads objects, Secret metadata included, from the manager's cache.
func (r *OfficialAccountReconciler) cache() client.Reader {
	if r.Cache != nil {
		return r.Cache
	}
	return r.Client
}

// protect puts the in-use finalizer on the account's credentials Secret and PlatformConfig.
func (r *OfficialAccountReconciler) protect(ctx context.Context, oa *wx.OfficialAccount) error {
	return protectInUse(ctx, r.Client, r.cache(), inUse(oa))
}

// protectInUse puts the in-use finalizer on objs (read from cache). A Secret is read and patched as metadata
// only, and only when it opted in to wxlink (CredentialsLabel).
func protectInUse(ctx context.Context, c client.Client, cache client.Reader, objs []client.Object) error {
	for _, obj := range objs {
		if err := cache.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			if apierrors.IsNotFound(err) {
				continue // reported as a missing dependency by observe
			}
			return err
		}
		if _, isSecret := obj.(*metav1.PartialObjectMetadata); isSecret && obj.GetLabels()[CredentialsLabel] != CredentialsLabelValue {
			continue // not opted in: observe says so, and wxlink writes nothing to it
		}
		if !obj.GetDeletionTimestamp().IsZero() || controllerutil.ContainsFinalizer(obj, wx.InUseFinalizer) {
			continue
		}
		orig := obj.DeepCopyObject().(client.Object)
		controllerutil.AddFinalizer(obj, wx.InUseFinalizer)
		// With an optimistic lock: the patch replaces the whole list of finalizers, which may have changed
		// since the cache read (a Conflict is requeued).
		if err := c.Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
			return err
		}
	}
	return nil
}

// sweepInUse runs when an OfficialAccount is gone (or for sweepName, which a WeChatStore's deletion asks
// for): it removes the in-use finalizer from every Secret and PlatformConfig of the namespace that no
// remaining OfficialAccount or WeChatStore names. It runs after the
// account is gone, not in its finalizer: accounts deleted together, sharing a PlatformConfig, would each see
// the other still present there and leave the finalizer to it; the last one's sweep sees that nothing
// needs them.
func (r *OfficialAccountReconciler) sweepInUse(ctx context.Context, ns string) error {
	return sweepInUse(ctx, r.Client, r.APIReader, r.cache(), ns)
}

// sweepInUse removes the in-use finalizers that nothing needs any more (see the method).
func sweepInUse(ctx context.Context, c client.Client, api, cache client.Reader, ns string) error {
	// From the API server: an account created moments ago may not be in the cache yet.
	oas := &wx.OfficialAccountList{}
	if err := api.List(ctx, oas, client.InNamespace(ns)); err != nil {
		return err
	}
	stores := &wx.WeChatStoreList{}
	if err := api.List(ctx, stores, client.InNamespace(ns)); err != nil {
		return err
	}
	needed := map[string]bool{}
	specs := make([]*wx.AccountSpec, 0, len(oas.Items)+len(stores.Items))
	for i := range oas.Items {
		specs = append(specs, &oas.Items[i].Spec.AccountSpec)
	}
	for i := range stores.Items {
		specs = append(specs, &stores.Items[i].Spec.AccountSpec)
	}
	for _, spec := range specs {
		for _, o := range inUseOf(ns, spec) {
			needed[fmt.Sprintf("%T/%s", o, o.GetName())] = true
		}
	}
	pcs, secrets := &wx.PlatformConfigList{}, &metav1.PartialObjectMetadataList{}
	secrets.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
	if err := c.List(ctx, pcs, client.InNamespace(ns)); err != nil {
		return err
	}
	if err := cache.List(ctx, secrets, client.InNamespace(ns)); err != nil {
		return err
	}
	var held []client.Object
	for i := range pcs.Items {
		held = append(held, &pcs.Items[i])
	}
	for i := range secrets.Items {
		held = append(held, &secrets.Items[i])
	}
	for _, obj := range held {
		if !controllerutil.ContainsFinalizer(obj, wx.InUseFinalizer) || needed[fmt.Sprintf("%T/%s", obj, obj.GetName())] {
			continue
		}
		orig := obj.DeepCopyObject().(client.Object)
		controllerutil.RemoveFinalizer(obj, wx.InUseFinalizer)
		// With an optimistic lock: the patch replaces the whole list of finalizers, which may have changed
		// since the cache read (a Conflict is requeued).
		if err := c.Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil &&
			!apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// sweepName names the reconcile request that sweeps a namespace's in-use finalizers. It is not a valid
// object name, so no OfficialAccount has it: its reconcile finds no account and sweeps.
const sweepName = "~in-use-sweep"

// sweepIfHeld asks for a sweep when a PlatformConfig or Secret is being deleted and still carries the in-use
// finalizer: after a manager restart, no account's deletion event may be left to bring one.
func sweepIfHeld(_ context.Context, o client.Object) []reconcile.Request {
	if o.GetDeletionTimestamp().IsZero() || !controllerutil.ContainsFinalizer(o, wx.InUseFinalizer) {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: sweepName}}}
}

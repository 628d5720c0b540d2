// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// lifecycle is the opening every reconciler shares, in one order: read the object (or handle its absence);
// honour the pause annotation (a paused object is left as it is, even while it is being deleted); hand an
// object being deleted to its finalize step; add the finalizer before any side effect; run the kind's own
// steps; and end every outcome in one status patch.
type lifecycle[T conditioned] struct {
	client client.Client
	// reader reads the object: the API server for kinds whose reconcile may call the platform on what the
	// previous reconcile recorded, the cache otherwise.
	reader client.Reader
	newObj func() T
	// finalizer: the kind holds wx.Finalizer to undo something when deleted.
	finalizer bool
	// finalizerWithSideEffect: the kind adds the finalizer itself, in the same write as the record of its
	// first side effect (a link: with the record of its first request), not in a write of its own first.
	finalizerWithSideEffect bool
	opts                    Options
	// gone runs when the object no longer exists (nil: nothing to do).
	gone func(ctx context.Context, req ctrl.Request) (ctrl.Result, error)
	// finalize undoes what the object did (nil: nothing). done lets the finalizer go; otherwise res and err
	// are reported in status, and the object is reconciled again.
	finalize func(ctx context.Context, obj T) (done bool, res ctrl.Result, err error)
	// reconcile brings the object towards its declared state.
	reconcile func(ctx context.Context, obj T) (ctrl.Result, error)
	// beforePatch sees the object's status before each patch (metrics); nil: none.
	beforePatch func(obj T)
}

// pausedMessage is Ready's message while the pause annotation is set.
const pausedMessage = "reconciliation is paused: remove the annotation " + wx.PauseAnnotation + " to resume"

// isPaused reports whether the pause annotation is set.
func isPaused(obj client.Object) bool {
	return obj.GetAnnotations()[wx.PauseAnnotation] == "true"
}

func (l lifecycle[T]) run(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := l.newObj()
	if err := l.reader.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			// The object's health series go with it.
			l.opts.metrics.forgetObject(kindOf(obj), req.Namespace, req.Name)
		}
		if apierrors.IsNotFound(err) && l.gone != nil {
			return l.gone(ctx, req)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	orig := obj.DeepCopyObject().(T)
	switch {
	case isPaused(obj):
		ready(obj, metav1.ConditionFalse, wx.ReasonPaused, pausedMessage)
		return l.finish(ctx, obj, orig, ctrl.Result{}, nil)
	case !obj.GetDeletionTimestamp().IsZero():
		return l.delete(ctx, obj, orig)
	}
	if l.finalizer && !l.finalizerWithSideEffect {
		if err := ensureFinalizer(ctx, l.client, obj); err != nil {
			return l.opts.requeueOnConflict(obj, err)
		}
		orig = obj.DeepCopyObject().(T)
	}
	beginReconcile(obj)
	res, err := l.reconcile(ctx, obj)
	return l.finish(ctx, obj, orig, res, err)
}

// delete runs the finalize step of an object being deleted, then releases its finalizer.
func (l lifecycle[T]) delete(ctx context.Context, obj, orig T) (ctrl.Result, error) {
	if !l.finalizer || !controllerutil.ContainsFinalizer(obj, wx.Finalizer) {
		return ctrl.Result{}, nil
	}
	if l.finalize != nil {
		beginReconcile(obj)
		done, res, err := l.finalize(ctx, obj)
		if !done || err != nil {
			return l.finish(ctx, obj, orig, res, err)
		}
	}
	err := removeFinalizer(ctx, l.client, obj)
	if err == nil {
		// The object is gone, or goes when its other finalizers do: its health series go now.
		l.opts.metrics.forgetObject(kindOf(obj), obj.GetNamespace(), obj.GetName())
	}
	return l.opts.requeueOnConflict(obj, err)
}

func (l lifecycle[T]) finish(ctx context.Context, obj, orig T, res ctrl.Result, err error) (ctrl.Result, error) {
	if l.beforePatch != nil {
		l.beforePatch(obj)
	}
	return finishReconcile(ctx, l.client, obj, orig, res, err, l.opts)
}

// beginReconcile forgets, in memory, how the previous reconcile ended (Synced): this one says again, as it
// fails (syncFailed) or succeeds (finishReconcile), so that a failure of the previous reconcile at this
// generation is not read as this one's.
func beginReconcile(obj conditioned) {
	meta.RemoveStatusCondition(&obj.GetStatusBase().Conditions, wx.ConditionSynced)
}

// ensureFinalizer adds the finalizer in its own optimistic-lock patch, before any side effect.
func ensureFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if controllerutil.ContainsFinalizer(obj, wx.Finalizer) {
		return nil
	}
	orig := obj.DeepCopyObject().(client.Object)
	controllerutil.AddFinalizer(obj, wx.Finalizer)
	return c.Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
}

// removeFinalizer removes the finalizer in its own optimistic-lock patch.
func removeFinalizer(ctx context.Context, c client.Client, obj client.Object) error {
	if !controllerutil.ContainsFinalizer(obj, wx.Finalizer) {
		return nil
	}
	orig := obj.DeepCopyObject().(client.Object)
	controllerutil.RemoveFinalizer(obj, wx.Finalizer)
	return c.Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// conditioned is a wxlink object: every kind embeds StatusBase.
type conditioned interface {
	client.Object
	GetStatusBase() *wx.StatusBase
}

// setCondition sets one condition at the object's current generation.
func setCondition(obj conditioned, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&obj.GetStatusBase().Conditions, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: truncate(message, 32768),
		ObservedGeneration: obj.GetGeneration(),
	})
}

// ready sets Ready and, since Ready is decided, marks the reconcile Synced.
func ready(obj conditioned, status metav1.ConditionStatus, reason, message string) {
	setCondition(obj, wx.ConditionReady, status, reason, message)
	setCondition(obj, wx.ConditionSynced, metav1.ConditionTrue, wx.ReasonReconcileSuccess, "the last reconcile succeeded")
}

// syncFailed records a failed reconcile: Synced=False, and Ready=False unless Ready already says more.
func syncFailed(obj conditioned, err error) {
	msg := err.Error()
	setCondition(obj, wx.ConditionSynced, metav1.ConditionFalse, wx.ReasonReconcileError, msg)
	if c := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionReady); c == nil || c.Status != metav1.ConditionTrue {
		setCondition(obj, wx.ConditionReady, metav1.ConditionFalse, wx.ReasonReconcileError, msg)
	}
}

// truncate cuts s to at most n bytes, at a rune boundary: a message of Chinese text is never cut inside a
// character (which would write invalid UTF-8 into status).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// patchStatus writes the object's status once, as a merge patch of what changed since orig. It takes no
// optimistic lock: one worker owns an object's status, and a lock would turn a stale cache read into a lost
// record of a platform call that already happened (for example the request of a link). Writes that do need a
// lock (the owners' monthly counters) take one, and their conflicts are requeued, not reported as failures.
func patchStatus(ctx context.Context, c client.Client, obj, orig conditioned) error {
	obj.GetStatusBase().ObservedGeneration = obj.GetGeneration()
	return c.Status().Patch(ctx, obj, client.MergeFrom(orig))
}

// finishReconcile turns a reconcile's outcome into conditions and makes its one status patch. Every error
// is classified in this one place, whichever step (a read or a write) met it:
//   - a missing or unready dependency: Ready=False with its reason, asked again at the pending interval;
//   - a conflict: asked again soon, not a failure;
//   - the platform refusing for good (a terminal errcode): Ready=False with the platform's own reason,
//     asked again at the poll interval, since only a person can change the answer;
//   - the platform asking to wait (45009, Retry-After): Synced=False, asked again once that wait is over,
//     not in an exponential backoff that would end before it;
//   - anything else: Synced=False, returned for backoff.
func finishReconcile(ctx context.Context, c client.Client, obj, orig conditioned, res ctrl.Result, err error,
	opts Options) (ctrl.Result, error) {
	pe, isPlatform := platform.As(err)
	conflicted := apierrors.IsConflict(err)
	switch d, isDep := asDependency(err); {
	case isDep:
		ready(obj, metav1.ConditionFalse, d.reason, d.message)
		res, err = ctrl.Result{RequeueAfter: opts.pending()}, nil
	case conflicted:
		res, err = ctrl.Result{RequeueAfter: opts.conflicts.after(conflictKey(obj))}, nil
	case isPlatform && pe.Class == platform.ClassTerminal:
		ready(obj, metav1.ConditionFalse, pe.Reason, "the platform refused: "+err.Error()+"; a person must act (the reason says "+
			"what); wxlink asks again at the next poll")
		res, err = ctrl.Result{RequeueAfter: opts.poll()}, nil
	case isPlatform && pe.RetryAfter > 0:
		syncFailed(obj, err)
		res, err = ctrl.Result{RequeueAfter: pe.RetryAfter}, nil
	case err != nil:
		syncFailed(obj, err)
	}
	if perr := patchStatus(ctx, c, obj, orig); perr != nil {
		if apierrors.IsConflict(perr) {
			return ctrl.Result{RequeueAfter: opts.conflicts.after(conflictKey(obj))}, nil
		}
		if err == nil && !apierrors.IsNotFound(perr) {
			err = perr
		}
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	if !conflicted {
		opts.conflicts.settle(conflictKey(obj))
	}
	return res, nil
}

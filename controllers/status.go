// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"encoding/json"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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

// ready sets Ready, and the kstatus conditions its reason's health calls for, and, since Ready is decided,
// marks the reconcile Synced.
func ready(obj conditioned, status metav1.ConditionStatus, reason, message string) {
	setCondition(obj, wx.ConditionReady, status, reason, message)
	setHealth(obj, status, reason, message)
	markSynced(obj)
}

// setHealth sets the abnormal-true kstatus conditions of Ready's reason: Reconciling while wxlink or the
// platform will finish unaided, Stalled while a person must act; neither when Ready or paused.
func setHealth(obj conditioned, status metav1.ConditionStatus, reason, message string) {
	conds := &obj.GetStatusBase().Conditions
	h := wx.HealthOf(reason)
	if status == metav1.ConditionTrue {
		h = wx.HealthHealthy
	}
	switch h {
	case wx.HealthProgressing:
		setCondition(obj, wx.ConditionReconciling, metav1.ConditionTrue, reason, message)
		meta.RemoveStatusCondition(conds, wx.ConditionStalled)
	case wx.HealthDegraded, wx.HealthSuspended:
		setCondition(obj, wx.ConditionStalled, metav1.ConditionTrue, reason, message)
		meta.RemoveStatusCondition(conds, wx.ConditionReconciling)
	default:
		meta.RemoveStatusCondition(conds, wx.ConditionReconciling)
		meta.RemoveStatusCondition(conds, wx.ConditionStalled)
	}
}

// markSynced records a successful reconcile: Synced=True.
func markSynced(obj conditioned) {
	setCondition(obj, wx.ConditionSynced, metav1.ConditionTrue, wx.ReasonReconcileSuccess, "the last reconcile succeeded")
}

// syncFailed records a failed reconcile: Synced=False. finishReconcile then leaves Ready and
// observedGeneration where the last successful reconcile put them.
func syncFailed(obj conditioned, err error) {
	setCondition(obj, wx.ConditionSynced, metav1.ConditionFalse, wx.ReasonReconcileError, err.Error())
}

// failed reports whether this reconcile failed (syncFailed).
func failed(obj conditioned) bool {
	c := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionSynced)
	return c != nil && c.Status == metav1.ConditionFalse && c.ObservedGeneration == obj.GetGeneration()
}

// keepReadyOf puts back Ready, Reconciling and Stalled as orig had them, after a failed reconcile: a failure
// decides nothing about the declared state, so an edit made during an outage does not read as current. An
// object that never had Ready gets Ready=False (ReconcileError), observed at the last successful generation.
func keepReadyOf(obj, orig conditioned, err error) {
	conds := &obj.GetStatusBase().Conditions
	for _, t := range []string{wx.ConditionReady, wx.ConditionReconciling, wx.ConditionStalled} {
		restoreCondition(obj, orig, t)
	}
	if meta.FindStatusCondition(*conds, wx.ConditionReady) == nil {
		msg := truncate(err.Error(), 32768)
		gen := orig.GetStatusBase().ObservedGeneration
		for _, t := range []string{wx.ConditionReady, wx.ConditionReconciling} {
			status := metav1.ConditionFalse
			if t == wx.ConditionReconciling {
				status = metav1.ConditionTrue
			}
			meta.SetStatusCondition(conds, metav1.Condition{Type: t, Status: status, Reason: wx.ReasonReconcileError,
				Message: msg, ObservedGeneration: gen})
		}
	}
}

// restoreCondition puts back the condition of the given type as orig had it (or removes it).
func restoreCondition(obj, orig conditioned, condType string) {
	conds := &obj.GetStatusBase().Conditions
	meta.RemoveStatusCondition(conds, condType)
	if c := meta.FindStatusCondition(orig.GetStatusBase().Conditions, condType); c != nil {
		meta.SetStatusCondition(conds, *c)
	}
}

// keepTransitionTimes gives each condition whose status did not change the transition time orig had, as
// meta.SetStatusCondition does: a condition removed and set again in one reconcile (Synced) did not
// transition, and its status is not written again.
func keepTransitionTimes(obj, orig conditioned) {
	conds := obj.GetStatusBase().Conditions
	for i := range conds {
		if o := meta.FindStatusCondition(orig.GetStatusBase().Conditions, conds[i].Type); o != nil && o.Status == conds[i].Status {
			conds[i].LastTransitionTime = o.LastTransitionTime
		}
	}
}

// firstErr is err, or the message of the Synced condition that recorded the failure.
func firstErr(err error, obj conditioned) error {
	if err != nil {
		return err
	}
	return errors.New(meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionSynced).Message)
}

// truncate cuts s to at most n bytes, at a rune boundary (platform.Truncate).
func truncate(s string, n int) string { return platform.Truncate(s, n) }

// patchStatus writes the object's status once, as a merge patch of what changed since orig, moving
// observedGeneration only when the reconcile succeeded (as cluster-api does), and only when something in
// status changed: a reconcile that found everything as it was (every resync of a fleet at rest) costs the
// API server no write. It takes no optimistic lock: one worker owns an object's status, and a lock would turn
// a stale cache read into a lost record of a platform call that already happened (for example the request of
// a link). Writes that do need a lock (the owners' ledgers) take one, and their conflicts are retried, not
// reported as failures.
func patchStatus(ctx context.Context, c client.Client, obj, orig conditioned, succeeded bool) error {
	if succeeded {
		obj.GetStatusBase().ObservedGeneration = obj.GetGeneration()
	}
	data, err := client.MergeFrom(orig).Data(obj)
	if err != nil {
		return err
	}
	status, changed := statusOnly(data)
	if !changed {
		return nil
	}
	return c.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, status))
}

// statusOnly is a merge patch without its metadata, and whether anything is left. A write of the status
// subresource ignores metadata but for one thing: a resourceVersion in the patch is a precondition, and the
// object's own metadata patches during the reconcile (the record of a request) put their new resourceVersion
// in the diff from orig; the status write must not fail because someone labelled the object meanwhile.
func statusOnly(mergePatch []byte) ([]byte, bool) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(mergePatch, &fields); err != nil {
		return mergePatch, true
	}
	delete(fields, "metadata")
	if len(fields) == 0 {
		return nil, false
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return mergePatch, true
	}
	return out, true
}

// finishReconcile turns a reconcile's outcome into conditions and makes its one status patch. Every error
// is classified in this one place, whichever step (a read or a write) met it:
//   - a missing or unready dependency: Ready=False with its reason, asked again at the pending interval;
//   - a conflict, or an owner another reconcile holds for too long: asked again soon, not a failure;
//   - the platform refusing for good (a terminal errcode): Ready=False with the platform's own reason,
//     asked again at the poll interval, since only a person can change the answer;
//   - the platform asking to wait (45009, Retry-After): Synced=False, asked again once that wait is over,
//     not in an exponential backoff that would end before it;
//   - anything else: Synced=False, returned for backoff.
func finishReconcile(ctx context.Context, c client.Client, obj, orig conditioned, res ctrl.Result, err error,
	opts Options) (ctrl.Result, error) {
	pe, isPlatform := platform.As(err)
	conflicted := apierrors.IsConflict(err) || errors.Is(err, errOwnerBusy)
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
	if conflicted {
		// The reconcile ended before it decided: Synced says what the last one that did said.
		restoreCondition(obj, orig, wx.ConditionSynced)
	}
	bad := failed(obj)
	if bad {
		keepReadyOf(obj, orig, firstErr(err, obj))
	} else if !conflicted && meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionSynced) == nil {
		markSynced(obj)
	}
	keepTransitionTimes(obj, orig)
	// A conflict ended the reconcile before it decided: observedGeneration stays.
	if perr := patchStatus(ctx, c, obj, orig, !bad && !conflicted); perr != nil {
		if apierrors.IsConflict(perr) {
			return ctrl.Result{RequeueAfter: opts.conflicts.after(conflictKey(obj))}, nil
		}
		if err == nil && !apierrors.IsNotFound(perr) {
			err = perr
		}
	}
	// The health gauges follow the status as this reconcile leaves it, whatever its outcome.
	opts.metrics.observeObject(obj, opts.now())
	if err != nil {
		return ctrl.Result{}, err
	}
	if !conflicted {
		opts.conflicts.settle(conflictKey(obj))
	}
	return res, nil
}

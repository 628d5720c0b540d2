// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package controllers holds one reconciler per wxlink kind, and the helpers they share: conditions, the
// finalizer, the single status patch, reference and credential resolution, and the per-owner link observer.
//
// Every reconciler has the same shape: pause annotation; finalizer (own optimistic-lock patch) before any
// side effect; references; pure rules (internal/rules); observe, diff and act through platform.Platform;
// one status patch with observedGeneration; requeue at the poll interval with jitter.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	corev1 "k8s.io/api/core/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// conflictRetry is how soon a reconcile that lost a write race (409 Conflict) runs again, with fresh data.
const conflictRetry = 250 * time.Millisecond

// Options are the settings every reconciler shares.
type Options struct {
	// PollInterval is the drift-detection resync of Ready objects (jittered by 10%).
	PollInterval time.Duration
	// PendingPollInterval is how often an object that waits for a person (or for a dependency) is checked.
	PendingPollInterval time.Duration
	// MaxConcurrentReconciles per controller.
	MaxConcurrentReconciles int
	// Now is the clock; tests move it (for example across a WeChat month).
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// poll is the jittered resync interval.
func (o Options) poll() time.Duration { return wait.Jitter(o.PollInterval, 0.1) }

// pending is the jittered interval for objects waiting on a person or a dependency.
func (o Options) pending() time.Duration { return wait.Jitter(o.PendingPollInterval, 0.1) }

// describeMaxAge is how old a shared description of an account (Observer.Describe) may be for obj's
// reconcile: half a poll interval while obj is Ready and its status is current, so that the resyncs which its
// links' changes trigger cost no API call; none for an object that is new, changed, or waiting for something
// on the platform (a verification, a fix in the console).
func (o Options) describeMaxAge(obj conditioned) time.Duration {
	c := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionReady)
	if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != obj.GetGeneration() {
		return 0
	}
	return o.PollInterval / 2
}

// conditioned is a wxlink object: every kind embeds StatusBase.
type conditioned interface {
	client.Object
	GetStatusBase() *wx.StatusBase
}

// isPaused reports whether the pause annotation is set.
func isPaused(obj client.Object) bool {
	return obj.GetAnnotations()[wx.PauseAnnotation] == "true"
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
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

// finishReconcile turns a reconcile's outcome into conditions and makes its one status patch: a missing or
// unready dependency is Ready=False with its reason and a requeue at the pending interval; a conflict is
// requeued soon (not a failure); any other error marks Synced=False and is returned for backoff.
func finishReconcile(ctx context.Context, c client.Client, obj, orig conditioned, res ctrl.Result, err error,
	pending time.Duration) (ctrl.Result, error) {
	switch d, isDep := asDependency(err); {
	case isDep:
		ready(obj, metav1.ConditionFalse, d.reason, d.message)
		res, err = ctrl.Result{RequeueAfter: pending}, nil
	case apierrors.IsConflict(err):
		res, err = ctrl.Result{RequeueAfter: conflictRetry}, nil
	case err != nil:
		syncFailed(obj, err)
	}
	if perr := patchStatus(ctx, c, obj, orig); perr != nil {
		if apierrors.IsConflict(perr) {
			return ctrl.Result{RequeueAfter: conflictRetry}, nil
		}
		if err == nil && !apierrors.IsNotFound(perr) {
			err = perr
		}
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	return res, nil
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
func getRef(ctx context.Context, c client.Client, ns, name, kind string, obj client.Object) error {
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

// accountFor resolves an account's PlatformConfig, platform client and credential from its Secret.
func accountFor(ctx context.Context, c client.Client, platforms PlatformProvider, ns string, appID wx.AppID,
	spec *wx.AccountSpec) (platform.Platform, platform.Account, error) {
	pc := &wx.PlatformConfig{}
	if err := getRef(ctx, c, ns, spec.PlatformConfigRef.Name, "PlatformConfig", pc); err != nil {
		return nil, platform.Account{}, err
	}
	p, err := platforms.For(ctx, pc)
	if err != nil {
		return nil, platform.Account{}, err
	}
	acct := platform.Account{AppID: string(appID)}
	if spec.Credentials == nil {
		return nil, acct, &dependencyError{wx.ReasonDependencyNotFound,
			"spec.credentials is not set: name the Secret that holds the account's AppSecret or authorizer refresh token"}
	}
	key := spec.Credentials.AppSecretKey
	if pc.Spec.CredentialsRoute == wx.CredentialsRouteThirdPartyPlatform {
		key = spec.Credentials.AuthorizerRefreshTokenKey
	}
	secret := &corev1.Secret{}
	if err := getRef(ctx, c, ns, spec.Credentials.SecretName, "Secret", secret); err != nil {
		return nil, acct, err
	}
	value, ok := secret.Data[key]
	if !ok || len(value) == 0 {
		return nil, acct, &dependencyError{wx.ReasonDependencyNotFound,
			fmt.Sprintf("Secret %s/%s has no key %q (the %s route reads it)", ns, secret.Name, key, pc.Spec.CredentialsRoute)}
	}
	acct.Credential = platform.Secret(value)
	return p, acct, nil
}

// observedSubject is the subject the platform reported, or the declared one until it has been observed.
func observedSubject(declared wx.Subject, observed *wx.Subject) rules.Subject {
	s := declared
	if observed != nil && observed.Name != "" {
		s = *observed
	}
	return rules.Subject{Name: s.Name, Type: rules.SubjectType(s.Type)}
}

// platformErrorReason maps a platform error to a condition reason and says whether it is terminal.
func platformErrorReason(err error) (string, bool) {
	if e, ok := platform.As(err); ok {
		return e.Reason, e.Class == platform.ClassTerminal
	}
	return wx.ReasonReconcileError, false
}

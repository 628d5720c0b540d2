// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Options are the settings every reconciler shares.
type Options struct {
	// PollInterval is the drift-detection resync of Ready objects (jittered by 10%).
	PollInterval time.Duration
	// PendingPollInterval is how often an object that waits for a person (or for a dependency) is checked.
	PendingPollInterval time.Duration
	// MaxConcurrentReconciles per controller.
	MaxConcurrentReconciles int
	// ReconcileTimeout bounds every reconcile (0: DefaultReconcileTimeout).
	ReconcileTimeout time.Duration
	// LockedCallTimeout bounds each platform call made while an owner's lock is held (0:
	// DefaultLockedCallTimeout), so that no lock is held across a call for longer than a call may take.
	LockedCallTimeout time.Duration
	// Now is the clock; tests move it (for example across a WeChat month).
	Now func() time.Time
	// AllowedStoreEndpoints are the endpoints a ThirdPartyStore may point at (nil:
	// DefaultStoreAllowedEndpoints): the store app's secret is sent there.
	AllowedStoreEndpoints []string
	// DefaultStoreEndpoint, when set, is the endpoint of every ThirdPartyStore without spec.api.endpoint (the
	// --store-endpoint flag: a store simulator for demos and tests); otherwise each provider's API host.
	DefaultStoreEndpoint string

	// conflicts spaces the retries of objects that keep losing write races; Setup makes one for all.
	conflicts *conflictBackoff
	// metrics are wxlink's metrics (nil: none); Setup sets them. Every object's health is recorded at the end of
	// each reconcile, and its series deleted with it (lifecycle).
	metrics *Metrics
}

// DefaultReconcileTimeout bounds a reconcile: a few platform calls and API writes, with their retries.
const DefaultReconcileTimeout = 2 * time.Minute

// DefaultLockedCallTimeout is the longest a PlatformConfig's requestTimeout may be (its CEL rule).
const DefaultLockedCallTimeout = 30 * time.Second

// controllerOptions are every controller's options: its concurrency and its reconcile deadline.
func (o Options) controllerOptions() controller.Options {
	timeout := o.ReconcileTimeout
	if timeout == 0 {
		timeout = DefaultReconcileTimeout
	}
	return controller.Options{MaxConcurrentReconciles: o.MaxConcurrentReconciles, ReconciliationTimeout: timeout}
}

// lockedCall bounds one platform call made while an owner's lock is held.
func (o Options) lockedCall(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := o.LockedCallTimeout
	if timeout == 0 {
		timeout = DefaultLockedCallTimeout
	}
	return context.WithTimeout(ctx, timeout)
}

// lockWait bounds the wait for an owner's lock: as long as one locked call may take, after which the
// reconcile is requeued rather than wait for a holder that makes several, with its own deadline still far.
func (o Options) lockWait(ctx context.Context) (context.Context, context.CancelFunc) {
	return o.lockedCall(ctx)
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// poll is the jittered resync interval.
func (o Options) poll() time.Duration { return wait.Jitter(o.PollInterval, 0.1) }

// linkedResyncFactor: a linked link looks at itself only every linkedResyncFactor poll intervals. Its
// Official Account reads the account's links every interval (one call for all of them) and wakes the links
// whose entry changed (linkedMiniProgramsChanges), so a link removed in the console is seen at the next poll
// all the same; the link's own resync is a safety net, and at 10,000 links a resync a poll was most of the
// manager's work.
const linkedResyncFactor = 6

// linkedPoll is the jittered interval of a linked link's own resync.
func (o Options) linkedPoll() time.Duration {
	return wait.Jitter(o.PollInterval*linkedResyncFactor, 0.1)
}

// pending is the jittered interval for objects waiting on a person or a dependency.
func (o Options) pending() time.Duration { return wait.Jitter(o.PendingPollInterval, 0.1) }

// describeMaxAge is how old a shared description of an account (Observer.Describe) may be for obj's
// reconcile: half a poll interval while obj is Ready and its status is current, so that the resyncs which its
// links' changes trigger cost no API call; describeFloor for an object that is new, changed, or waiting for
// something on the platform (a verification, a fix in the console).
func (o Options) describeMaxAge(obj conditioned) time.Duration {
	c := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionReady)
	if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != obj.GetGeneration() {
		return describeFloor
	}
	return o.PollInterval / 2
}

// describeFloor is the age below which a description is always fresh enough: no person acts on the platform
// faster. It keeps a burst of reconciles of one new object (its finalizer, the in-use finalizers it puts on
// its Secret and PlatformConfig, its first status write) to one description, even when the later ones read
// the object from a cache that does not show the first one's status yet.
const describeFloor = 2 * time.Second

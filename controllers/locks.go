// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ownerLocks serialises admission decisions per owner within the (leader-elected, single) manager. A link's
// reconcile locks its Official Account, then its Mini Program, each in its own key space, so no two
// reconciles ever wait for each other in a cycle. Entries are reference-counted: a key is forgotten when
// its last holder or waiter lets go, so the map holds only owners being decided right now. A waiter gives up
// when its context ends (errOwnerBusy), and its reconcile is requeued with backoff, as after a conflict.
type ownerLocks struct {
	mu   sync.Mutex
	held map[string]*ownerLock
}

type ownerLock struct {
	sem  chan struct{} // a one-slot semaphore: a channel, so that a wait can end with its context
	refs int           // holders and waiters
}

// errOwnerBusy: another reconcile held the owner for longer than this one would wait. Not a failure: the
// reconcile is asked again after a backoff (finishReconcile).
var errOwnerBusy = errors.New("another reconcile is deciding for the same owner")

// officialAccountLock and miniProgramLock name an owner's lock. The namespace is part of the key: admission
// is decided per namespace, and a tenant that declares another tenant's AppID (behind a slow endpoint, say)
// must only ever wait for itself.
func officialAccountLock(ns, appID string) string { return "oa/" + ns + "/" + appID }
func miniProgramLock(ns, appID string) string     { return "mp/" + ns + "/" + appID }

// lock takes key's lock, waiting for its holder until ctx ends, and returns the function that lets it go.
func (l *ownerLocks) lock(ctx context.Context, key string) (unlock func(), err error) {
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]*ownerLock{}
	}
	e := l.held[key]
	if e == nil {
		e = &ownerLock{sem: make(chan struct{}, 1)}
		l.held[key] = e
	}
	e.refs++
	l.mu.Unlock()

	select {
	case e.sem <- struct{}{}:
		return func() {
			<-e.sem
			l.forget(key, e)
		}, nil
	case <-ctx.Done():
		l.forget(key, e)
		return nil, fmt.Errorf("%w (%s): %w", errOwnerBusy, key, ctx.Err())
	}
}

// forget drops one holder or waiter of key, and the key with its last one.
func (l *ownerLocks) forget(key string, e *ownerLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.refs--; e.refs == 0 {
		delete(l.held, key)
	}
}

// size is how many keys are held or waited for.
func (l *ownerLocks) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.held)
}

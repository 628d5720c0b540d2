// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import "sync"

// ownerLocks serialises admission decisions per owner within the (leader-elected, single) manager. A link's
// reconcile locks its Official Account, then its Mini Program, each in its own key space, so no two
// reconciles ever wait for each other in a cycle. Entries are reference-counted: a key is forgotten when
// its last holder or waiter lets go, so the map holds only owners being decided right now.
type ownerLocks struct {
	mu   sync.Mutex
	held map[string]*ownerLock
}

type ownerLock struct {
	mu   sync.Mutex
	refs int // holders and waiters
}

// officialAccountLock and miniProgramLock name an owner's lock. The namespace is part of the key: admission
// is decided per namespace, and a tenant that declares another tenant's AppID (behind a slow endpoint, say)
// must only ever wait for itself.
func officialAccountLock(ns, appID string) string { return "oa/" + ns + "/" + appID }
func miniProgramLock(ns, appID string) string     { return "mp/" + ns + "/" + appID }

// lock takes key's lock, waiting for its holder, and returns the function that lets it go.
func (l *ownerLocks) lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.held == nil {
		l.held = map[string]*ownerLock{}
	}
	e := l.held[key]
	if e == nil {
		e = &ownerLock{}
		l.held[key] = e
	}
	e.refs++
	l.mu.Unlock()

	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		l.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(l.held, key)
		}
		l.mu.Unlock()
	}
}

// size is how many keys are held or waited for.
func (l *ownerLocks) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.held)
}

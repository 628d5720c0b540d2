// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// sharedReadTimeout bounds a shared read, which runs detached from the first caller's cancellation so that
// one reconcile giving up does not fail the others that joined it.
const sharedReadTimeout = 2 * time.Minute

// reader is a fingerprint of the credential a read was made with: entries are shared only with callers
// that would have made the same read.
type reader string

// sharedReads is a cache of reads by key, with single flight. Each key has an epoch, drawn from one sequence
// that never repeats, which invalidate and forget replace: a read that started before an invalidation is
// neither shared with later readers nor stored.
type sharedReads[T any] struct {
	mu      sync.Mutex
	entries map[string]sharedEntry[T]
	epochs  map[string]uint64
	seq     uint64
	// writeCounts counts wxlink's writes to what each key reads (Observer.AfterWrite), for ListEpoch.
	writeCounts map[string]uint64
	group       *singleflight.Group
	now         func() time.Time
	// testHookWaiting, when set, is called as a caller starts waiting for a read (tests sequence joiners).
	testHookWaiting func()
}

type sharedEntry[T any] struct {
	value T
	at    time.Time
	by    reader
}

func newSharedReads[T any](now func() time.Time) sharedReads[T] {
	return sharedReads[T]{entries: map[string]sharedEntry[T]{}, epochs: map[string]uint64{}, group: &singleflight.Group{}, now: now}
}

// get returns the entry of key when by made it no longer than maxAge ago, and otherwise read's answer
// (shared with the concurrent readers of the same key, reader and epoch), with the time the read started: an
// entry is as old as the moment its read began, since the platform may have changed while the answer
// travelled. maxAge 0 never uses a stored entry (even one stamped now by a frozen clock) but may join a read
// in flight; a caller that must see the platform after a given moment (before a mutation) invalidates
// first. The read runs detached from ctx (bounded by sharedReadTimeout); the caller stops waiting when ctx
// ends.
func (s *sharedReads[T]) get(ctx context.Context, key string, by reader, maxAge time.Duration,
	read func(context.Context) (T, error)) (T, time.Time, error) {
	var zero T
	s.mu.Lock()
	e, ok := s.entries[key]
	epoch, known := s.epochs[key]
	if !known {
		s.seq++
		epoch = s.seq
		s.epochs[key] = epoch
	}
	s.mu.Unlock()
	if ok && e.by == by && maxAge > 0 && s.now().Sub(e.at) <= maxAge {
		return e.value, e.at, nil
	}
	ch := s.group.DoChan(fmt.Sprintf("%s#%d#%s", key, epoch, by), func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedReadTimeout)
		defer cancel()
		at := s.now()
		value, err := read(rctx)
		if err != nil {
			return nil, err
		}
		e := sharedEntry[T]{value: value, at: at, by: by}
		s.mu.Lock()
		if s.epochs[key] == epoch {
			s.entries[key] = e
		}
		s.mu.Unlock()
		return e, nil
	})
	if s.testHookWaiting != nil {
		s.testHookWaiting()
	}
	select {
	case <-ctx.Done():
		return zero, time.Time{}, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return zero, time.Time{}, r.Err
		}
		e = r.Val.(sharedEntry[T])
		return e.value, e.at, nil
	}
}

// wrote counts a write to what key reads, at its start and at its end (see writes).
func (s *sharedReads[T]) wrote(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writeCounts == nil {
		s.writeCounts = map[string]uint64{}
	}
	s.writeCounts[key]++
}

// writes is the number of starts and ends of writes to what key reads so far: two equal counts say no write
// began or ended between them (reads do not count).
func (s *sharedReads[T]) writes(key string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeCounts[key]
}

func (s *sharedReads[T]) invalidate(key string) {
	s.mu.Lock()
	delete(s.entries, key)
	s.seq++
	s.epochs[key] = s.seq
	s.mu.Unlock()
}

// forget drops every key that starts with prefix: entries and epochs alike, so that nothing of them is kept.
// A read in flight for such a key is not stored when it ends (its epoch is gone).
func (s *sharedReads[T]) forget(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key := range s.epochs {
		if strings.HasPrefix(key, prefix) {
			delete(s.epochs, key)
			delete(s.entries, key)
		}
	}
}

// size is how many keys are known (for tests of forget).
func (s *sharedReads[T]) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.epochs)
}

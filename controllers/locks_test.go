// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// The per-owner locks exclude each other per key and are forgotten when their last holder or waiter lets go.
func TestOwnerLocksExcludeAndAreForgotten(t *testing.T) {
	var locks ownerLocks
	var wg sync.WaitGroup
	var holders [4]atomic.Int32
	var overlaps atomic.Int32
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				k := (g + i) % len(holders)
				unlock, err := locks.lock(context.Background(), fmt.Sprintf("oa/%d", k))
				if err != nil {
					t.Error(err)
					return
				}
				if holders[k].Add(1) != 1 {
					overlaps.Add(1)
				}
				runtime.Gosched() // give another holder of the same key every chance to get in
				holders[k].Add(-1)
				unlock()
			}
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d times two goroutines held the same key at once", n)
	}
	if n := locks.size(); n != 0 {
		t.Fatalf("%d keys are still held after every holder let go", n)
	}
}

// A waiter gives up when its context ends, with errOwnerBusy, and is forgotten; the holder is untouched and
// the next waiter gets the lock once it lets go.
func TestAnOwnerLockWaitEndsWithItsContext(t *testing.T) {
	var locks ownerLocks
	unlock, err := locks.lock(context.Background(), "mp/ns/wx1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := locks.lock(ctx, "mp/ns/wx1"); !errors.Is(err, errOwnerBusy) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a wait whose context ended = %v; want errOwnerBusy", err)
	}
	if n := locks.size(); n != 1 {
		t.Fatalf("%d keys held after the waiter gave up; want the holder's 1", n)
	}
	got := make(chan error, 1)
	go func() {
		u, err := locks.lock(context.Background(), "mp/ns/wx1")
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	if err := <-got; err != nil {
		t.Fatalf("the next waiter: %v", err)
	}
	if n := locks.size(); n != 0 {
		t.Fatalf("%d keys are still held after every holder let go", n)
	}
}

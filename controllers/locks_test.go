// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
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
				unlock := locks.lock(fmt.Sprintf("oa/%d", k))
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

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"fmt"
	"sync"
	"testing"
)

// The per-owner locks exclude each other per key and are forgotten when their last holder or waiter lets go.
func TestOwnerLocksExcludeAndAreForgotten(t *testing.T) {
	var locks ownerLocks
	var wg sync.WaitGroup
	inside := make([]int, 4)
	var mu sync.Mutex
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := fmt.Sprintf("oa/%d", (g+i)%len(inside))
				unlock := locks.lock(key)
				mu.Lock()
				inside[(g+i)%len(inside)]++
				if inside[(g+i)%len(inside)] != 1 {
					t.Errorf("two holders of %s at once", key)
				}
				mu.Unlock()
				mu.Lock()
				inside[(g+i)%len(inside)]--
				mu.Unlock()
				unlock()
			}
		}()
	}
	wg.Wait()
	if n := locks.size(); n != 0 {
		t.Fatalf("%d keys are still held after every holder let go", n)
	}
}

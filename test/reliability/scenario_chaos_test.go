// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// chaos SIGKILLs the newest manager at random moments and starts another each time.
type chaos struct {
	done     chan struct{}
	restarts int
	err      error
}

// startChaos kills the manager n times, each 0.5 to 3 s after the last restart was ready.
func (s *scene) startChaos(ctx context.Context, n int) *chaos {
	c := &chaos{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for range n {
			select {
			case <-ctx.Done():
				return
			case <-time.After(500*time.Millisecond + rand.N(2500*time.Millisecond)): // a random moment, not a wait for something
			}
			s.newestManager().kill()
			if _, err := s.startManagerErr(); err != nil {
				c.err = fmt.Errorf("restart %d: %w", c.restarts+1, err)
				return
			}
			c.restarts++
		}
	}()
	return c
}

// newestManager is the manager started last.
func (s *scene) newestManager() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.managers[len(s.managers)-1]
}

// TestSIGKILLChaos: the manager is SIGKILLed at random moments (20 times at the default size) while the fleet
// is applied, confirmed, half deleted and re-applied, and restarted each time; the invariants hold at the end.
func TestSIGKILLChaos(t *testing.T) {
	start := time.Now()
	s := newScene(t, "chaos", *size)
	s.startManager()
	s.waitAccountsReady(2 * time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := s.startChaos(ctx, *kills)
	limit := scaled(2*time.Minute, 5*time.Minute)
	s.apply(false)
	s.waitConverged("with the fleet applied", limit)
	s.deleteHalf()
	s.waitConverged("with half of it deleted", limit)
	s.apply(true)
	s.waitConverged("with it re-applied", limit)
	select {
	case <-c.done:
	case <-time.After(limit):
		t.Fatalf("the chaos did not end within %s", limit)
	}
	if c.err != nil {
		t.Fatal(c.err)
	}
	s.figures.Restarts = c.restarts
	s.figures.Convergence = s.waitConverged("after the last restart", limit)
	if c.restarts != *kills {
		t.Errorf("%d restarts, want %d", c.restarts, *kills)
	}
	s.checkInvariants()
	s.figures.Wall = time.Since(start)
	s.print()
}

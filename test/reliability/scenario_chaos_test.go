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
			m := s.newestManager()
			if m.exited() {
				// A manager that dies by itself is a crash the kills must not hide.
				c.err = fmt.Errorf("before kill %d, the manager had exited by itself (log %s)", c.restarts+1, m.logPath)
				return
			}
			m.kill()
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
// The kills are shared among the three steps: each step starts its share, and converges once they are done.
func TestSIGKILLChaos(t *testing.T) {
	parallel(t)
	start := time.Now()
	s := newScene(t, "chaos", *size)
	s.startManager()
	s.waitAccountsReady()
	limit := scaled(2*time.Minute, 5*time.Minute)
	steps := []struct {
		what string
		do   func()
	}{
		{"with the fleet applied", func() { s.apply(false) }},
		{"with half of it deleted", s.deleteHalf},
		{"with it re-applied", func() { s.apply(true) }},
	}
	for i, step := range steps {
		n := *kills/len(steps) + b2i(i < *kills%len(steps))
		s.chaosDuring(step.do, n, limit)
		s.figures.Convergence = s.waitConverged(step.what+", after its kills", limit)
		if i == 1 {
			// Before the re-apply adopts whatever a killed deletion left on the platform: every link deleted
			// with Delete must be gone from it now, and those with Orphan still there.
			v, err := s.read(s.ctx)
			s.must(err, "reading the state with half of the fleet deleted")
			s.checkPlatformMatches(v)
		}
	}
	if s.figures.Restarts != *kills {
		t.Errorf("%d restarts, want %d", s.figures.Restarts, *kills)
	}
	s.checkInvariants()
	s.figures.Wall = time.Since(start)
	s.print()
}

// chaosDuring starts n kills, does the step, and waits until the kills are done.
func (s *scene) chaosDuring(step func(), n int, limit time.Duration) {
	s.t.Helper()
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c := s.startChaos(ctx, n)
	admins := s.playAdmins(ctx)
	step()
	select {
	case <-c.done:
	case <-time.After(limit):
		s.t.Fatalf("%s: %d kills did not end within %s", s.name, n, limit)
	}
	cancel()
	<-admins
	if c.err != nil {
		s.t.Fatal(c.err)
	}
	s.figures.Restarts += c.restarts
	s.logf("%d kills and restarts done", c.restarts)
}

// playAdmins confirms every pending link on the platform every half second until ctx ends, so that the
// kills also meet links going from pending to linked. The returned channel closes when it has stopped.
func (s *scene) playAdmins(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if v, err := s.read(ctx); err == nil {
				s.confirmPending(v)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return done
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"testing"
	"time"
)

func TestSharedReadsAgeAndInvalidation(t *testing.T) {
	now := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) // a frozen clock, as in tests that set the month
	s := newSharedReads[int](func() time.Time { return now })
	reads := 0
	read := func() (int, error) { reads++; return reads, nil }

	if v, at, err := s.get("k", time.Minute, read); err != nil || v != 1 || !at.Equal(now) {
		t.Fatalf("first get = %d, %v, %v", v, at, err)
	}
	if v, _, _ := s.get("k", time.Minute, read); v != 1 || reads != 1 {
		t.Fatalf("a get within maxAge read again: value %d after %d reads", v, reads)
	}
	// maxAge 0 asks for a new read even when the stored entry carries the current (frozen) time.
	if v, _, _ := s.get("k", 0, read); v != 2 || reads != 2 {
		t.Fatalf("maxAge 0 served the stored entry: value %d after %d reads", v, reads)
	}
	now = now.Add(2 * time.Minute)
	if v, _, _ := s.get("k", time.Minute, read); v != 3 {
		t.Fatalf("an entry older than maxAge was served: %d", v)
	}
	s.invalidate("k")
	if v, _, _ := s.get("k", time.Hour, read); v != 4 {
		t.Fatalf("an invalidated entry was served: %d", v)
	}

	// A read that began before an invalidation is neither stored nor shared with later readers.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan int)
	go func() {
		v, _, _ := s.get("slow", time.Hour, func() (int, error) { close(started); <-release; return 100, nil })
		done <- v
	}()
	<-started
	s.invalidate("slow")
	if v, _, _ := s.get("slow", time.Hour, func() (int, error) { return 200, nil }); v != 200 {
		t.Fatalf("a get after the invalidation joined the older read: %d", v)
	}
	close(release)
	if v := <-done; v != 100 {
		t.Fatalf("the older read's caller got %d", v)
	}
	if v, _, _ := s.get("slow", time.Hour, func() (int, error) { return 300, nil }); v != 200 {
		t.Fatalf("the older read replaced the newer entry: %d", v)
	}
}

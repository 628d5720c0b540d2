// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/fake"
)

func TestSharedReadsAgeAndInvalidation(t *testing.T) {
	now := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC) // a frozen clock, as in tests that set the month
	s := newSharedReads[int](func() time.Time { return now })
	reads := 0
	read := func(context.Context) (int, error) { reads++; return reads, nil }
	ctx, me := context.Background(), reader("good")

	if v, at, err := s.get(ctx, "k", me, time.Minute, read); err != nil || v != 1 || !at.Equal(now) {
		t.Fatalf("first get = %d, %v, %v", v, at, err)
	}
	if v, _, _ := s.get(ctx, "k", me, time.Minute, read); v != 1 || reads != 1 {
		t.Fatalf("a get within maxAge read again: value %d after %d reads", v, reads)
	}
	// maxAge 0 asks for a new read even when the stored entry carries the current (frozen) time.
	if v, _, _ := s.get(ctx, "k", me, 0, read); v != 2 || reads != 2 {
		t.Fatalf("maxAge 0 served the stored entry: value %d after %d reads", v, reads)
	}
	now = now.Add(2 * time.Minute)
	if v, _, _ := s.get(ctx, "k", me, time.Minute, read); v != 3 {
		t.Fatalf("an entry older than maxAge was served: %d", v)
	}
	s.invalidate("k")
	if v, _, _ := s.get(ctx, "k", me, time.Hour, read); v != 4 {
		t.Fatalf("an invalidated entry was served: %d", v)
	}

	// A read that began before an invalidation is neither stored nor shared with later readers.
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan int)
	go func() {
		v, _, _ := s.get(ctx, "slow", me, time.Hour, func(context.Context) (int, error) { close(started); <-release; return 100, nil })
		done <- v
	}()
	<-started
	s.invalidate("slow")
	if v, _, _ := s.get(ctx, "slow", me, time.Hour, func(context.Context) (int, error) { return 200, nil }); v != 200 {
		t.Fatalf("a get after the invalidation joined the older read: %d", v)
	}
	close(release)
	if v := <-done; v != 100 {
		t.Fatalf("the older read's caller got %d", v)
	}
	if v, _, _ := s.get(ctx, "slow", me, time.Hour, func(context.Context) (int, error) { return 300, nil }); v != 200 {
		t.Fatalf("the older read replaced the newer entry: %d", v)
	}

	// Another credential for the same AppID is never answered by this one's entry.
	if v, _, _ := s.get(ctx, "slow", reader("wrong"), time.Hour, func(context.Context) (int, error) {
		return 0, errors.New("invalid credential")
	}); v != 0 {
		t.Fatalf("a caller with another credential got the entry read with a good one: %d", v)
	}
}

// The first caller of a shared read giving up does not fail the callers that joined it.
func TestSharedReadOutlivesItsFirstCaller(t *testing.T) {
	s := newSharedReads[int](time.Now)
	me := reader("c")
	waiting, callers := make(chan struct{}), atomic.Int32{}
	s.testHookWaiting = func() {
		if callers.Add(1) == 2 {
			close(waiting)
		}
	}
	first, cancel := context.WithCancel(context.Background())
	started, release := make(chan struct{}), make(chan struct{})
	firstErr := make(chan error)
	go func() {
		_, _, err := s.get(first, "k", me, 0, func(ctx context.Context) (int, error) {
			close(started)
			<-release
			return 7, ctx.Err()
		})
		firstErr <- err
	}()
	<-started
	joined := make(chan int)
	go func() {
		v, _, err := s.get(context.Background(), "k", me, 0, func(context.Context) (int, error) { return -1, nil })
		if err != nil {
			t.Errorf("the joined caller failed: %v", err)
		}
		joined <- v
	}()
	<-waiting // the second caller has joined the read in flight
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled first caller got %v, want context.Canceled", err)
	}
	close(release)
	if v := <-joined; v != 7 {
		t.Fatalf("the joined caller got %d, want the shared read's 7", v)
	}
}

// A write through AfterWrite forgets the Official Account's shared list, even when the write fails, and
// ListFresh never answers from a read made before it was called.
func TestObserverForgetsAfterAWriteAndReadsFresh(t *testing.T) {
	plat := fake.New()
	o := NewObserver(nil)
	ctx, acct := context.Background(), platform.Account{AppID: "wx00000000000000a1", Credential: "s"}
	list := func() {
		t.Helper()
		if _, _, err := o.List(ctx, plat, acct, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	list()
	list()
	if n := plat.Count(fake.MethodListMiniProgramLinks); n != 1 {
		t.Fatalf("two reads within maxAge made %d calls, want 1", n)
	}
	plat.Fail(fake.MethodLinkMiniProgram, fake.NetworkError(fake.MethodLinkMiniProgram))
	err := o.AfterWrite(plat, acct.AppID, func() error {
		_, err := plat.LinkMiniProgram(ctx, acct, "wx00000000000000b1", platform.LinkOptions{})
		return err
	})
	if err == nil {
		t.Fatal("the injected failure was lost")
	}
	list()
	if n := plat.Count(fake.MethodListMiniProgramLinks); n != 2 {
		t.Fatalf("a read after a (failed) write was served from before it: %d calls, want 2", n)
	}
	if _, err := o.ListFresh(ctx, plat, acct); err != nil {
		t.Fatal(err)
	}
	if n := plat.Count(fake.MethodListMiniProgramLinks); n != 3 {
		t.Fatalf("ListFresh answered from a stored read: %d calls, want 3", n)
	}
}

// ForgetClient drops every entry read through a client, and nothing read through another.
func TestObserverForgetsAClient(t *testing.T) {
	kept, dropped := fake.New(), fake.New()
	o := NewObserver(nil)
	ctx := context.Background()
	for _, p := range []*fake.Platform{kept, dropped} {
		for _, app := range []string{"wx00000000000000a1", "wx00000000000000a2"} {
			if _, _, err := o.List(ctx, p, platform.Account{AppID: app}, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := o.links.size(); n != 4 {
		t.Fatalf("%d keys before forgetting, want 4", n)
	}
	o.ForgetClient(dropped)
	if n := o.links.size(); n != 2 {
		t.Fatalf("%d keys after forgetting one client, want the other client's 2", n)
	}
	if _, _, err := o.List(ctx, kept, platform.Account{AppID: "wx00000000000000a1"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := kept.Count(fake.MethodListMiniProgramLinks); n != 2 {
		t.Errorf("the kept client's entries were dropped too (%d calls, want 2)", n)
	}
}

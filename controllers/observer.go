// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"sigs.k8s.io/controller-runtime/pkg/event"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// PlatformProvider hands out the platform client of a PlatformConfig. Implementations share one client (and
// so one token broker and one rate limiter) per PlatformConfig across every reconciler.
type PlatformProvider interface {
	For(ctx context.Context, pc *wx.PlatformConfig) (platform.Platform, error)
	// Renewals names the OfficialAccounts whose published access token was renewed.
	Renewals() <-chan event.GenericEvent
}

// Observer shares reads of the platform among every reconcile that needs them, so that API use grows with
// accounts, not with links:
//   - an Official Account's Mini Program links (wxamplinkget), read by the Official Account's own reconcile and
//     by each of its links;
//   - an account's description (getaccountbasicinfo), read by the account's own reconcile, which each change
//     of one of its links triggers, and by the MerchantBinding of a Mini Program;
//   - a Mini Program's testers (memberauth), read by the Mini Program's reconcile.
//
// Concurrent readers of one key share one call; a mutation invalidates the entry. Entries are keyed by the
// platform client (one per PlatformConfig) and the AppID, so a PlatformConfig in another namespace, pointing
// elsewhere, can never answer for this one, and are shared only by callers with the same credential.
type Observer struct {
	links    sharedReads[[]platform.MiniProgramLink]
	accounts sharedReads[*platform.AccountInfo]
	testers  sharedReads[[]platform.Tester]
}

// NewObserver returns an empty observer using the given clock (nil for time.Now).
func NewObserver(now func() time.Time) *Observer {
	if now == nil {
		now = time.Now
	}
	return &Observer{links: newSharedReads[[]platform.MiniProgramLink](now), accounts: newSharedReads[*platform.AccountInfo](now),
		testers: newSharedReads[[]platform.Tester](now)}
}

// observerKey names an account's entries: the client that reads (one per PlatformConfig) and the AppID. A
// wechat.Client has an Instance that is never reused; another implementation is named by its address.
func observerKey(p platform.Platform, appID string) string {
	if c, ok := p.(interface{ Instance() uint64 }); ok {
		return fmt.Sprintf("client-%d|%s", c.Instance(), appID)
	}
	return fmt.Sprintf("%p|%s", p, appID)
}

// readerOf fingerprints the credential a read is made with, so that an object whose credentials are wrong
// is never answered by a read made with another object's good ones for the same AppID.
func readerOf(acct platform.Account) reader {
	h := sha256.Sum256([]byte(acct.AppID + "\x00" + acct.Credential.Reveal()))
	return reader(hex.EncodeToString(h[:8]))
}

// List returns the Official Account's links, from a read no older than maxAge when there is one, and the
// time that read started. The list is shared: callers must not modify it.
func (o *Observer) List(ctx context.Context, p platform.Platform, oa platform.Account,
	maxAge time.Duration) ([]platform.MiniProgramLink, time.Time, error) {
	return o.links.get(ctx, observerKey(p, oa.AppID), readerOf(oa), maxAge, func(ctx context.Context) ([]platform.MiniProgramLink, error) {
		return p.ListMiniProgramLinks(ctx, oa)
	})
}

// Invalidate forgets an Official Account's links, after wxlink changed them.
func (o *Observer) Invalidate(p platform.Platform, officialAccountAppID string) {
	o.links.invalidate(observerKey(p, officialAccountAppID))
}

// Describe returns the account's description, from a read no older than maxAge when there is one, and the
// time that read started. The description is shared: callers must not modify it.
func (o *Observer) Describe(ctx context.Context, p platform.Platform, acct platform.Account,
	maxAge time.Duration) (*platform.AccountInfo, time.Time, error) {
	return o.accounts.get(ctx, observerKey(p, acct.AppID), readerOf(acct), maxAge, func(ctx context.Context) (*platform.AccountInfo, error) {
		return p.DescribeAccount(ctx, acct)
	})
}

// Testers returns the Mini Program's testers, from a read no older than maxAge when there is one. The list is
// shared: callers must not modify it.
func (o *Observer) Testers(ctx context.Context, p platform.Platform, miniProgram platform.Account,
	maxAge time.Duration) ([]platform.Tester, error) {
	testers, _, err := o.testers.get(ctx, observerKey(p, miniProgram.AppID), readerOf(miniProgram), maxAge,
		func(ctx context.Context) ([]platform.Tester, error) {
			return p.ListTesters(ctx, miniProgram)
		})
	return testers, err
}

// InvalidateTesters forgets a Mini Program's testers, after wxlink bound or unbound one.
func (o *Observer) InvalidateTesters(p platform.Platform, miniProgramAppID string) {
	o.testers.invalidate(observerKey(p, miniProgramAppID))
}

// sharedReadTimeout bounds a shared read, which runs detached from the first caller's cancellation so that
// one reconcile giving up does not fail the others that joined it.
const sharedReadTimeout = 2 * time.Minute

// reader is a fingerprint of the credential a read was made with: entries are shared only with callers
// that would have made the same read.
type reader string

// sharedReads is a cache of reads by key, with single flight. Each key has an epoch that invalidate bumps: a
// read that started before an invalidation is neither shared with later readers nor stored.
type sharedReads[T any] struct {
	mu      sync.Mutex
	entries map[string]sharedEntry[T]
	epochs  map[string]uint64
	group   *singleflight.Group
	now     func() time.Time
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
	epoch := s.epochs[key]
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

func (s *sharedReads[T]) invalidate(key string) {
	s.mu.Lock()
	delete(s.entries, key)
	s.epochs[key]++
	s.mu.Unlock()
}

// Find returns the link to a Mini Program by AppID, or by original ID (username) for older responses that
// lack the AppID.
func Find(links []platform.MiniProgramLink, appID, username string) (platform.MiniProgramLink, bool) {
	for _, l := range links {
		if (l.AppID != "" && l.AppID == appID) || (l.AppID == "" && username != "" && l.Username == username) {
			return l, true
		}
	}
	return platform.MiniProgramLink{}, false
}

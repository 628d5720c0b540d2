// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// PlatformProvider hands out the platform client of a PlatformConfig. Implementations share one client (and
// so one token broker and one rate limiter) per PlatformConfig across every reconciler.
type PlatformProvider interface {
	For(ctx context.Context, pc *wx.PlatformConfig) (platform.Platform, error)
}

// LinkObserver reads an Official Account's Mini Program links once and shares the answer among every
// reconcile that needs it (the Official Account's own and each of its links), so that API use grows with
// owners, not with links. Concurrent readers of one owner share one call; a mutation invalidates the entry.
//
// Entries are keyed by the platform client (one per PlatformConfig) and the AppID, so a PlatformConfig in
// another namespace, pointing elsewhere, can never answer for this one. Each key has an epoch that
// Invalidate bumps: a read that started before an invalidation is neither shared with later readers nor
// stored.
type LinkObserver struct {
	mu      sync.Mutex
	entries map[string]linkEntry
	epochs  map[string]uint64
	group   singleflight.Group
	now     func() time.Time
}

type linkEntry struct {
	links []platform.MiniProgramLink
	at    time.Time
}

// NewLinkObserver returns an empty observer using the given clock (nil for time.Now).
func NewLinkObserver(now func() time.Time) *LinkObserver {
	if now == nil {
		now = time.Now
	}
	return &LinkObserver{entries: map[string]linkEntry{}, epochs: map[string]uint64{}, now: now}
}

func observerKey(p platform.Platform, appID string) string { return fmt.Sprintf("%p|%s", p, appID) }

// List returns the Official Account's links, from a read no older than maxAge when there is one.
func (o *LinkObserver) List(ctx context.Context, p platform.Platform, oa platform.Account,
	maxAge time.Duration) ([]platform.MiniProgramLink, error) {
	key := observerKey(p, oa.AppID)
	o.mu.Lock()
	e, ok := o.entries[key]
	epoch := o.epochs[key]
	o.mu.Unlock()
	if ok && o.now().Sub(e.at) <= maxAge {
		return e.links, nil
	}
	v, err, _ := o.group.Do(fmt.Sprintf("%s#%d", key, epoch), func() (any, error) {
		links, err := p.ListMiniProgramLinks(ctx, oa)
		if err != nil {
			return nil, err
		}
		o.mu.Lock()
		if o.epochs[key] == epoch {
			o.entries[key] = linkEntry{links: links, at: o.now()}
		}
		o.mu.Unlock()
		return links, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]platform.MiniProgramLink), nil
}

// Invalidate forgets an Official Account's links, after wxlink changed them.
func (o *LinkObserver) Invalidate(p platform.Platform, officialAccountAppID string) {
	key := observerKey(p, officialAccountAppID)
	o.mu.Lock()
	delete(o.entries, key)
	o.epochs[key]++
	o.mu.Unlock()
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

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
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
type LinkObserver struct {
	mu      sync.Mutex
	entries map[string]linkEntry
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
	return &LinkObserver{entries: map[string]linkEntry{}, now: now}
}

// List returns the Official Account's links, from a read no older than maxAge when there is one.
func (o *LinkObserver) List(ctx context.Context, p platform.Platform, oa platform.Account,
	maxAge time.Duration) ([]platform.MiniProgramLink, error) {
	o.mu.Lock()
	e, ok := o.entries[oa.AppID]
	o.mu.Unlock()
	if ok && o.now().Sub(e.at) <= maxAge {
		return e.links, nil
	}
	v, err, _ := o.group.Do(oa.AppID, func() (any, error) {
		links, err := p.ListMiniProgramLinks(ctx, oa)
		if err != nil {
			return nil, err
		}
		o.mu.Lock()
		o.entries[oa.AppID] = linkEntry{links: links, at: o.now()}
		o.mu.Unlock()
		return links, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]platform.MiniProgramLink), nil
}

// Invalidate forgets an Official Account's links, after wxlink changed them.
func (o *LinkObserver) Invalidate(officialAccountAppID string) {
	o.mu.Lock()
	delete(o.entries, officialAccountAppID)
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

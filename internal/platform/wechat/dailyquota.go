// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"net/http"
	"sync"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// DefaultMaxClockSkew is the default of Config.MaxClockSkew.
const DefaultMaxClockSkew = 10 * time.Minute

const (
	// minDailyQuotaWait is the floor of a 45009's wait, so that the client never goes straight back into
	// 45009s (a Date a second before midnight would otherwise ask again a second later).
	minDailyQuotaWait = 30 * time.Second
	// quotaRecheck is the wait of a 45009 that comes after the midnight an earlier one waited for, within
	// the skew window: the clocks disagreed (a proxy's Date a few minutes fast), not a day's quota spent
	// again. It asks again after a few minutes instead of a whole day.
	quotaRecheck = 2 * time.Minute
	// maxQuotaSkewWindow bounds the window after the computed midnight in which a 45009 counts as skew: the
	// window is Config.MaxClockSkew, at most this (a large MaxClockSkew, for a simulator hours off, must not
	// turn a spent quota into hours of rechecks).
	maxQuotaSkewWindow = 30 * time.Minute
)

type quotaKey struct{ api, account string }

// quotaResets remembers, per API and account, the instant on the client's clock when the last 45009 said the
// quota comes back. A hand-written map under a mutex: entries live at most a day and a window, and are pruned
// on every 45009.
type quotaResets struct {
	mu sync.Mutex
	at map[quotaKey]time.Time
}

// dailyQuotaWait is how long the 45009 answering req waits: until the next day in Beijing on the platform's
// clock (the answer's Date header), since the platform resets the quota at its own midnight, not at the
// manager's; fallback (from the client's clock) when the header is missing, unreadable or further than
// MaxClockSkew from the client's clock. A 45009 within the skew window after the midnight an earlier one
// waited for is rechecked after quotaRecheck; no wait is shorter than minDailyQuotaWait.
func (c *Client) dailyQuotaWait(req request, date string, fallback time.Duration) time.Duration {
	now := c.now()
	window := min(c.cfg.MaxClockSkew, maxQuotaSkewWindow)
	key := quotaKey{api: req.api, account: req.account}
	r := &c.quotaResets
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, at := range r.at {
		if now.After(at.Add(window)) {
			delete(r.at, k)
		}
	}
	if at, ok := r.at[key]; ok && !now.Before(at) {
		// Keep at: the window runs from the first computed midnight, not from each recheck.
		return quotaRecheck
	}
	d := max(platformDailyWait(date, now, c.cfg.MaxClockSkew, fallback), minDailyQuotaWait)
	if r.at == nil {
		r.at = map[quotaKey]time.Time{}
	}
	r.at[key] = now.Add(d)
	return d
}

// platformDailyWait is the wait until the next Beijing day on the clock of the Date header date when it is
// readable and within maxSkew of now; fallback otherwise. Whatever the header says, the wait is at most a day.
func platformDailyWait(date string, now time.Time, maxSkew, fallback time.Duration) time.Duration {
	t, err := http.ParseTime(date)
	if err != nil || t.Sub(now).Abs() > maxSkew {
		return fallback
	}
	return platform.UntilNextBeijingDay(t)
}

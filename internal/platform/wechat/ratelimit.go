// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The client's rate limit has two levels. The platform's limits are per account: each API has a daily
// quota per account (45009), some a per-minute one (45011), and calls a third-party platform makes for an
// account spend that account's quota. So every call passes its account's bucket (Config.AccountQPS), and
// the client's bucket (Config.QPS), which is the budget of the whole PlatformConfig: one egress, which the
// user may want to cap. A fleet of many accounts then runs as fast as the client's budget allows, and one
// busy account cannot take the others' turns.

// accountLimiters are the per-account buckets, made on first use. An account's bucket is kept for the
// client's life: its state is small (a few words), and the client is replaced when its PlatformConfig
// changes.
type accountLimiters struct {
	mu sync.Mutex
	by map[string]*rate.Limiter
}

func (a *accountLimiters) get(appID string, qps float64, burst int) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.by == nil {
		a.by = map[string]*rate.Limiter{}
	}
	l := a.by[appID]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(qps), burst)
		a.by[appID] = l
	}
	return l
}

// waitRate waits for the call's account bucket, then for the client's: the client's token is taken when the
// account lets the call go, so an account held back by its own bucket neither spends the PlatformConfig's
// budget ahead of time (the budget caps calls as they go out) nor makes the other accounts wait behind its
// queue. Each limiter only ever sees the clock move forward (golang.org/x/time/rate assumes it). A wait that
// would pass the caller's deadline is refused, and its token given back.
func (c *Client) waitRate(ctx context.Context, account string, hasDeadline bool, budgetEnd time.Time) error {
	if account != "" {
		l := c.accounts.get(account, c.cfg.AccountQPS, c.cfg.AccountBurst)
		if err := c.waitOn(ctx, l, hasDeadline, budgetEnd); err != nil {
			return err
		}
	}
	return c.waitOn(ctx, c.limiter, hasDeadline, budgetEnd)
}

// waitOn takes one token of l, waiting for it on the client's clock.
func (c *Client) waitOn(ctx context.Context, l *rate.Limiter, hasDeadline bool, budgetEnd time.Time) error {
	now := c.now()
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("burst is 0: no request can pass")
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if hasDeadline && now.Add(d).After(budgetEnd) {
		r.CancelAt(now)
		return fmt.Errorf("waiting %s for a rate limit token would pass the deadline", d)
	}
	if err := c.cfg.Sleep(ctx, d); err != nil {
		r.CancelAt(c.now())
		return err
	}
	return nil
}

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

// waitRate takes a token from the account's bucket and from the client's, and waits on the client's clock
// until both allow the call; it refuses a wait that would pass the caller's deadline, and then gives both
// tokens back.
func (c *Client) waitRate(ctx context.Context, account string, hasDeadline bool, budgetEnd time.Time) error {
	now := c.now()
	d, cancel, err := c.reserve(now, account)
	if err != nil || d <= 0 {
		return err
	}
	if hasDeadline && now.Add(d).After(budgetEnd) {
		cancel(now)
		return fmt.Errorf("waiting %s for a rate limit token would pass the deadline", d)
	}
	if err := c.cfg.Sleep(ctx, d); err != nil {
		cancel(c.now())
		return err
	}
	return nil
}

// reserve reserves the call's tokens and returns how long from now it must wait. The account's bucket goes
// first, and the client's token is reserved for the moment the account allows the call: an account held back
// by its own bucket neither spends the PlatformConfig's budget ahead of time (the budget caps calls as they
// go out) nor makes the other accounts wait behind its queue.
func (c *Client) reserve(now time.Time, account string) (time.Duration, func(time.Time), error) {
	limiters := []*rate.Limiter{c.limiter}
	if account != "" {
		limiters = []*rate.Limiter{c.accounts.get(account, c.cfg.AccountQPS, c.cfg.AccountBurst), c.limiter}
	}
	var reservations []*rate.Reservation
	cancel := func(at time.Time) {
		for _, r := range reservations {
			r.CancelAt(at)
		}
	}
	d := time.Duration(0)
	for _, l := range limiters {
		r := l.ReserveN(now.Add(d), 1)
		if !r.OK() {
			cancel(now)
			return 0, nil, errors.New("burst is 0: no request can pass")
		}
		reservations = append(reservations, r)
		d = max(d, r.DelayFrom(now))
	}
	return d, cancel, nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"testing"
	"time"
)

// An account held back by its own bucket takes the client's token when its call goes out, not when it starts
// waiting: while a busy account's call waits for its account, another account's call finds the client's
// budget untouched by it.
func TestABusyAccountDoesNotSpendTheClientsBudgetAhead(t *testing.T) {
	clock := newFakeClock()
	var c *Client
	var otherWaits []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		if d == time.Second && otherWaits == nil {
			// The busy account's second call waits for its own bucket; meanwhile, another account calls.
			before := len(clock.Slept())
			if err := c.waitRate(ctx, "wxother", false, time.Time{}); err != nil {
				return err
			}
			otherWaits = append([]time.Duration{}, clock.Slept()[before:]...)
		}
		return clock.Sleep(ctx, d)
	}
	env := newEnv(t, func(cfg *Config) {
		cfg.QPS, cfg.Burst, cfg.AccountQPS, cfg.AccountBurst = 10, 1, 1, 1
		cfg.Clock, cfg.Sleep = clock.Now, sleep
	})
	c = env.client
	for range 2 {
		if err := c.waitRate(context.Background(), "wxbusy", false, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	// The busy account's first call took the client's only token: the other account waits for the next one
	// (10/s: 100 ms), not also for the token of a call still waiting for its account (200 ms).
	if len(otherWaits) != 1 || otherWaits[0] != 100*time.Millisecond {
		t.Errorf("the other account waited %v, want [100ms]", otherWaits)
	}
}

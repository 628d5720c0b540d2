// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"testing"
	"time"
)

// An account held back by its own bucket takes the client's token for the moment its call goes out, not
// now: its waiting calls neither spend the PlatformConfig's budget ahead of time nor make the other
// accounts wait behind them. Four calls reserved at one instant, as concurrent reconciles do.
func TestABusyAccountDoesNotSpendTheClientsBudgetAhead(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.QPS, c.Burst, c.AccountQPS, c.AccountBurst = 10, 1, 1, 1 })
	now := env.clock.Now()
	var waits []time.Duration
	for _, account := range []string{"wxbusy", "wxbusy", "wxbusy", "wxother"} {
		d, _, err := env.client.reserve(now, account)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, d)
	}
	// The busy account: its own bucket, 1/s.
	if waits[0] != 0 || waits[1] != time.Second || waits[2] != 2*time.Second {
		t.Errorf("the busy account waits %v, want 0s, 1s, 2s", waits[:3])
	}
	// The other account waits for the client's next token only (10/s: 100 ms), not behind the busy
	// account's calls (which reserved tokens now would make it 300 ms).
	if waits[3] != 100*time.Millisecond {
		t.Errorf("the other account waits %v, want 100ms", waits[3])
	}
}

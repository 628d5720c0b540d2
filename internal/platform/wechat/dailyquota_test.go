// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// quotaEnv is a client whose memberauth answers 45009 with the Date that date gives for the client's time
// (nil: the fake platform's own, the client's clock), or succeeds once spent is false.
func quotaEnv(t *testing.T, date func(now time.Time) time.Time) (*testEnv, *atomic.Bool) {
	t.Helper()
	env := newEnv(t, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 1, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	})
	env.srv.stableTokens("", "tok-daily-0001")
	var spent atomic.Bool
	spent.Store(true)
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		if date != nil {
			w.Header().Set("Date", date(env.clock.Now()).UTC().Format(http.TimeFormat))
		}
		if !spent.Load() {
			membersOK(w, c)
			return
		}
		writeJSON(w, errBody(45009, "reach max api daily quota limit"))
	})
	return env, &spent
}

// dailyWait calls memberauth and returns the 45009's RetryAfter.
func dailyWait(t *testing.T, env *testEnv) time.Duration {
	t.Helper()
	_, err := env.client.ListTesters(context.Background(), ownMP)
	e := mustClass(t, err, platform.ClassRetryable)
	if e.Code != 45009 {
		t.Fatalf("error = %+v, want 45009", e)
	}
	return e.RetryAfter
}

// beijingAt moves the fake clock (2026-03-02 18:00 in Beijing) to hh:mm:ss that day in Beijing.
func beijingAt(env *testEnv, hms time.Duration) {
	env.clock.Advance(hms - 18*time.Hour)
}

// A 45009 waits until the next day in Beijing on the platform's clock (its Date header), not the client's:
// the platform resets its daily quotas at its own midnight.
func TestDailyQuotaWaitsForThePlatformsMidnight(t *testing.T) {
	// The client's clock says 23:55 in Beijing; the platform's is 4m30s ahead, at 23:59:00.
	env, _ := quotaEnv(t, func(now time.Time) time.Time { return now.Add(4 * time.Minute) })
	beijingAt(env, 23*time.Hour+55*time.Minute)
	if got := dailyWait(t, env); got != time.Minute {
		t.Fatalf("45009 at the platform's 23:59:00 in Beijing: RetryAfter = %s, want 1m", got)
	}
}

// A Date further than MaxClockSkew from the client's clock is not believed: a Date a year off, two seconds
// before its midnight, must not make the client ask again in seconds (and loop into 45009s).
func TestDailyQuotaIgnoresADateFarFromTheClientsClock(t *testing.T) {
	for name, tc := range map[string]struct {
		offset time.Duration
		want   time.Duration
	}{
		"a year off, 2s before its midnight": {offset: -365*24*time.Hour + 5*time.Hour + 59*time.Minute + 58*time.Second, want: 6 * time.Hour},
		"11 minutes fast":                    {offset: 11 * time.Minute, want: 6 * time.Hour},
		"9 minutes fast":                     {offset: 9 * time.Minute, want: 6*time.Hour - 9*time.Minute},
		"9 minutes slow":                     {offset: -9 * time.Minute, want: 6*time.Hour + 9*time.Minute},
	} {
		t.Run(name, func(t *testing.T) {
			// The client's clock says 18:00 in Beijing: its own reckoning is 6h.
			env, _ := quotaEnv(t, func(now time.Time) time.Time { return now.Add(tc.offset) })
			if got := dailyWait(t, env); got != tc.want {
				t.Fatalf("RetryAfter = %s, want %s", got, tc.want)
			}
		})
	}
}

// MaxClockSkew is configurable: a simulator hours off is believed when the client is told to.
func TestDailyQuotaMaxClockSkewIsConfigurable(t *testing.T) {
	env := newEnv(t, func(c *Config) {
		c.MaxClockSkew = 48 * time.Hour
		c.Retry = RetryPolicy{MaxAttempts: 1, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	})
	env.srv.stableTokens("", "tok-daily-0001")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		// 23:59:00 in Beijing: 5h59m ahead of the client's 18:00.
		w.Header().Set("Date", env.clock.Now().Add(5*time.Hour+59*time.Minute).UTC().Format(http.TimeFormat))
		writeJSON(w, errBody(45009, "reach max api daily quota limit"))
	})
	if got := dailyWait(t, env); got != time.Minute {
		t.Fatalf("RetryAfter = %s, want 1m (the platform's midnight)", got)
	}
	if _, err := New(Config{MaxClockSkew: -time.Second}); err == nil {
		t.Fatal("a negative MaxClockSkew was accepted")
	}
}

// No 45009 waits less than 30 s: a Date a second before midnight does not send the client straight back.
func TestDailyQuotaWaitHasAFloor(t *testing.T) {
	env, _ := quotaEnv(t, nil)
	beijingAt(env, 23*time.Hour+59*time.Minute+59*time.Second)
	if got := dailyWait(t, env); got != minDailyQuotaWait {
		t.Fatalf("45009 at 23:59:59 in Beijing: RetryAfter = %s, want %s", got, minDailyQuotaWait)
	}
}

// A proxy's Date 3 minutes fast: the first 45009 waits 3 minutes too little, and the retry, just before the
// real midnight, gets 45009 again from a Date past it. That one is taken for skew and rechecked after a few
// minutes, not a day; once the window after the computed midnight has passed, a 45009 waits for the next day.
func TestDailyQuotaJustAfterTheComputedMidnightIsRechecked(t *testing.T) {
	env, spent := quotaEnv(t, func(now time.Time) time.Time { return now.Add(3 * time.Minute) })
	beijingAt(env, 23*time.Hour+55*time.Minute)
	first := dailyWait(t, env)
	if first != 2*time.Minute {
		t.Fatalf("first 45009 (proxy at 23:58): RetryAfter = %s, want 2m", first)
	}
	env.clock.Advance(first) // 23:57 real, 00:00 on the proxy
	if got := dailyWait(t, env); got != quotaRecheck {
		t.Fatalf("45009 at the computed midnight: RetryAfter = %s, want the recheck %s", got, quotaRecheck)
	}
	env.clock.Advance(quotaRecheck) // 23:59 real: still yesterday's quota on the platform
	if got := dailyWait(t, env); got != quotaRecheck {
		t.Fatalf("second recheck: RetryAfter = %s, want %s", got, quotaRecheck)
	}
	env.clock.Advance(quotaRecheck) // 00:01 real: the quota is back
	spent.Store(false)
	if _, err := env.client.ListTesters(context.Background(), ownMP); err != nil {
		t.Fatalf("after the real midnight: %v", err)
	}

	// Spent again, long after the window: the next day.
	spent.Store(true)
	env.clock.Advance(time.Hour)
	if got := dailyWait(t, env); got != 23*time.Hour-4*time.Minute {
		t.Fatalf("45009 an hour after midnight: RetryAfter = %s, want until the next midnight (22h56m)", got)
	}
}

func TestPlatformDailyWaitFallsBackToTheClientsClock(t *testing.T) {
	platformNow := time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC) // 19:00 in Beijing
	for date, want := range map[string]time.Duration{
		"":                                  time.Hour, // no header: the client's own reckoning
		"not a date":                        time.Hour,
		platformNow.Format(http.TimeFormat): 5 * time.Hour,
		platformNow.Add(-48 * time.Hour).Format(http.TimeFormat): time.Hour, // days off: not believed
	} {
		if got := platformDailyWait(date, platformNow, 10*time.Minute, time.Hour); got != want {
			t.Errorf("Date %q: wait %s, want %s", date, got, want)
		}
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// blockedExposition is the exposition of the daily quota gauge: apiLink's series at v, and the token API's
// (called for the access token) at 0.
func blockedExposition(v string) string {
	return "# HELP " + MetricDailyQuotaBlockedUntil + " Until when (Unix seconds) the WeChat API's daily call quota (errcode 45009) " +
		"is spent for some account wxlink calls it for: the next day in Beijing time; 0 when none is. Alert on > time().\n" +
		"# TYPE " + MetricDailyQuotaBlockedUntil + " gauge\n" +
		MetricDailyQuotaBlockedUntil + `{api="cgi-bin/stable_token"} 0` + "\n" +
		MetricDailyQuotaBlockedUntil + `{api="` + apiLink + `"} ` + v + "\n"
}

// The daily quota gauge: an API's series exists at 0 once it is called, the first 45009 sets it to the next
// Beijing midnight (so `> time()` fires at once and holds until then, however long ago the 45009 came), another
// account's success leaves it, the blocked account's own success (a clear_quota) lifts it, and so does the
// quota's midnight, without a call.
func TestDailyQuotaBlockedUntilGauge(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-quota-0001")
	var exhausted atomic.Bool
	env.srv.handle(apiLink, func(w http.ResponseWriter, c call) {
		if exhausted.Load() && c.Body["appid"] == "wxexhausted" {
			writeJSON(w, errBody(45009, "reach max api daily quota limit"))
			return
		}
		writeJSON(w, ok(nil))
	})
	other := platform.Account{AppID: "wx0c0c0c0c0c0c0c03", Credential: "other-app-secret-0123456789abc"}
	ctx := context.Background()
	link := func(acct platform.Account, mp string) error {
		_, err := env.client.LinkMiniProgram(ctx, acct, mp, platform.LinkOptions{})
		return err
	}
	check := func(step, want string) {
		t.Helper()
		if err := testutil.GatherAndCompare(env.reg, strings.NewReader(blockedExposition(want)), MetricDailyQuotaBlockedUntil); err != nil {
			t.Errorf("%s: %v", step, err)
		}
	}
	if err := link(ownOA, ownMP.AppID); err != nil {
		t.Fatal(err)
	}
	check("after a success", "0")

	exhausted.Store(true)
	err := link(ownOA, "wxexhausted")
	if e := mustClass(t, err, platform.ClassRetryable); e.Code != 45009 {
		t.Fatalf("error = %+v, want 45009", e)
	}
	// The fake clock is 2026-03-02 10:00 UTC (18:00 in Beijing): the quota comes back at 16:00 UTC.
	midnight := time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)
	want := strconv.FormatInt(midnight.Unix(), 10)
	check("after the first 45009", want)

	env.clock.Advance(time.Hour)
	if err := link(other, ownMP.AppID); err != nil {
		t.Fatal(err)
	}
	check("after another account's success", want)

	exhausted.Store(false) // clear_quota
	if err := link(ownOA, "wxexhausted"); err != nil {
		t.Fatal(err)
	}
	check("after the blocked account's success", "0")

	// Blocked again: once the quota's midnight has passed, the gauge is 0 before the API is called again.
	exhausted.Store(true)
	if err := link(ownOA, "wxexhausted"); !platform.HasCode(err, 45009) {
		t.Fatalf("error = %v, want 45009", err)
	}
	check("blocked again", want)
	env.clock.Advance(midnight.Sub(env.clock.Now()))
	check("at the quota's midnight, with no call since", "0")
}

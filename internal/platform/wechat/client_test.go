// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

func membersOK(w http.ResponseWriter, _ call) {
	writeJSON(w, ok(map[string]any{"members": []any{map[string]any{"userstr": "u1"}}}))
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"not a URL":          {BaseURL: "://x"},
		"no scheme":          {BaseURL: "127.0.0.1:8080"},
		"query in base":      {BaseURL: "http://127.0.0.1:1/?access_token=x"},
		"unknown route":      {BaseURL: "http://127.0.0.1:1", Route: Route{Kind: "Other"}},
		"third party no app": {BaseURL: "http://127.0.0.1:1", Route: Route{Kind: RouteThirdPartyPlatform}},
		"negative qps":       {BaseURL: "http://127.0.0.1:1", QPS: -1},
	} {
		cfg.Registerer = prometheus.NewRegistry()
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

func TestTokenRefreshAheadOfExpiry(t *testing.T) {
	var published, refreshes []time.Time
	var mu sync.Mutex
	env := newEnv(t, func(c *Config) {
		c.OnToken = func(appID string, tok platform.Secret, exp, refreshAt time.Time) {
			if appID != ownMP.AppID {
				t.Errorf("OnToken appID = %q", appID)
			}
			mu.Lock()
			published = append(published, exp)
			refreshes = append(refreshes, refreshAt)
			mu.Unlock()
		}
	})
	env.srv.stableTokens("", "tok-one-0001", "tok-two-0002")
	env.srv.handle(apiMemberAuth, membersOK)
	ctx := context.Background()
	start := env.clock.Now()

	if _, err := env.client.ListTesters(ctx, ownMP); err != nil {
		t.Fatal(err)
	}
	// 7200 s TTL: refreshed when less than min(5 min, 720 s) = 5 min remains.
	env.clock.Advance(7200*time.Second - 5*time.Minute - time.Second)
	if _, err := env.client.ListTesters(ctx, ownMP); err != nil {
		t.Fatal(err)
	}
	if n := env.srv.count(apiStableToken, nil); n != 1 {
		t.Fatalf("token requests before the refresh window = %d, want 1", n)
	}
	env.clock.Advance(2 * time.Second) // now 4m59s remain
	if _, err := env.client.ListTesters(ctx, ownMP); err != nil {
		t.Fatal(err)
	}
	if n := env.srv.count(apiStableToken, nil); n != 2 {
		t.Fatalf("token requests inside the refresh window = %d, want 2", n)
	}
	if n := env.srv.count(apiStableToken, isForce); n != 0 {
		t.Fatalf("force_refresh requests = %d, want 0", n)
	}
	calls := env.srv.callsTo(apiMemberAuth)
	if got := calls[len(calls)-1].Query["access_token"]; got != "tok-two-0002" {
		t.Fatalf("last call used %q, want the refreshed token", got)
	}
	sc := env.srv.callsTo(apiStableToken)[0]
	if sc.Body["appid"] != ownMP.AppID || sc.Body["secret"] != ownMP.Credential.Reveal() ||
		sc.Body["grant_type"] != "client_credential" || sc.Body["force_refresh"] != false {
		t.Fatalf("stable_token body = %v", sc.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(published) != 2 || !published[0].Equal(start.Add(7200*time.Second)) {
		t.Fatalf("OnToken expiries = %v", published)
	}
	// The refresh instant OnToken reports is the one the client acts on: 5 min before expiry.
	if len(refreshes) != 2 || !refreshes[0].Equal(start.Add(7200*time.Second-5*time.Minute)) {
		t.Fatalf("OnToken refresh instants = %v", refreshes)
	}
}

// A refresh ahead of expiry that fails keeps the cached token and waits before asking again, so a failing
// token endpoint is not asked by every call (nor by a publisher that comes back at RefreshAt).
func TestAccessTokenSpacesRetriesOfAFailedRefresh(t *testing.T) {
	env := newEnv(t, nil)
	var mu sync.Mutex
	failing, issued := false, 0
	env.srv.handle(apiStableToken, func(w http.ResponseWriter, c call) {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		issued++
		writeJSON(w, map[string]any{"access_token": "tok-" + strconv.Itoa(issued), "expires_in": 7200})
	})
	setFailing := func(v bool) { mu.Lock(); failing = v; mu.Unlock() }
	ctx := context.Background()
	start := env.clock.Now()

	first, err := env.client.AccessToken(ctx, ownMP)
	if err != nil {
		t.Fatal(err)
	}
	if !first.ExpiresAt.Equal(start.Add(7200*time.Second)) || !first.RefreshAt.Equal(start.Add(7200*time.Second-5*time.Minute)) {
		t.Fatalf("first token: expires %v, refresh %v", first.ExpiresAt, first.RefreshAt)
	}
	if again, err := env.client.AccessToken(ctx, ownMP); err != nil || again.Value != first.Value {
		t.Fatalf("second call before RefreshAt: %v, %v; want the cached token", again.Value == first.Value, err)
	}

	setFailing(true)
	env.clock.Advance(first.RefreshAt.Sub(env.clock.Now()))
	before := env.srv.count(apiStableToken, nil)
	got, err := env.client.AccessToken(ctx, ownMP)
	if err != nil {
		t.Fatalf("a failed refresh with a valid cached token must not fail: %v", err)
	}
	failedAt := env.srv.count(apiStableToken, nil)
	if failedAt == before {
		t.Fatal("the refresh at RefreshAt did not ask the platform")
	}
	if got.Value != first.Value || !got.ExpiresAt.Equal(first.ExpiresAt) {
		t.Fatalf("after a failed refresh: same token %v, expires %v; want the cached token", got.Value == first.Value, got.ExpiresAt)
	}
	now := env.clock.Now()
	if want := now.Add(refreshRetryMax); !got.RefreshAt.Equal(want) {
		t.Fatalf("next attempt at %v, want %v (%v after the failure)", got.RefreshAt, want, refreshRetryMax)
	}
	// Calls before the next attempt use the cached token without asking the token endpoint.
	env.clock.Advance(refreshRetryMax - time.Second)
	for range 5 {
		if _, err := env.client.AccessToken(ctx, ownMP); err != nil {
			t.Fatal(err)
		}
	}
	if n := env.srv.count(apiStableToken, nil); n != failedAt {
		t.Fatalf("token requests while waiting to retry = %d, want %d", n-failedAt, 0)
	}

	// Near expiry the attempts come no faster than refreshRetryMin apart, and never after expiry.
	env.clock.Advance(first.ExpiresAt.Add(-6 * time.Second).Sub(env.clock.Now()))
	if got, err := env.client.AccessToken(ctx, ownMP); err != nil || !got.RefreshAt.Equal(env.clock.Now().Add(refreshRetryMin)) {
		t.Fatalf("6 s before expiry: next attempt at %v (err %v), want %v", got.RefreshAt, err, env.clock.Now().Add(refreshRetryMin))
	}
	env.clock.Advance(refreshRetryMin) // 1 s before expiry
	if got, err := env.client.AccessToken(ctx, ownMP); err != nil || !got.RefreshAt.Equal(first.ExpiresAt) {
		t.Fatalf("1 s before expiry: next attempt at %v (err %v), want the expiry %v", got.RefreshAt, err, first.ExpiresAt)
	}
	setFailing(false)
	env.clock.Advance(time.Second)
	renewed, err := env.client.AccessToken(ctx, ownMP)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Value == first.Value || !renewed.ExpiresAt.Equal(env.clock.Now().Add(7200*time.Second)) {
		t.Fatalf("after the endpoint recovered: new token %v, expires %v", renewed.Value != first.Value, renewed.ExpiresAt)
	}
}

func TestRotatedSecretGetsItsOwnToken(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-old-secret", "tok-new-secret")
	env.srv.handle(apiMemberAuth, membersOK)
	ctx := context.Background()
	if _, err := env.client.ListTesters(ctx, ownMP); err != nil {
		t.Fatal(err)
	}
	rotated := platform.Account{AppID: ownMP.AppID, Credential: "mp-app-secret-rotated-999"}
	if _, err := env.client.ListTesters(ctx, rotated); err != nil {
		t.Fatal(err)
	}
	if n := env.srv.count(apiStableToken, nil); n != 2 {
		t.Fatalf("token requests = %d, want 2 (one per credential)", n)
	}
	if got := env.srv.callsTo(apiStableToken)[1].Body["secret"]; got != "mp-app-secret-rotated-999" {
		t.Fatalf("second token request used secret %v", got)
	}
}

func TestTokenSingleFlight(t *testing.T) {
	const callers = 16
	env := newEnv(t, nil)
	release := make(chan struct{})
	env.srv.handle(apiStableToken, func(w http.ResponseWriter, c call) {
		<-release
		writeJSON(w, map[string]any{"access_token": "tok-shared-01", "expires_in": 7200})
	})
	env.srv.handle(apiMemberAuth, membersOK)
	entered := make(chan string, callers)
	env.client.tokens.testHookFlight = func(key string) { entered <- key }

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.client.ListTesters(context.Background(), ownMP)
			errs <- err
		}()
	}
	// Every caller is inside the token flight while the one token request is held by the server.
	for range callers {
		<-entered
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := env.srv.count(apiStableToken, nil); n != 1 {
		t.Fatalf("%d concurrent callers made %d token requests, want 1", callers, n)
	}
	if n := env.srv.count(apiMemberAuth, func(c call) bool { return c.Query["access_token"] == "tok-shared-01" }); n != callers {
		t.Fatalf("business calls with the shared token = %d, want %d", n, callers)
	}
}

func TestAuthErrorRefreshesOnceAndRetriesOnce(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("tok-forced-00", "tok-first-01", "tok-second-02", "tok-third-03")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		writeJSON(w, errBody(40001, "invalid credential, access_token is invalid or not latest"))
	})
	_, err := env.client.ListTesters(context.Background(), ownMP)
	e := mustClass(t, err, platform.ClassAuth)
	if e.Code != 40001 || e.API != apiMemberAuth {
		t.Fatalf("error = %+v", e)
	}
	if n := env.srv.count(apiMemberAuth, nil); n != 2 {
		t.Fatalf("business calls = %d, want exactly 2 (the call and one retry)", n)
	}
	if n := env.srv.count(apiStableToken, isNotForce); n != 2 {
		t.Fatalf("stable_token (force false) requests = %d, want 2", n)
	}
	if n := env.srv.count(apiStableToken, isForce); n != 0 {
		t.Fatalf("force_refresh requests = %d, want 0: a different token came back", n)
	}
	calls := env.srv.callsTo(apiMemberAuth)
	if calls[0].Query["access_token"] != "tok-first-01" || calls[1].Query["access_token"] != "tok-second-02" {
		t.Fatalf("tokens used = %q, %q", calls[0].Query["access_token"], calls[1].Query["access_token"])
	}
}

func TestAuthErrorRecoversWithNewToken(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-stale-001", "tok-fresh-002")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		if c.Query["access_token"] == "tok-stale-001" {
			writeJSON(w, errBody(42001, "access_token expired"))
			return
		}
		membersOK(w, c)
	})
	testers, err := env.client.ListTesters(context.Background(), ownMP)
	if err != nil || len(testers) != 1 {
		t.Fatalf("ListTesters = %v, %v", testers, err)
	}
	if n := env.srv.count(apiMemberAuth, nil); n != 2 {
		t.Fatalf("business calls = %d, want 2", n)
	}
}

func TestForceRefreshOnlyWhenSameTokenReturned(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("tok-forced-B", "tok-same-AAA")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		if c.Query["access_token"] != "tok-forced-B" {
			writeJSON(w, errBody(40014, "invalid access_token"))
			return
		}
		membersOK(w, c)
	})
	if _, err := env.client.ListTesters(context.Background(), ownMP); err != nil {
		t.Fatal(err)
	}
	if n := env.srv.count(apiStableToken, isForce); n != 1 {
		t.Fatalf("force_refresh requests = %d, want 1", n)
	}
	if n := env.srv.count(apiStableToken, isNotForce); n != 2 {
		t.Fatalf("stable_token (force false) requests = %d, want 2", n)
	}

	// Within 30 s, the same failure does not force again: the caller gets the Auth error.
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		writeJSON(w, errBody(40001, "invalid credential"))
	})
	env.clock.Advance(10 * time.Second)
	_, err := env.client.ListTesters(context.Background(), ownMP)
	_ = mustClass(t, err, platform.ClassAuth)
	if n := env.srv.count(apiStableToken, isForce); n != 1 {
		t.Fatalf("force_refresh requests after a second failure = %d, want still 1", n)
	}
}

func TestTokenEndpointAuthCodeIsInvalidCredentials(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.handle(apiStableToken, func(w http.ResponseWriter, _ call) {
		writeJSON(w, errBody(40001, "invalid credential, access_token is invalid or not latest"))
	})
	_, err := env.client.ListTesters(context.Background(), ownMP)
	e := mustClass(t, err, platform.ClassTerminal)
	if e.Reason != platform.ReasonInvalidCredentials || e.Code != 40001 {
		t.Fatalf("error = %+v", e)
	}
	if n := env.srv.count(apiMemberAuth, nil); n != 0 {
		t.Fatalf("business calls = %d, want 0", n)
	}
}

func TestRetryableErrorsRetriedWithBoundedAttempts(t *testing.T) {
	env := newEnv(t, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	})
	env.srv.stableTokens("", "tok-retry-001")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		writeJSON(w, errBody(-1, "system error"))
	})
	_, err := env.client.ListTesters(context.Background(), ownMP)
	e := mustClass(t, err, platform.ClassRetryable)
	if e.Code != -1 {
		t.Fatalf("error = %+v", e)
	}
	if n := env.srv.count(apiMemberAuth, nil); n != 4 {
		t.Fatalf("attempts = %d, want 4", n)
	}
	slept := env.clock.Slept()
	if len(slept) != 3 {
		t.Fatalf("backoffs = %v, want 3", slept)
	}
	for i, d := range slept {
		hi := 100 * time.Millisecond << i
		if d < hi/2 || d > hi {
			t.Errorf("backoff %d = %s, want within [%s, %s]", i, d, hi/2, hi)
		}
	}
}

func TestRetryStopsAtContextDeadline(t *testing.T) {
	env := newEnv(t, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 10, BaseDelay: time.Second, MaxDelay: 8 * time.Second}
	})
	env.client.jitter = func() float64 { return 0.999999 } // backoffs ≈ 1 s, 2 s, 4 s
	env.srv.stableTokens("", "tok-deadline-1")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		writeJSON(w, errBody(45011, "api minute-quota reach limit"))
	})
	// Prime the token so that only business calls count.
	env.srv.handle(apiOpenGet, func(w http.ResponseWriter, _ call) { writeJSON(w, ok(map[string]any{"open_appid": "wxopen"})) })
	if _, err := env.client.GetOpenAccount(context.Background(), ownMP); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	start := env.clock.Now()
	_, err := env.client.ListTesters(ctx, ownMP)
	_ = mustClass(t, err, platform.ClassRetryable)
	// 45011 asks for the rest of the minute (60 s at 10:00:00): longer than MaxDelay, so no retry at all.
	if n := env.srv.count(apiMemberAuth, nil); n != 1 {
		t.Fatalf("attempts with a RetryAfter beyond MaxDelay = %d, want 1", n)
	}

	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) { writeJSON(w, errBody(-1, "system error")) })
	_, err = env.client.ListTesters(ctx, ownMP)
	_ = mustClass(t, err, platform.ClassRetryable)
	// Attempt 1, sleep ≈1 s, attempt 2; the next backoff (≈2 s) would end past the 2.5 s deadline.
	if n := env.srv.count(apiMemberAuth, nil); n != 1+2 {
		t.Fatalf("attempts before the deadline = %d, want 2", n-1)
	}
	if elapsed := env.clock.Now().Sub(start); elapsed > 2500*time.Millisecond {
		t.Fatalf("client waited %s, past the 2.5 s deadline", elapsed)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	env := newEnv(t, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 2, BaseDelay: 100 * time.Millisecond, MaxDelay: 2 * time.Minute}
	})
	env.clock.Advance(15 * time.Second) // 10:00:15: 45011 waits 45 s
	env.srv.stableTokens("", "tok-quota-0001")
	var n atomic.Int32
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		if n.Add(1) == 1 {
			writeJSON(w, errBody(45011, "api minute-quota reach limit"))
			return
		}
		membersOK(w, c)
	})
	if _, err := env.client.ListTesters(context.Background(), ownMP); err != nil {
		t.Fatal(err)
	}
	slept := env.clock.Slept()
	if len(slept) != 1 || slept[0] != 45*time.Second {
		t.Fatalf("waits = %v, want [45s]", slept)
	}

	// 45009 waits for the next day: returned at once with RetryAfter for the caller.
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		writeJSON(w, errBody(45009, "reach max api daily quota limit"))
	})
	_, err := env.client.ListTesters(context.Background(), ownMP)
	e := mustClass(t, err, platform.ClassRetryable)
	if e.RetryAfter < time.Hour {
		t.Fatalf("45009 RetryAfter = %s", e.RetryAfter)
	}
	if got := len(env.clock.Slept()); got != 1 {
		t.Fatalf("the client waited for a daily quota (%d waits)", got)
	}
}

func TestTerminalErrorsNeverRetried(t *testing.T) {
	for _, code := range []int{89016, 40013, 48001, 61023, 12345} {
		env := newEnv(t, nil)
		env.srv.stableTokens("", "tok-terminal-1")
		env.srv.handle(apiLink, func(w http.ResponseWriter, _ call) { writeJSON(w, errBody(code, "nope")) })
		_, err := env.client.LinkMiniProgram(context.Background(), ownOA, ownMP.AppID, platform.LinkOptions{})
		e := mustClass(t, err, platform.ClassTerminal)
		if e.Code != code {
			t.Fatalf("code = %d, want %d", e.Code, code)
		}
		if n := env.srv.count(apiLink, nil); n != 1 {
			t.Fatalf("errcode %d: attempts = %d, want 1", code, n)
		}
		if len(env.clock.Slept()) != 0 {
			t.Fatalf("errcode %d: the client backed off", code)
		}
	}
}

func TestRateLimitHonoured(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.QPS, c.Burst = 2, 3 })
	env.srv.stableTokens("", "tok-rate-0001")
	env.srv.handle(apiMemberAuth, membersOK)
	for range 7 {
		if _, err := env.client.ListTesters(context.Background(), ownMP); err != nil {
			t.Fatal(err)
		}
	}
	// 8 requests (1 token + 7 business) on a frozen clock: 3 pass on the burst, 5 wait 1/QPS each.
	slept := env.clock.Slept()
	if len(slept) != 5 {
		t.Fatalf("waits = %v, want 5", slept)
	}
	for _, d := range slept {
		if d < 499*time.Millisecond || d > 501*time.Millisecond {
			t.Fatalf("wait = %s, want 500ms", d)
		}
	}

	// A wait that would pass the deadline is refused up front, without a request.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	before := env.srv.count(apiMemberAuth, nil)
	_, err := env.client.ListTesters(ctx, ownMP)
	_ = mustClass(t, err, platform.ClassRetryable)
	if env.srv.count(apiMemberAuth, nil) != before {
		t.Fatal("a request went out although the rate limiter could not admit it before the deadline")
	}
}

// Each account has its own bucket as well as the client's: one account's calls wait for its own tokens,
// another account's calls do not wait behind them.
func TestRateLimitPerAccount(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.AccountQPS, c.AccountBurst = 2, 3 })
	env.srv.stableTokens("", "tok-rate-0001")
	env.srv.handle(apiMemberAuth, membersOK)
	for range 7 {
		if _, err := env.client.ListTesters(context.Background(), ownMP); err != nil {
			t.Fatal(err)
		}
	}
	// 8 requests of one account (1 token + 7 business) on a frozen clock: 3 pass on its burst, 5 wait.
	if slept := env.clock.Slept(); len(slept) != 5 {
		t.Fatalf("waits of one account = %v, want 5", slept)
	}
	other := platform.Account{AppID: "wx1b1b1b1b1b1b1b03", Credential: "mp-app-secret-0123456789abcdeg"}
	for range 2 {
		if _, err := env.client.ListTesters(context.Background(), other); err != nil {
			t.Fatal(err)
		}
	}
	// Another account's 3 requests (1 token + 2) pass on its own burst, though the first one's is spent.
	if slept := env.clock.Slept(); len(slept) != 5 {
		t.Fatalf("waits after another account's calls = %v, want still 5", slept)
	}
}

func TestServerErrorsAndDroppedConnectionsRetried(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.Retry.MaxAttempts = 4 })
	env.srv.stableTokens("", "tok-flaky-0001")
	var n atomic.Int32
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		switch n.Add(1) {
		case 1:
			w.WriteHeader(http.StatusBadGateway)
		case 2:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close() // dropped connection: no response at all
			}
		case 3:
			_, _ = w.Write([]byte("<html>proxy error</html>"))
		default:
			membersOK(w, c)
		}
	})
	if _, err := env.client.ListTesters(context.Background(), ownMP); err != nil {
		t.Fatalf("ListTesters: %v", err)
	}
	for label, want := range map[string]float64{"http_5xx": 1, "network": 1, "malformed": 1, "0": 1} {
		if got := testutil.ToFloat64(env.client.metrics.requests.WithLabelValues(apiMemberAuth, label)); got != want {
			t.Errorf("requests{api=%s,errcode=%s} = %v, want %v", apiMemberAuth, label, got, want)
		}
	}

	// A 4xx is terminal.
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) { w.WriteHeader(http.StatusForbidden) })
	_, err := env.client.ListTesters(context.Background(), ownMP)
	if e := mustClass(t, err, platform.ClassTerminal); e.HTTPStatus != http.StatusForbidden {
		t.Fatalf("error = %+v", e)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-redirect-01")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		w.Header().Set("Location", "http://127.0.0.1:1/steal")
		w.WriteHeader(http.StatusFound)
	})
	_, err := env.client.ListTesters(context.Background(), ownMP)
	if e := mustClass(t, err, platform.ClassTerminal); e.HTTPStatus != http.StatusFound {
		t.Fatalf("error = %+v", e)
	}
}

func TestOversizedResponseRejected(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-big-000001")
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		_, _ = w.Write([]byte(`{"errcode":0,"members":[],"pad":"`))
		_, _ = w.Write([]byte(strings.Repeat("x", maxResponseBody)))
		_, _ = w.Write([]byte(`"}`))
	})
	_, err := env.client.ListTesters(context.Background(), ownMP)
	if e := mustClass(t, err, platform.ClassTerminal); !strings.Contains(e.Msg, "4 MiB") {
		t.Fatalf("error = %+v", e)
	}
}

func TestMetricsLabelsAndSharedRegistry(t *testing.T) {
	env := newEnv(t, nil)
	// A second client on the same registry must not fail, and shares the collectors.
	second, err := New(Config{BaseURL: env.srv.srv.URL, Registerer: env.reg, Clock: env.clock.Now, Sleep: env.clock.Sleep})
	if err != nil {
		t.Fatalf("second New on one registry: %v", err)
	}
	env.srv.stableTokens("", "tok-metrics-01")
	env.srv.handle(apiLink, func(w http.ResponseWriter, c call) {
		if c.Body["appid"] == "wxquota" {
			writeJSON(w, errBody(89016, "reach same realname quota"))
			return
		}
		writeJSON(w, ok(nil))
	})
	ctx := context.Background()
	if _, err := env.client.LinkMiniProgram(ctx, ownOA, ownMP.AppID, platform.LinkOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := second.LinkMiniProgram(ctx, ownOA, ownMP.AppID, platform.LinkOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _ = env.client.LinkMiniProgram(ctx, ownOA, "wxquota", platform.LinkOptions{})

	requests, err := env.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range requests {
		for _, m := range mf.GetMetric() {
			labels := []string{mf.GetName()}
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
				for _, secret := range []string{ownOA.AppID, ownMP.AppID, "tok-metrics-01", ownOA.Credential.Reveal()} {
					if strings.Contains(l.GetValue(), secret) {
						t.Errorf("metric %s has label %s=%s", mf.GetName(), l.GetName(), l.GetValue())
					}
				}
			}
			if m.GetCounter() != nil {
				got[strings.Join(labels, ",")] = m.GetCounter().GetValue()
			}
			if m.GetHistogram() != nil {
				got[strings.Join(labels, ",")] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"wechat_api_requests_total,api=cgi-bin/wxopen/wxamplink,errcode=0":     2,
		"wechat_api_requests_total,api=cgi-bin/wxopen/wxamplink,errcode=89016": 1,
		"wechat_api_requests_total,api=cgi-bin/stable_token,errcode=0":         2,
		"wechat_api_request_duration_seconds,api=cgi-bin/wxopen/wxamplink":     3,
		"wechat_api_request_duration_seconds,api=cgi-bin/stable_token":         2,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series = %v, want exactly %v", got, want)
	}
}

// TestRetryAfterHeader: an HTTP 429 or 503 with Retry-After (seconds or an HTTP-date) sets RetryAfter, and
// the retry loop waits that long instead of its backoff, within the caller's deadline.
func TestRetryAfterHeader(t *testing.T) {
	env := newEnv(t, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Minute}
	})
	env.srv.stableTokens("", "tok-retry-after")
	var n atomic.Int32
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Retry-After", env.clock.Now().Add(12*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			membersOK(w, c)
		}
	})
	if _, err := env.client.ListTesters(context.Background(), ownMP); err != nil {
		t.Fatal(err)
	}
	if slept := env.clock.Slept(); len(slept) != 2 || slept[0] != 7*time.Second || slept[1] != 12*time.Second {
		t.Fatalf("waits = %v, want [7s 12s] (the Retry-After headers, not the backoff)", slept)
	}

	// A Retry-After that would pass the caller's deadline is returned at once, with RetryAfter set.
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := env.srv.count(apiMemberAuth, nil)
	_, err := env.client.ListTesters(ctx, ownMP)
	e := mustClass(t, err, platform.ClassRetryable)
	if e.HTTPStatus != http.StatusTooManyRequests || e.RetryAfter != 30*time.Second {
		t.Fatalf("error = %+v, want HTTP 429 with RetryAfter 30s", e)
	}
	if got := env.srv.count(apiMemberAuth, nil) - before; got != 1 || len(env.clock.Slept()) != 2 {
		t.Fatalf("attempts = %d, waits = %v; want 1 attempt and no new wait", got, env.clock.Slept())
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                               0,
		"120":                            2 * time.Minute,
		" 5 ":                            5 * time.Second,
		"0":                              0,
		"-3":                             0,
		"1.5":                            0,
		"soon":                           0,
		"99999999999999999":              maxRetryAfter,
		"Mon, 02 Mar 2026 10:01:30 GMT":  90 * time.Second,
		"Mon, 02 Mar 2026 09:59:00 GMT":  0,                // in the past
		"Monday, 02-Mar-26 10:00:10 GMT": 10 * time.Second, // RFC 850, which http.ParseTime accepts
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}

// TestMetricErrcodeLabelIsBounded: known errcodes are their own label; an errcode wxlink does not know is
// "other", and HTTP statuses are counted by class.
func TestMetricErrcodeLabelIsBounded(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.Retry.MaxAttempts = 1 })
	env.srv.stableTokens("", "tok-labels-001")
	var n atomic.Int32
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, _ call) {
		switch n.Add(1) {
		case 1:
			writeJSON(w, errBody(123456, "something new"))
		case 2:
			writeJSON(w, errBody(654321, "something else new"))
		case 3:
			writeJSON(w, errBody(85004, "wechat user has been tester"))
		case 4:
			w.WriteHeader(http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	for range 5 {
		_, _ = env.client.ListTesters(context.Background(), ownMP)
	}
	for label, want := range map[string]float64{"other": 2, "85004": 1, "http_4xx": 1, "http_5xx": 1,
		"123456": 0, "654321": 0, "http_404": 0, "http_503": 0} {
		if got := testutil.ToFloat64(env.client.metrics.requests.WithLabelValues(apiMemberAuth, label)); got != want {
			t.Errorf("requests{api=%s,errcode=%s} = %v, want %v", apiMemberAuth, label, got, want)
		}
	}
}

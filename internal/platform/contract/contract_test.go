// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// 1. Token flow and expiry.
func TestTokenFlow(t *testing.T) {
	t.Parallel()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		e := newEnv(t, route)
		oa := e.seed(officialAccount("wxoatoken0000001", acme))[0]
		ctx := context.Background()
		list := func(step string) {
			t.Helper()
			if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil {
				t.Fatalf("%s: ListMiniProgramLinks: %v", step, err)
			}
		}

		// A business call obtains a token from the account's token endpoint.
		t0 := e.clk.Now()
		list("first call")
		if got := e.calls(e.tokenPath()); got != 1 {
			t.Fatalf("first call: %s called %d times, want 1", e.tokenPath(), got)
		}
		if route == wechat.RouteThirdPartyPlatform {
			if got := e.calls(pComponent); got != 1 {
				t.Fatalf("first call: %s called %d times, want 1", pComponent, got)
			}
		}
		ev := e.tokens.forApp(oa.AppID)
		if len(ev) != 1 {
			t.Fatalf("OnToken called %d times, want 1", len(ev))
		}
		first := ev[0]
		if want := t0.Add(tokenTTL); !first.expiresAt.Equal(want) {
			t.Errorf("OnToken expiresAt = %s, want %s (issue time + the simulator's TTL)", first.expiresAt, want)
		}
		// The token OnToken reported is the one the simulator issued, with the same expiry.
		if !simHasToken(e, oa.AppID, first.token, first.expiresAt) {
			t.Errorf("the simulator has no token %.6s… for %s expiring at %s", first.token, oa.AppID, first.expiresAt)
		}
		if got := e.answered(pLinkGet, 0); got != 1 {
			t.Errorf("wxamplinkget answered ok %d times, want 1", got)
		}

		// A second call reuses it.
		e.clk.Advance(time.Minute)
		list("second call")
		if got := e.calls(e.tokenPath()); got != 1 {
			t.Errorf("second call: %s called %d times, want 1 (token reused)", e.tokenPath(), got)
		}
		if got := len(e.tokens.forApp(oa.AppID)); got != 1 {
			t.Errorf("second call: OnToken called %d times in all, want 1", got)
		}

		if route == wechat.RouteOwnSecret {
			// Inside the client's refresh-ahead margin (min(5m, TTL/10) = 12 s) but outside the simulator's
			// renewal window (min(5m, TTL/24) = 5 s): stable_token hands back the same token, same expiry.
			e.clk.Set(t0.Add(tokenTTL - 10*time.Second))
			list("refresh ahead")
			if got := e.calls(pStable); got != 2 {
				t.Errorf("refresh ahead: stable_token called %d times, want 2", got)
			}
			last := e.tokens.last(t, oa.AppID)
			if last.token != first.token || !last.expiresAt.Equal(first.expiresAt) {
				t.Errorf("refresh ahead: got token %.6s… expiring %s, want the same token %.6s… expiring %s",
					last.token, last.expiresAt, first.token, first.expiresAt)
			}
		}

		// Past the TTL (on the clock both sides share) the next call gets a fresh token, and never sends the
		// expired one.
		before := e.calls(e.tokenPath())
		e.clk.Set(t0.Add(tokenTTL + time.Second))
		now := e.clk.Now()
		list("after the TTL")
		if got := e.calls(e.tokenPath()) - before; got != 1 {
			t.Errorf("after the TTL: %s called %d more times, want 1", e.tokenPath(), got)
		}
		fresh := e.tokens.last(t, oa.AppID)
		if fresh.token == first.token {
			t.Errorf("after the TTL: the client kept the expired token")
		}
		if want := now.Add(tokenTTL); !fresh.expiresAt.Equal(want) {
			t.Errorf("after the TTL: OnToken expiresAt = %s, want %s", fresh.expiresAt, want)
		}
		if got := e.answered(pLinkGet, 42001) + e.answered(pLinkGet, 40001); got != 0 {
			t.Errorf("the client sent an expired token %d times", got)
		}

		// ExpireTokens: the simulator invalidates the token the client still holds as valid. The call gets
		// 42001, the client renews once and the call succeeds.
		if n := e.srv.ExpireTokens(oa.AppID); n < 1 {
			t.Fatalf("ExpireTokens expired %d tokens", n)
		}
		e.srv.ResetCalls()
		now = e.clk.Now()
		list("after ExpireTokens")
		if got := e.answered(pLinkGet, 42001); got != 1 {
			t.Errorf("after ExpireTokens: wxamplinkget answered 42001 %d times, want 1", got)
		}
		if got, want := e.calls(pLinkGet), 2; got != want {
			t.Errorf("after ExpireTokens: wxamplinkget called %d times, want %d (the failed call and one retry)", got, want)
		}
		if got := e.calls(e.tokenPath()); got != 1 {
			t.Errorf("after ExpireTokens: %s called %d times, want 1 (one refresh)", e.tokenPath(), got)
		}
		renewed := e.tokens.last(t, oa.AppID)
		if renewed.token == fresh.token {
			t.Errorf("after ExpireTokens: OnToken reported the expired token again")
		}
		if want := now.Add(tokenTTL); !renewed.expiresAt.Equal(want) {
			t.Errorf("after ExpireTokens: OnToken expiresAt = %s, want %s", renewed.expiresAt, want)
		}

		// 42001 while the token is still valid on the server (a platform-side invalidation the simulator
		// fakes with a fault): the own-secret route gets the same token back from stable_token and forces a
		// new one; the third-party route gets a new authorizer token directly.
		e.inject(sim.Fault{Path: pLinkGet, ErrCode: 42001, Count: 1})
		e.srv.ResetCalls()
		list("42001 with a valid token")
		wantTokenCalls := 1
		if route == wechat.RouteOwnSecret {
			wantTokenCalls = 2 // the normal fetch (same token) and the force_refresh
		}
		if got := e.calls(e.tokenPath()); got != wantTokenCalls {
			t.Errorf("42001 with a valid token: %s called %d times, want %d", e.tokenPath(), got, wantTokenCalls)
		}
		if got := e.calls(pLinkGet); got != 2 {
			t.Errorf("42001 with a valid token: wxamplinkget called %d times, want 2", got)
		}
		forced := e.tokens.last(t, oa.AppID)
		if forced.token == renewed.token {
			t.Errorf("42001 with a valid token: no new token was issued")
		}

		if route == wechat.RouteOwnSecret {
			// A second rejection within 30 s of the force: the client must not force again; the Auth error
			// reaches the caller after one renewal and one retry.
			e.inject(sim.Fault{Path: pLinkGet, ErrCode: 40001, Count: 2})
			e.srv.ResetCalls()
			_, err := e.p.ListMiniProgramLinks(ctx, oa)
			_ = wantErr(t, err, platform.ClassAuth, platform.ReasonTokenInvalid, 40001)
			if got := e.calls(pStable); got != 1 {
				t.Errorf("second rejection: stable_token called %d times, want 1 (no second force within 30 s)", got)
			}
			if got := e.calls(pLinkGet); got != 2 {
				t.Errorf("second rejection: wxamplinkget called %d times, want 2", got)
			}
			// 31 s later forcing is allowed again (by the client and by the simulator).
			e.clk.Advance(31 * time.Second)
			e.inject(sim.Fault{Path: pLinkGet, ErrCode: 40001, Count: 1})
			e.srv.ResetCalls()
			list("rejection 31 s later")
			if got := e.calls(pStable); got != 2 {
				t.Errorf("rejection 31 s later: stable_token called %d times, want 2", got)
			}
			if got := e.answered(pStable, 45011); got != 0 {
				t.Errorf("rejection 31 s later: the simulator refused the force_refresh with 45011")
			}
		}
	})
}

// simHasToken reports whether the simulator's state holds a live token of appID with token's prefix and the
// expiry given (the state dump describes tokens by their first 6 characters).
func simHasToken(e *env, appID, token string, expiresAt time.Time) bool {
	for _, ti := range e.srv.State().Tokens {
		if ti.AppID == appID && strings.HasPrefix(token, ti.Prefix) && ti.ExpiresAt.Equal(expiresAt) && !ti.Expired {
			return true
		}
	}
	return false
}

// 2. Link / list / unlink, with and without appids in wxamplinkget's items.
func TestLinkListUnlink(t *testing.T) {
	t.Parallel()
	forEachRouteAndListing(t, func(t *testing.T, route wechat.RouteKind, opts ...envOption) {
		e := newEnv(t, route, opts...)
		mpA := miniProgram("wxmplinka0000001", acme)
		mpA.Released = true
		mpA.Nickname = "ACME Shop"
		accts := e.seed(officialAccount("wxoalink00000001", acme), mpA, miniProgram("wxmplinkb0000001", acme))
		oa := accts[0]
		if err := e.srv.BindMerchant(mpA.AppID, "1900000109"); err != nil {
			t.Fatalf("BindMerchant: %v", err)
		}
		ctx := context.Background()

		if got := e.links(oa); len(got) != 0 {
			t.Fatalf("a new Official Account lists %d links, want 0", len(got))
		}
		if got, err := e.p.LinkMiniProgram(ctx, oa, mpA.AppID, platform.LinkOptions{NotifyFollowers: true, ShowOnProfile: true}); err != nil ||
			got != platform.LinkRequested {
			t.Fatalf("LinkMiniProgram(A) = %s, %v; want Requested", got, err)
		}
		if _, err := e.p.LinkMiniProgram(ctx, oa, accts[2].AppID, platform.LinkOptions{}); err != nil {
			t.Fatalf("LinkMiniProgram(B): %v", err)
		}

		got := e.links(oa)
		want := map[string]platform.MiniProgramLink{
			mpA.AppID: {AppID: e.listedAppID(mpA.AppID), Nickname: "ACME Shop", Status: platform.LinkLinked,
				ShowOnProfile: true, Released: true, PaymentEnabled: true},
			accts[2].AppID: {AppID: e.listedAppID(accts[2].AppID), Nickname: accts[2].AppID, Status: platform.LinkLinked},
		}
		if len(got) != len(want) {
			t.Fatalf("listed %d links, want %d: %+v", len(got), len(want), got)
		}
		for id, w := range want {
			g := got[e.key(id)]
			simAcct, _ := e.srv.Account(id)
			w.Username = simAcct.Username
			if g != w {
				t.Errorf("link %s = %+v, want %+v", id, g, w)
			}
		}
		// The options reached the platform as sent.
		if l, ok := e.srv.Link(oa.AppID, mpA.AppID); !ok || !l.NotifyUsers || !l.ShowProfile || l.Origin != sim.LinkOriginAPI {
			t.Errorf("simulator record of A = %+v (found %v), want notify and show_profile set, origin api", l, ok)
		}
		if l, ok := e.srv.Link(oa.AppID, accts[2].AppID); !ok || l.NotifyUsers || l.ShowProfile {
			t.Errorf("simulator record of B = %+v (found %v), want notify and show_profile unset", l, ok)
		}

		// Unlink: gone. Unlink again: nil.
		if err := e.p.UnlinkMiniProgram(ctx, oa, mpA.AppID); err != nil {
			t.Fatalf("UnlinkMiniProgram(A): %v", err)
		}
		got = e.links(oa)
		if _, still := got[e.key(mpA.AppID)]; still || len(got) != 1 {
			t.Errorf("after unlink the list is %+v, want only B", got)
		}
		if _, ok := e.srv.Link(oa.AppID, mpA.AppID); ok {
			t.Errorf("the simulator still holds the unlinked pair")
		}
		if err := e.p.UnlinkMiniProgram(ctx, oa, mpA.AppID); err != nil {
			t.Errorf("unlinking again: %v, want nil", err)
		}
		if got := e.answered(pUnlink, 0); got != 2 {
			t.Errorf("wxampunlink answered ok %d times, want 2", got)
		}
	})
}

// 3. Pending then confirmed, or rejected, with and without appids in wxamplinkget's items.
func TestPendingConfirmReject(t *testing.T) {
	t.Parallel()
	forEachRouteAndListing(t, func(t *testing.T, route wechat.RouteKind, opts ...envOption) {
		e := newEnv(t, route, opts...)
		accts := e.seed(officialAccount("wxoapending00001", acme), miniProgram("wxmppending00001", globex),
			miniProgram("wxmppending00002", globex))
		oa, mp1, mp2 := accts[0], accts[1].AppID, accts[2].AppID
		ctx := context.Background()
		status := func(mp string) platform.LinkStatus {
			t.Helper()
			l, ok := e.links(oa)[e.key(mp)]
			if !ok {
				t.Fatalf("%s is not listed", mp)
			}
			return l.Status
		}
		link := func(mp string, want platform.LinkOutcome) {
			t.Helper()
			if got, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{}); err != nil || got != want {
				t.Fatalf("LinkMiniProgram(%s) = %s, %v; want %s, nil", mp, got, err, want)
			}
		}

		link(mp1, platform.LinkRequested)
		if got := status(mp1); got != platform.LinkAwaitingOfficialAccountAdmin {
			t.Fatalf("a different-subject link has status %d, want 12", got)
		}
		link(mp1, platform.LinkAlreadyPending) // pending: 89010 is an outcome, not an error
		if got := e.answered(pLink, 89010); got != 1 {
			t.Errorf("wxamplink answered 89010 %d times, want 1", got)
		}
		if n, err := e.srv.Advance(oa.AppID, mp1); err != nil || n != sim.LinkWaitingMP {
			t.Fatalf("Advance = %d, %v", n, err)
		}
		if got := status(mp1); got != platform.LinkAwaitingMiniProgramAdmin {
			t.Fatalf("after Advance the status is %d, want 2", got)
		}
		link(mp1, platform.LinkAlreadyPending) // still pending
		if got := e.answered(pLink, 89010); got != 2 {
			t.Errorf("wxamplink answered 89010 %d times, want 2", got)
		}
		if err := e.srv.Confirm(oa.AppID, mp1); err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		if got := status(mp1); got != platform.LinkLinked {
			t.Fatalf("after Confirm the status is %d, want 1", got)
		}
		link(mp1, platform.LinkAlreadyLinked) // linked: 89015 is an outcome, not an error
		if got := e.answered(pLink, 89015); got != 1 {
			t.Errorf("wxamplink answered 89015 %d times, want 1", got)
		}

		link(mp2, platform.LinkRequested)
		if err := e.srv.Reject(oa.AppID, mp2); err != nil {
			t.Fatalf("Reject: %v", err)
		}
		if got := status(mp2); got != platform.LinkRejected || got.Occupying() {
			t.Fatalf("after Reject the status is %d, want 3 (not occupying)", got)
		}
		// Asking again after a rejection starts a new request.
		link(mp2, platform.LinkRequested)
		if got := status(mp2); got != platform.LinkAwaitingOfficialAccountAdmin {
			t.Errorf("a new request after a rejection has status %d, want 12", got)
		}
		// Unlinking a pending request withdraws it.
		if err := e.p.UnlinkMiniProgram(ctx, oa, mp2); err != nil {
			t.Fatalf("UnlinkMiniProgram(pending): %v", err)
		}
		if _, ok := e.links(oa)[e.key(mp2)]; ok {
			t.Errorf("the withdrawn request is still listed")
		}
	})
}

// 4. Quota and monthly errcodes.
func TestQuotaErrcodes(t *testing.T) {
	t.Parallel()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		ctx := context.Background()

		t.Run("11th same-subject link is 89016", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, route)
			oa := e.seed(officialAccount("wxoaquota0000001", acme))[0]
			for i := 1; i <= 11; i++ {
				e.seed(miniProgram(fmt.Sprintf("wxmpsame%08d", i), acme))
			}
			for i := 1; i <= 10; i++ {
				if _, err := e.p.LinkMiniProgram(ctx, oa, fmt.Sprintf("wxmpsame%08d", i), platform.LinkOptions{}); err != nil {
					t.Fatalf("link %d: %v", i, err)
				}
			}
			e.srv.ResetCalls()
			_, err := e.p.LinkMiniProgram(ctx, oa, "wxmpsame00000011", platform.LinkOptions{})
			_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonPlatformSameSubjectQuotaFull, 89016)
			if got := e.calls(pLink); got != 1 {
				t.Errorf("wxamplink called %d times, want 1 (a terminal error is not retried)", got)
			}
			if got := len(e.links(oa)); got != 10 {
				t.Errorf("%d links listed, want 10", got)
			}
		})

		for _, code := range []int{89407, 89017, 1005} {
			t.Run(fmt.Sprintf("4th different-subject link is %d", code), func(t *testing.T) {
				t.Parallel()
				// The simulator's Options.DifferentSubjectErrcode documents 89407 (default), 89017 (older
				// responses) and 1005 (community reports) as the platform's answer to the same refusal: the
				// client must read each as the quota being full.
				e := newEnv(t, route, withSimOptions(func(o *sim.Options) { o.DifferentSubjectErrcode = code }))
				oa := e.seed(officialAccount("wxoaquota0000002", acme))[0]
				for i := 1; i <= 4; i++ {
					e.seed(miniProgram(fmt.Sprintf("wxmpdiff%08d", i), globex))
				}
				for i := 1; i <= 3; i++ {
					if _, err := e.p.LinkMiniProgram(ctx, oa, fmt.Sprintf("wxmpdiff%08d", i), platform.LinkOptions{}); err != nil {
						t.Fatalf("link %d: %v", i, err)
					}
				}
				_, err := e.p.LinkMiniProgram(ctx, oa, "wxmpdiff00000004", platform.LinkOptions{})
				if got := e.answered(pLink, code); got != 1 {
					t.Fatalf("the simulator answered %d %d times, want 1", code, got)
				}
				_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonPlatformOtherSubjectQuotaFull, code)
			})
		}

		t.Run("Mini Program linked by 500 is 89009", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, route)
			mp := e.seed(miniProgram("wxmppopular00001", acme))[0]
			others := make([]sim.Account, sim.MiniProgramLinkLimit)
			for i := range others {
				others[i] = officialAccount(fmt.Sprintf("wxoafan%09d", i), acme)
				others[i].Secret, others[i].AuthorizerRefreshToken = "x", "x" // never used: skip random secrets
			}
			if err := e.srv.Seed(others...); err != nil {
				t.Fatalf("Seed: %v", err)
			}
			for _, o := range others {
				if err := e.srv.ConsoleLink(o.AppID, mp.AppID); err != nil {
					t.Fatalf("ConsoleLink(%s): %v", o.AppID, err)
				}
			}
			oa := e.seed(officialAccount("wxoafan999999999", acme))[0]
			_, err := e.p.LinkMiniProgram(ctx, oa, mp.AppID, platform.LinkOptions{})
			_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonPlatformLinkedByLimitReached, 89009)
			// One console link fewer and the same request goes through.
			if err := e.srv.RemoveLink(others[0].AppID, mp.AppID); err != nil {
				t.Fatalf("RemoveLink: %v", err)
			}
			if _, err := e.p.LinkMiniProgram(ctx, oa, mp.AppID, platform.LinkOptions{}); err != nil {
				t.Errorf("with 499 links: %v", err)
			}
		})

		t.Run("14th link in a month is 89030 until the Beijing month turns", func(t *testing.T) {
			t.Parallel()
			// 31 March 2026, 15:00 UTC: 23:00 in Beijing, one hour before April there (and nine in UTC).
			start := time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)
			e := newEnv(t, route, withStart(start))
			accts := e.seed(officialAccount("wxoamonthly00001", acme), miniProgram("wxmpmonthly00001", acme))
			oa, mp := accts[0], accts[1].AppID
			for i := 1; i <= sim.OfficialAccountMonthly; i++ {
				if _, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{}); err != nil {
					t.Fatalf("link operation %d: %v", i, err)
				}
				if err := e.p.UnlinkMiniProgram(ctx, oa, mp); err != nil {
					t.Fatalf("unlink %d: %v", i, err)
				}
			}
			if got := e.srv.MonthlyOperations(oa.AppID); got != 13 {
				t.Fatalf("the simulator counts %d operations this month, want 13", got)
			}
			_, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})
			_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonPlatformMonthlyLimitReached, 89030)

			e.clk.Set(time.Date(2026, 3, 31, 15, 59, 59, 0, time.UTC)) // 23:59:59 in Beijing
			_, err = e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})
			_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonPlatformMonthlyLimitReached, 89030)

			e.clk.Set(time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC)) // 1 April 00:00 in Beijing, still March in UTC
			if _, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{}); err != nil {
				t.Fatalf("after the Beijing month turned: %v", err)
			}
			if got := e.links(oa)[mp].Status; got != platform.LinkLinked {
				t.Errorf("after the month turned the link has status %d, want 1", got)
			}
		})

		t.Run("already linked is an outcome, not an error", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, route)
			accts := e.seed(officialAccount("wxoaalready00001", acme), miniProgram("wxmpalready00001", acme))
			oa, mp := accts[0], accts[1].AppID
			if err := e.srv.ConsoleLink(oa.AppID, mp, sim.ConsoleLinkOptions{ShowProfile: true}); err != nil {
				t.Fatalf("ConsoleLink: %v", err)
			}
			if got, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{}); err != nil || got != platform.LinkAlreadyLinked {
				t.Errorf("LinkMiniProgram on a linked pair: %s, %v; want AlreadyLinked, nil", got, err)
			}
			if got := e.answered(pLink, 89015); got != 1 {
				t.Errorf("wxamplink answered 89015 %d times, want 1", got)
			}
			if l := e.links(oa)[mp]; l.Status != platform.LinkLinked || !l.ShowOnProfile {
				t.Errorf("the console link lists as %+v, want linked and shown on the profile", l)
			}
		})
	})
}

// 5. Each injected fault.
func TestFaults(t *testing.T) {
	t.Parallel()
	type result struct {
		class      platform.Class // "" means success
		reason     string
		code       int
		httpStatus int
	}
	cases := []struct {
		name  string
		fault sim.Fault
		retry wechat.RetryPolicy
		calls int // wxamplink calls in all
		want  result
		// slept checks the waits the client asked for (on the fake clock).
		slept func(t *testing.T, retry wechat.RetryPolicy, slept []time.Duration, start time.Time)
		check func(t *testing.T, e *env, err error, start time.Time)
	}{
		{
			name: "errcode -1 twice then ok", fault: sim.Fault{ErrCode: -1, Count: 2}, retry: fastRetry, calls: 3,
			slept: backoffWithin,
		},
		{
			name: "errcode -1 persists: retries stop after MaxAttempts", fault: sim.Fault{ErrCode: -1, Count: 10},
			retry: wechat.RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second},
			calls: 4, want: result{platform.ClassRetryable, platform.ReasonSystemBusy, -1, 0},
			slept: backoffWithin,
			check: func(t *testing.T, e *env, _ error, _ time.Time) {
				fs := e.srv.Faults()
				if len(fs) != 1 || fs[0].Remaining != 6 {
					t.Errorf("faults left = %+v, want one with 6 firings remaining", fs)
				}
			},
		},
		{
			name: "45009 waits for the next Beijing day and is not retried", fault: sim.Fault{ErrCode: 45009, Count: 1},
			retry: fastRetry, calls: 1, want: result{platform.ClassRetryable, platform.ReasonDailyQuota, 45009, 0},
			slept: noSleep,
			check: func(t *testing.T, _ *env, err error, start time.Time) {
				pe, _ := platform.As(err)
				if want := nextBeijingMidnight(start).Sub(start); pe.RetryAfter != want {
					t.Errorf("RetryAfter = %s, want %s (until 00:00 in Beijing)", pe.RetryAfter, want)
				}
			},
		},
		{
			name: "45011 waits for the next minute, then retries", fault: sim.Fault{ErrCode: 45011, Count: 1},
			retry: wechat.RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 2 * time.Minute},
			calls: 2,
			slept: func(t *testing.T, _ wechat.RetryPolicy, slept []time.Duration, start time.Time) {
				want := time.Minute - time.Duration(start.Second())*time.Second
				if len(slept) != 1 || slept[0] != want {
					t.Errorf("slept %v, want [%s]", slept, want)
				}
			},
		},
		{
			name: "HTTP 503 once is retried", fault: sim.Fault{HTTPStatus: http.StatusServiceUnavailable, Count: 1},
			retry: fastRetry, calls: 2, slept: backoffWithin,
			check: func(t *testing.T, e *env, _ error, _ time.Time) {
				if got := e.srv.CallStats()[pLink].HTTPErrors; got != 1 {
					t.Errorf("the simulator counts %d HTTP errors, want 1", got)
				}
			},
		},
		{
			// A 5xx may come from behind a proxy after the platform applied the request: a link request
			// answered so is retried once, and a second one ends the call (the caller reads the platform's list).
			name: "HTTP 503 persists", fault: sim.Fault{HTTPStatus: http.StatusServiceUnavailable},
			retry: fastRetry, calls: 2, want: result{platform.ClassRetryable, platform.ReasonServerError, 0, 503},
			slept: backoffWithin,
		},
		{
			name: "dropped connection is retried", fault: sim.Fault{Drop: true, Count: 1}, retry: fastRetry, calls: 2,
			slept: backoffWithin,
			check: func(t *testing.T, e *env, _ error, _ time.Time) {
				if got := e.srv.CallStats()[pLink].Dropped; got != 1 {
					t.Errorf("the simulator dropped %d connections, want 1", got)
				}
			},
		},
		{
			name: "dropped connections persist", fault: sim.Fault{Drop: true},
			retry: wechat.RetryPolicy{MaxAttempts: 2, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second},
			calls: 2, want: result{platform.ClassRetryable, platform.ReasonNetwork, 0, 0}, slept: backoffWithin,
		},
		{
			name: "48001 is terminal, not retried", fault: sim.Fault{ErrCode: 48001, Count: 1}, retry: fastRetry,
			calls: 1, want: result{platform.ClassTerminal, platform.ReasonNotAuthorized, 48001, 0}, slept: noSleep,
		},
		{
			name: "40013 is terminal, not retried", fault: sim.Fault{ErrCode: 40013, Count: 1}, retry: fastRetry,
			calls: 1, want: result{platform.ClassTerminal, platform.ReasonInvalidAppID, 40013, 0}, slept: noSleep,
		},
	}
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, route, withRetry(tc.retry))
				accts := e.seed(officialAccount("wxoafaults000001", acme), miniProgram("wxmpfaults000001", acme))
				oa, mp := accts[0], accts[1].AppID
				ctx := context.Background()
				// Warm the token so that the fault meets the business call only.
				if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil {
					t.Fatalf("warm-up: %v", err)
				}
				f := tc.fault
				f.Path = pLink
				e.inject(f)
				e.srv.ResetCalls()
				e.clk.ResetSlept()
				start := e.clk.Now()

				_, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})

				if got := e.calls(pLink); got != tc.calls {
					t.Errorf("wxamplink called %d times, want %d", got, tc.calls)
				}
				_, linked := e.srv.Link(oa.AppID, mp)
				if tc.want.class == "" {
					if err != nil {
						t.Fatalf("LinkMiniProgram: %v, want success after retries", err)
					}
					if !linked {
						t.Errorf("the call succeeded but the simulator holds no link")
					}
				} else {
					pe := wantErr(t, err, tc.want.class, tc.want.reason, tc.want.code)
					if pe.HTTPStatus != tc.want.httpStatus {
						t.Errorf("HTTPStatus = %d, want %d", pe.HTTPStatus, tc.want.httpStatus)
					}
					if linked {
						t.Errorf("the call failed but the simulator holds a link")
					}
				}
				if tc.slept != nil {
					tc.slept(t, tc.retry, e.clk.Slept(), start)
				}
				if tc.check != nil {
					tc.check(t, e, err, start)
				}
			})
		}
	})
}

// backoffWithin checks the retry waits: after the n-th failure, a draw from [d/2, d] with
// d = BaseDelay·2^(n-1) capped at MaxDelay.
func backoffWithin(t *testing.T, p wechat.RetryPolicy, slept []time.Duration, _ time.Time) {
	t.Helper()
	for i, s := range slept {
		d := p.BaseDelay << i
		d = min(d, p.MaxDelay)
		if s < d/2 || s > d {
			t.Errorf("wait %d = %s, want within [%s, %s]", i+1, s, d/2, d)
		}
	}
}

func noSleep(t *testing.T, _ wechat.RetryPolicy, slept []time.Duration, _ time.Time) {
	t.Helper()
	if len(slept) != 0 {
		t.Errorf("the client waited %v, want no wait", slept)
	}
}

// 5 (continued). A connection that drops after the platform applied the request: the client sees a network
// error, yet the link is made (and counted by the platform).
func TestDropAfterApply(t *testing.T) {
	t.Parallel()
	forEachRouteAndListing(t, func(t *testing.T, route wechat.RouteKind, opts ...envOption) {
		e := newEnv(t, route, append(opts, withRetry(wechat.RetryPolicy{MaxAttempts: 1}))...)
		accts := e.seed(officialAccount("wxoadropapply001", acme), miniProgram("wxmpdropapply001", acme))
		oa, mp := accts[0], accts[1].AppID
		ctx := context.Background()
		if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil { // the token first: only wxamplink drops
			t.Fatalf("warm-up: %v", err)
		}
		e.inject(sim.Fault{Path: pLink, DropAfterApply: true, Count: 1})
		_, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})
		_ = wantErr(t, err, platform.ClassRetryable, platform.ReasonNetwork, 0)
		if l, ok := e.srv.Link(oa.AppID, mp); !ok || l.Status != sim.LinkLinked {
			t.Fatalf("the simulator's link = %+v (found %v), want linked: the request was applied", l, ok)
		}
		if got := e.srv.MonthlyOperations(oa.AppID); got != 1 {
			t.Errorf("the simulator counts %d operations this month, want 1", got)
		}
		if st := e.srv.CallStats()[pLink]; st.AppliedUnanswered != 1 || st.Total != 1 {
			t.Errorf("wxamplink stats = %+v, want 1 call, applied but unanswered", st)
		}
		if got := e.links(oa)[e.key(mp)].Status; got != platform.LinkLinked {
			t.Errorf("the client lists the link with status %d, want 1", got)
		}
	})
}

// A link request whose first attempt the platform applied but never answered, retried by the client, is
// answered "already linked": that is the platform's memory of the first attempt, which made the link and
// counted against the month, so the client reports a new link. Without the lost answer, "already linked"
// is not a new link.
func TestARetriedLinkRequestIsCountedOnce(t *testing.T) {
	t.Parallel()
	forEachRouteAndListing(t, func(t *testing.T, route wechat.RouteKind, opts ...envOption) {
		e := newEnv(t, route, append(opts, withRetry(wechat.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond,
			MaxDelay: 5 * time.Millisecond}))...)
		accts := e.seed(officialAccount("wxoaretried00001", acme), miniProgram("wxmpretried00001", acme))
		oa, mp := accts[0], accts[1].AppID
		ctx := context.Background()
		if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil {
			t.Fatalf("warm-up: %v", err)
		}
		e.inject(sim.Fault{Path: pLink, DropAfterApply: true, Count: 1})
		outcome, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})
		if err != nil || outcome != platform.LinkRequested {
			t.Fatalf("a retried request = %v, %v; want LinkRequested (its first attempt made the link)", outcome, err)
		}
		if got := e.srv.MonthlyOperations(oa.AppID); got != 1 {
			t.Errorf("the simulator counts %d operations this month, want 1", got)
		}
		if outcome, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{}); err != nil || outcome != platform.LinkAlreadyLinked {
			t.Errorf("asking again = %v, %v; want LinkAlreadyLinked", outcome, err)
		}
	})
}

// A link request whose first attempt the platform applied but never answered, and whose retry the platform
// refuses with a terminal errcode (here the month's limit, which the first attempt may have used up): the
// outcome is unknown, not a refusal. The client says so with a retryable error, so that the caller settles the
// request from the list instead of reporting it refused.
func TestARetryRefusedAfterAnUnansweredAttemptIsUncertain(t *testing.T) {
	t.Parallel()
	forEachRouteAndListing(t, func(t *testing.T, route wechat.RouteKind, opts ...envOption) {
		e := newEnv(t, route, append(opts, withRetry(wechat.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond,
			MaxDelay: 5 * time.Millisecond}))...)
		accts := e.seed(officialAccount("wxoauncertain001", acme), miniProgram("wxmpuncertain001", acme))
		oa, mp := accts[0], accts[1].AppID
		ctx := context.Background()
		if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil {
			t.Fatalf("warm-up: %v", err)
		}
		// A terminal refusal (the month's limit) and a retryable answer with an errcode (the daily quota).
		for _, code := range []int{89030, 45009} {
			e.inject(sim.Fault{Path: pLink, DropAfterApply: true, Count: 1})
			e.inject(sim.Fault{Path: pLink, ErrCode: code, Count: 1})
			_, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})
			_ = wantErr(t, err, platform.ClassRetryable, platform.ReasonNetwork, 0)
		}
		if l, ok := e.srv.Link(oa.AppID, mp); !ok || l.Status != sim.LinkLinked {
			t.Errorf("the simulator's link = %+v (found %v), want linked by the unanswered attempt", l, ok)
		}
		// Without an unanswered attempt, the same errcode is a refusal.
		e.inject(sim.Fault{Path: pLink, ErrCode: 89030, Count: 1})
		_, err := e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonPlatformMonthlyLimitReached, 89030)
	})
}

// 3 (continued). When wxampunlink fails with a terminal errcode the client reads wxamplinkget to tell "not
// linked" (nil) from a real failure. Items without appids cannot prove a Mini Program absent: the client
// returns the error then, for a linked Mini Program and for one that is not listed alike.
func TestUnlinkFailureWithAndWithoutAppIDs(t *testing.T) {
	t.Parallel()
	forEachRouteAndListing(t, func(t *testing.T, route wechat.RouteKind, opts ...envOption) {
		e := newEnv(t, route, opts...)
		accts := e.seed(officialAccount("wxoaunlinkfail01", acme), miniProgram("wxmpunlinkfail01", acme),
			miniProgram("wxmpunlinkfail02", acme))
		oa, linked, absent := accts[0], accts[1].AppID, accts[2].AppID
		ctx := context.Background()
		if _, err := e.p.LinkMiniProgram(ctx, oa, linked, platform.LinkOptions{}); err != nil {
			t.Fatalf("LinkMiniProgram: %v", err)
		}
		// 89011: "cannot unlink a nearby Mini Program", a terminal refusal of wxampunlink.
		e.inject(sim.Fault{Path: pUnlink, ErrCode: 89011, Count: 1})
		err := e.p.UnlinkMiniProgram(ctx, oa, linked)
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonConsoleOnly, 89011)
		if _, ok := e.links(oa)[e.key(linked)]; !ok {
			t.Errorf("the linked Mini Program is no longer listed")
		}

		e.inject(sim.Fault{Path: pUnlink, ErrCode: 89011, Count: 1})
		err = e.p.UnlinkMiniProgram(ctx, oa, absent)
		if !e.omitIDs {
			if err != nil {
				t.Errorf("unlinking a Mini Program the list proves absent: %v, want nil", err)
			}
			return
		}
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonConsoleOnly, 89011)
	})
}

// 5 (continued). Latency, timeouts and deadlines. These use wall time (the client's per-request timeout and
// the caller's context are wall-clock by nature), kept short.
func TestLatencyAndDeadlines(t *testing.T) {
	t.Parallel()
	const latency = 500 * time.Millisecond
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		t.Run("latency over the client timeout is a retryable network error", func(t *testing.T) {
			t.Parallel()
			retry := wechat.RetryPolicy{MaxAttempts: 2, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second}
			e := newEnv(t, route, withRetry(retry), withTimeout(100*time.Millisecond))
			oa := e.seed(officialAccount("wxoalatency00001", acme))[0]
			ctx := context.Background()
			if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil {
				t.Fatalf("warm-up: %v", err)
			}
			e.inject(sim.Fault{Path: pLinkGet, Latency: latency, Count: 2})
			e.srv.ResetCalls()
			began := time.Now()
			_, err := e.p.ListMiniProgramLinks(ctx, oa)
			elapsed := time.Since(began)
			_ = wantErr(t, err, platform.ClassRetryable, platform.ReasonNetwork, 0)
			if got := e.calls(pLinkGet); got != 2 {
				t.Errorf("wxamplinkget called %d times, want 2 (MaxAttempts)", got)
			}
			if elapsed >= 2*latency {
				t.Errorf("the call took %s: the client's 100ms timeout was not applied", elapsed)
			}
		})

		t.Run("the caller's deadline ends the call", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, route) // client timeout 5 s: only the context can end the call early
			oa := e.seed(officialAccount("wxoadeadline0001", acme))[0]
			if _, err := e.p.ListMiniProgramLinks(context.Background(), oa); err != nil {
				t.Fatalf("warm-up: %v", err)
			}
			e.inject(sim.Fault{Path: pLinkGet, Latency: latency, Count: 1})
			e.srv.ResetCalls()
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			defer cancel()
			began := time.Now()
			_, err := e.p.ListMiniProgramLinks(ctx, oa)
			elapsed := time.Since(began)
			_ = wantErr(t, err, platform.ClassRetryable, platform.ReasonNetwork, 0)
			if elapsed >= latency {
				t.Errorf("the call took %s, past the caller's 150ms deadline", elapsed)
			}
			if got := e.calls(pLinkGet); got != 1 {
				t.Errorf("wxamplinkget called %d times, want 1 (no retry after the deadline)", got)
			}
		})

		t.Run("no backoff past the caller's deadline", func(t *testing.T) {
			t.Parallel()
			// A backoff of 1–2 minutes (on the fake clock) against a 30 s deadline: the client returns the
			// retryable error at once instead of sleeping.
			retry := wechat.RetryPolicy{MaxAttempts: 4, BaseDelay: 2 * time.Minute, MaxDelay: 4 * time.Minute}
			e := newEnv(t, route, withRetry(retry))
			oa := e.seed(officialAccount("wxoabudget000001", acme))[0]
			if _, err := e.p.ListMiniProgramLinks(context.Background(), oa); err != nil {
				t.Fatalf("warm-up: %v", err)
			}
			e.inject(sim.Fault{Path: pLinkGet, ErrCode: -1})
			e.srv.ResetCalls()
			e.clk.ResetSlept()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := e.p.ListMiniProgramLinks(ctx, oa)
			_ = wantErr(t, err, platform.ClassRetryable, platform.ReasonSystemBusy, -1)
			if got := e.calls(pLinkGet); got != 1 {
				t.Errorf("wxamplinkget called %d times, want 1", got)
			}
			if s := e.clk.Slept(); len(s) != 0 {
				t.Errorf("the client slept %v past the deadline", s)
			}
		})
	})
}

// 6. Open Platform.
func TestOpenPlatform(t *testing.T) {
	t.Parallel()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		e := newEnv(t, route)
		accts := e.seed(officialAccount("wxoaopen00000001", acme), miniProgram("wxmpopen00000001", acme),
			officialAccount("wxoaopenglobex01", globex), miniProgram("wxmpopen00000002", acme))
		oa, mp, other, loner := accts[0], accts[1], accts[2], accts[3]
		ctx := context.Background()

		if got, err := e.p.GetOpenAccount(ctx, oa); err != nil || got != "" {
			t.Fatalf("GetOpenAccount(unbound) = %q, %v; want \"\", nil", got, err)
		}
		if got := e.answered(pOpenGet, 89002); got != 1 {
			t.Errorf("open/get answered 89002 %d times, want 1", got)
		}
		open, err := e.p.CreateOpenAccount(ctx, oa)
		if err != nil || !strings.HasPrefix(open, "wx") {
			t.Fatalf("CreateOpenAccount = %q, %v", open, err)
		}
		if got, err := e.p.GetOpenAccount(ctx, oa); err != nil || got != open {
			t.Fatalf("GetOpenAccount after create = %q, %v; want %q", got, err, open)
		}
		if err := e.p.BindOpenAccount(ctx, mp, open); err != nil {
			t.Fatalf("BindOpenAccount(same subject): %v", err)
		}
		if got, err := e.p.GetOpenAccount(ctx, mp); err != nil || got != open {
			t.Errorf("GetOpenAccount(bound Mini Program) = %q, %v; want %q", got, err, open)
		}
		if err := e.p.BindOpenAccount(ctx, mp, open); err != nil {
			t.Errorf("binding again to the same Open Platform account: %v, want nil", err)
		}
		if got := e.answered(pOpenBind, 89000); got != 1 {
			t.Errorf("open/bind answered 89000 %d times, want 1", got)
		}
		members := openMembers(e, open)
		if !slices.Equal(members, []string{mp.AppID, oa.AppID}) {
			t.Errorf("the simulator's members of %s = %v", open, members)
		}

		err = e.p.BindOpenAccount(ctx, other, open)
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonSubjectMismatch, 89001)

		if got, err := e.p.GetOpenAccount(ctx, loner); err != nil || got != "" {
			t.Errorf("GetOpenAccount(unbound) = %q, %v; want \"\", nil", got, err)
		}
		// Bound elsewhere: terminal, and the message names the other Open Platform account.
		open2, err := e.p.CreateOpenAccount(ctx, loner)
		if err != nil {
			t.Fatalf("CreateOpenAccount(second): %v", err)
		}
		err = e.p.BindOpenAccount(ctx, loner, open)
		pe := wantErr(t, err, platform.ClassTerminal, platform.ReasonAlreadyBound, 89000)
		if !strings.Contains(pe.Msg, open2) {
			t.Errorf("the error %q does not name the Open Platform account %s it is bound to", pe.Msg, open2)
		}

		if err := e.p.UnbindOpenAccount(ctx, mp, open); err != nil {
			t.Fatalf("UnbindOpenAccount: %v", err)
		}
		if got, err := e.p.GetOpenAccount(ctx, mp); err != nil || got != "" {
			t.Errorf("GetOpenAccount after unbind = %q, %v; want \"\", nil", got, err)
		}
		if err := e.p.UnbindOpenAccount(ctx, mp, open); err != nil {
			t.Errorf("unbinding again: %v, want nil", err)
		}
		if ok, notBound := e.answered(pOpenUnbind, 0), e.answered(pOpenUnbind, 89002); ok != 1 || notBound != 1 {
			t.Errorf("open/unbind answered ok %d and 89002 %d times, want 1 and 1", ok, notBound)
		}
		if got := e.answered(pOpenCreate, 0); got != 2 {
			t.Errorf("open/create answered ok %d times, want 2", got)
		}
		if got := openMembers(e, open); !slices.Equal(got, []string{oa.AppID}) {
			t.Errorf("members after unbind = %v, want [%s]", got, oa.AppID)
		}
	})
}

// An open/create the platform applied but never answered, retried by the client, is refused with 89000
// (already bound): that is the platform's memory of the first attempt. The client reads the Open Platform
// account it made and returns it as created, not the refusal.
func TestARetriedOpenCreateReturnsTheAccountItMade(t *testing.T) {
	t.Parallel()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		e := newEnv(t, route, withRetry(wechat.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond,
			MaxDelay: 5 * time.Millisecond}))
		oa := e.seed(officialAccount("wxoaopenretried1", acme))[0]
		ctx := context.Background()
		if _, err := e.p.GetOpenAccount(ctx, oa); err != nil { // the token first: only open/create drops
			t.Fatalf("warm-up: %v", err)
		}
		e.inject(sim.Fault{Path: pOpenCreate, DropAfterApply: true, Count: 1})
		open, err := e.p.CreateOpenAccount(ctx, oa)
		if err != nil || !strings.HasPrefix(open, "wx") {
			t.Fatalf("a retried open/create = %q, %v; want the Open Platform account its first attempt made", open, err)
		}
		if got := openMembers(e, open); !slices.Equal(got, []string{oa.AppID}) {
			t.Errorf("the simulator's members of %s = %v, want [%s]", open, got, oa.AppID)
		}
		if got := e.answered(pOpenCreate, 89000); got != 1 {
			t.Errorf("open/create answered 89000 %d times, want 1 (the retry)", got)
		}
		if n := len(e.srv.State().OpenAccounts); n != 1 {
			t.Errorf("the simulator holds %d Open Platform accounts, want 1", n)
		}
	})
}

func openMembers(e *env, open string) []string {
	for _, o := range e.srv.State().OpenAccounts {
		if o.OpenAppID == open {
			m := slices.Clone(o.Members)
			slices.Sort(m)
			return m
		}
	}
	return nil
}

// 7. Testers.
func TestTesters(t *testing.T) {
	t.Parallel()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		e := newEnv(t, route)
		mp := e.seed(miniProgram("wxmptesters00001", sim.Subject{Name: "张三", Type: sim.Individual}))[0]
		ctx := context.Background()
		userstrs := map[string]string{}
		bind := func(id string) {
			t.Helper()
			us, err := e.p.BindTester(ctx, mp, id)
			if err != nil || us == "" {
				t.Fatalf("BindTester(%s) = %q, %v", id, us, err)
			}
			userstrs[id] = us
		}
		listed := func() []string {
			t.Helper()
			ts, err := e.p.ListTesters(ctx, mp)
			if err != nil {
				t.Fatalf("ListTesters: %v", err)
			}
			out := make([]string, 0, len(ts))
			for _, x := range ts {
				out = append(out, x.UserStr)
			}
			slices.Sort(out)
			return out
		}

		bind("tester_01")
		if simT := e.srv.Testers(mp.AppID); len(simT) != 1 || simT[0].WeChatID != "tester_01" || simT[0].UserStr != userstrs["tester_01"] {
			t.Errorf("the simulator's testers = %+v", simT)
		}
		if got := listed(); !slices.Equal(got, []string{userstrs["tester_01"]}) {
			t.Errorf("ListTesters = %v, want [%s]", got, userstrs["tester_01"])
		}
		if _, err := e.p.BindTester(ctx, mp, "tester_01"); err != nil {
			t.Errorf("binding a tester again: %v, want nil", err)
		}
		if got := e.answered(pBindTester, 85004); got != 1 {
			t.Errorf("bind_tester answered 85004 %d times, want 1", got)
		}
		for i := 2; i <= sim.TestersIndividual; i++ {
			bind(fmt.Sprintf("tester_%02d", i))
		}
		_, err := e.p.BindTester(ctx, mp, "tester_11")
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonTesterLimit, 85002)
		if got := len(listed()); got != 10 {
			t.Errorf("%d testers listed, want 10", got)
		}
		_, err = e.p.BindTester(ctx, mp, "1-not-an-id")
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonTesterUnknown, 85001)

		if err := e.p.UnbindTester(ctx, mp, platform.TesterRef{WeChatID: "tester_01", UserStr: userstrs["tester_01"]}); err != nil {
			t.Fatalf("UnbindTester: %v", err)
		}
		if got := e.answered(pUnbindTester, 0); got != 1 {
			t.Errorf("unbind_tester answered ok %d times, want 1", got)
		}
		if simT := e.srv.Testers(mp.AppID); slices.ContainsFunc(simT, func(x sim.Tester) bool { return x.WeChatID == "tester_01" }) {
			t.Errorf("the simulator still lists tester_01")
		}
		if got := listed(); slices.Contains(got, userstrs["tester_01"]) || len(got) != 9 {
			t.Errorf("after unbind ListTesters = %v, want 9 without tester_01", got)
		}
		bind("tester_11") // a slot is free again

		// A tester whose userstr wxlink lost (85004 may come without one): unbind by WeChat ID only.
		if err := e.p.UnbindTester(ctx, mp, platform.TesterRef{WeChatID: "tester_02"}); err != nil {
			t.Fatalf("UnbindTester by WeChat ID: %v", err)
		}
		if simT := e.srv.Testers(mp.AppID); slices.ContainsFunc(simT, func(x sim.Tester) bool { return x.WeChatID == "tester_02" }) {
			t.Errorf("unbound by WeChat ID, the simulator still lists tester_02")
		}
		if got := listed(); slices.Contains(got, userstrs["tester_02"]) || len(got) != 9 {
			t.Errorf("after unbind by WeChat ID ListTesters = %v, want 9 without tester_02", got)
		}
	})
}

// 8. DescribeAccount, on both routes.
func TestDescribeAccount(t *testing.T) {
	t.Parallel()
	sub := func(name string, typ sim.SubjectType) sim.Subject { return sim.Subject{Name: name, Type: typ} }
	cases := []struct {
		name     string
		acct     sim.Account
		merchant bool
		want     platform.AccountInfo
	}{
		{
			name: "verified enterprise service account",
			acct: sim.Account{AppID: "wxdescribe000001", Type: sim.OfficialAccount, Subject: sub("ACME Technology Co., Ltd.", sim.Enterprise),
				Verification: sim.Verified, Nickname: "ACME"},
			want: platform.AccountInfo{Type: platform.AccountService, Nickname: "ACME",
				Subject:      rules.Subject{Name: "ACME Technology Co., Ltd.", Type: rules.SubjectEnterprise},
				Verification: rules.VerificationVerified},
		},
		{
			name: "unverified media subscription account",
			acct: sim.Account{AppID: "wxdescribe000002", Type: sim.OfficialAccount, ServiceType: "Subscription",
				Subject: sub("Globex Media Group", sim.Media), Verification: sim.Unverified, Nickname: "Globex Daily"},
			want: platform.AccountInfo{Type: platform.AccountSubscription, Nickname: "Globex Daily",
				Subject:      rules.Subject{Name: "Globex Media Group", Type: rules.SubjectMedia},
				Verification: rules.VerificationUnverified},
		},
		{
			name: "verified individual-business Mini Program with a merchant",
			acct: sim.Account{AppID: "wxdescribe000003", Type: sim.MiniProgram, Subject: sub("李记面馆", sim.IndividualBusiness),
				Verification: sim.Verified, Nickname: "李记"},
			merchant: true,
			want: platform.AccountInfo{Type: platform.AccountMiniProgram, Nickname: "李记",
				Subject:      rules.Subject{Name: "李记面馆", Type: rules.SubjectIndividualBusiness},
				Verification: rules.VerificationVerified},
		},
		{
			name: "individual Mini Program",
			acct: sim.Account{AppID: "wxdescribe000004", Type: sim.MiniProgram, Subject: sub("张三", sim.Individual),
				Nickname: "张三的小店"},
			want: platform.AccountInfo{Type: platform.AccountMiniProgram, Nickname: "张三的小店",
				Subject:      rules.Subject{Name: "张三", Type: rules.SubjectIndividual},
				Verification: rules.VerificationUnverified},
		},
		{
			name: "verified government Mini Program",
			acct: sim.Account{AppID: "wxdescribe000005", Type: sim.MiniProgram, Subject: sub("某市政务服务中心", sim.Government),
				Verification: sim.Verified, Nickname: "政务"},
			want: platform.AccountInfo{Type: platform.AccountMiniProgram, Nickname: "政务",
				Subject:      rules.Subject{Name: "某市政务服务中心", Type: rules.SubjectGovernment},
				Verification: rules.VerificationVerified},
		},
		{
			name: "other organisation, verification in progress",
			acct: sim.Account{AppID: "wxdescribe000006", Type: sim.OfficialAccount, Subject: sub("Open Source Foundation", sim.OtherOrganization),
				Verification: sim.InProgress, RealnameStatus: 2, Nickname: "OSF"},
			want: platform.AccountInfo{Type: platform.AccountService, Nickname: "OSF",
				Subject:      rules.Subject{Name: "Open Source Foundation", Type: rules.SubjectOtherOrganization},
				Verification: rules.VerificationInProgress},
		},
		{
			// The simulator models a lapsed annual review as qualification_verify false (naming_verify
			// true, customer_type 0); the client recognises Expired only as qualification_verify true with
			// annual_review true and annual_review_end_time passed. See the report.
			name: "verification expired",
			acct: sim.Account{AppID: "wxdescribe000007", Type: sim.OfficialAccount, Subject: sub("Initech LLC", sim.Enterprise),
				Verification: sim.Expired, Nickname: "Initech"},
			want: platform.AccountInfo{Type: platform.AccountService, Nickname: "Initech",
				Subject:      rules.Subject{Name: "Initech LLC", Type: rules.SubjectEnterprise},
				Verification: rules.VerificationExpired},
		},
	}
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		e := newEnv(t, route)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				acct := e.seed(tc.acct)[0]
				if tc.merchant {
					if err := e.srv.BindMerchant(acct.AppID, "1900000200"); err != nil {
						t.Fatalf("BindMerchant: %v", err)
					}
				}
				got, err := e.p.DescribeAccount(context.Background(), acct)
				if err != nil {
					t.Fatalf("DescribeAccount: %v", err)
				}
				want := tc.want
				want.AppID = acct.AppID
				simAcct, _ := e.srv.Account(acct.AppID)
				if route == wechat.RouteThirdPartyPlatform {
					// api_get_authorizer_info adds the original ID and WeChat Pay.
					want.Username = simAcct.Username
					pay := tc.merchant
					want.PaymentEnabled = &pay
				} else {
					// getaccountbasicinfo has no original ID; PaymentEnabled is documented as false there.
					pay := false
					if got.PaymentEnabled != nil && *got.PaymentEnabled != pay {
						t.Errorf("PaymentEnabled = %v, want false or unset on the OwnSecret route", *got.PaymentEnabled)
					}
					want.PaymentEnabled = got.PaymentEnabled
				}
				if got.Released != nil {
					t.Errorf("Released = %v, want nil (neither endpoint says)", *got.Released)
				}
				got.Released = nil
				if describeView(got) != describeView(&want) {
					t.Errorf("DescribeAccount =\n  %+v\nwant\n  %+v", describeView(got), describeView(&want))
				}
			})
		}
		if route == wechat.RouteThirdPartyPlatform {
			if e.calls(pAuthInfo) != len(cases) || e.calls(pBasicInfo) != len(cases) {
				t.Errorf("the third-party route called api_get_authorizer_info %d and getaccountbasicinfo %d times, want %d each",
					e.calls(pAuthInfo), e.calls(pBasicInfo), len(cases))
			}
		} else if e.calls(pBasicInfo) != len(cases) || e.calls(pAuthInfo) != 0 {
			t.Errorf("the own-secret route called getaccountbasicinfo %d and api_get_authorizer_info %d times, want %d and 0",
				e.calls(pBasicInfo), e.calls(pAuthInfo), len(cases))
		}
	})
}

// accountView is AccountInfo with its pointers dereferenced, for comparison and printing.
type accountView struct {
	AppID, Username, Nickname string
	Type                      platform.AccountType
	Subject                   rules.Subject
	Verification              rules.VerificationState
	PaymentEnabled            string
}

func describeView(a *platform.AccountInfo) accountView {
	v := accountView{AppID: a.AppID, Username: a.Username, Nickname: a.Nickname, Type: a.Type, Subject: a.Subject,
		Verification: a.Verification, PaymentEnabled: "nil"}
	if a.PaymentEnabled != nil {
		v.PaymentEnabled = fmt.Sprint(*a.PaymentEnabled)
	}
	return v
}

// 8 (continued). The simulator's ticket push and the client's ticket handler implement WeChat's message
// encryption independently; they must agree, and the handler must refuse what does not verify.
func TestTicketPushAndHandlerAgree(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: defaultStart}
	good := newComponent()
	tickets := &ticketStore{}
	handler := func(c component) *httptest.Server {
		ts := httptest.NewServer(wechat.NewTicketHandler(wechat.TicketHandlerConfig{
			Token: platform.Secret(c.token), EncodingAESKey: platform.Secret(c.aesKey), ComponentAppID: c.appID,
			Sink: tickets.sink, Clock: clk.Now,
		}))
		t.Cleanup(ts.Close)
		return ts
	}
	other := newComponent()
	cases := []struct {
		name       string
		handler    component // what the handler is configured with
		wantStatus int
	}{
		{"matching configuration", good, http.StatusOK},
		{"another callback token", component{appID: good.appID, token: other.token, aesKey: good.aesKey}, http.StatusForbidden},
		{"another EncodingAESKey", component{appID: good.appID, token: good.token, aesKey: other.aesKey}, http.StatusBadRequest},
		{"another component AppID", component{appID: other.appID, token: good.token, aesKey: good.aesKey}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := handler(tc.handler)
			srv, err := sim.Start(sim.Options{Clock: clk.Now, TicketInterval: -1, Component: &sim.Component{
				AppID: good.appID, Secret: good.secret, Token: good.token, EncodingAESKey: good.aesKey, CallbackURL: ts.URL,
			}})
			if err != nil {
				t.Fatalf("sim.Start: %v", err)
			}
			defer func() { _ = srv.Close() }()
			_, _, before := tickets.get()
			clk.Advance(10 * time.Minute)
			res, err := srv.PushTicket(context.Background())
			if res.HTTPStatus != tc.wantStatus {
				t.Fatalf("the handler answered %d (%+v, %v), want %d", res.HTTPStatus, res, err, tc.wantStatus)
			}
			got, at, n := tickets.get()
			if tc.wantStatus != http.StatusOK {
				if err == nil || res.Pushed || n != before {
					t.Errorf("a refused push: err %v, pushed %v, sink calls %d→%d; want an error, not pushed, no sink call",
						err, res.Pushed, before, n)
				}
				return
			}
			if err != nil || !res.Pushed || n != before+1 {
				t.Fatalf("push: err %v, pushed %v, sink calls %d→%d", err, res.Pushed, before, n)
			}
			if got.Reveal() != res.Ticket {
				t.Errorf("the handler decrypted %.16q…, the simulator pushed %.16q…", got.Reveal(), res.Ticket)
			}
			if want := clk.Now().Truncate(time.Second); !at.Equal(want) {
				t.Errorf("the sink got CreateTime %s, want %s", at, want)
			}
		})
	}
}

// 8 (continued). The third-party route's ticket lifecycle: a ticket older than 12 h is refused, a new push
// makes the route work again.
func TestThirdPartyTicketLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, wechat.RouteThirdPartyPlatform)
	oa := e.seed(officialAccount("wxoaticket000001", acme))[0]
	ctx := context.Background()
	if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil {
		t.Fatalf("with a fresh ticket: %v", err)
	}
	e.clk.Advance(12*time.Hour + time.Minute)
	_, err := e.p.ListMiniProgramLinks(ctx, oa)
	_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonTicketInvalid, 61005)
	e.pushTicket()
	if _, err := e.p.ListMiniProgramLinks(ctx, oa); err != nil {
		t.Fatalf("after a new push: %v", err)
	}
	if got := e.answered(pComponent, 0); got != 2 {
		t.Errorf("api_component_token answered ok %d times, want 2", got)
	}
}

// 9. No secret in any log line or error. Every env runs this check when its test ends; this test exercises
// success, auth refresh, faults, wrong credentials and the component route in one place, and checks that
// the check itself can see a leak.
func TestNoSecretInLogsOrErrors(t *testing.T) {
	t.Parallel()
	t.Run("the check finds a planted secret", func(t *testing.T) {
		secret := "appsecret" + randHex(16)
		ticket := "ticket@@@" + randHex(16)
		texts := map[string]string{
			"clean":   "wechat API call api=cgi-bin/stable_token errcode=0",
			"raw":     "something failed: secret=" + secret,
			"escaped": "POST /x?t=ticket%40%40%40" + strings.TrimPrefix(ticket, "ticket@@@"),
		}
		got := findLeaks(texts, map[string]string{secret: "AppSecret", ticket: "ticket"})
		if len(got) != 2 || !strings.HasPrefix(got[0], "escaped contains ticket") || !strings.HasPrefix(got[1], "raw contains AppSecret") {
			t.Errorf("findLeaks = %q, want the raw secret and the escaped ticket", got)
		}
	})
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		retry := wechat.RetryPolicy{MaxAttempts: 2, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second}
		e := newEnv(t, route, withRetry(retry), withTimeout(100*time.Millisecond))
		accts := e.seed(officialAccount("wxoaleak00000001", acme), miniProgram("wxmpleak00000001", acme))
		oa, mp := accts[0], accts[1]
		ctx := context.Background()
		mustOK := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		mustFail := func(what string, err error) {
			t.Helper()
			if err == nil {
				t.Fatalf("%s: no error", what)
			}
		}

		mustOK("link", errOf(e.p.LinkMiniProgram(ctx, oa, mp.AppID, platform.LinkOptions{})))
		_, err := e.p.DescribeAccount(ctx, oa)
		mustOK("describe", err)
		_, err = e.p.BindTester(ctx, mp, "leaktester01")
		mustOK("bind tester", err)

		e.srv.ExpireTokens("") // every token, the component token included
		_, err = e.p.ListMiniProgramLinks(ctx, oa)
		mustOK("after ExpireTokens", err)
		e.inject(sim.Fault{Path: pLinkGet, ErrCode: 42001, Count: 1})
		_, err = e.p.ListMiniProgramLinks(ctx, oa)
		mustOK("after a 42001", err)
		e.inject(sim.Fault{Path: pLinkGet, ErrCode: 40001, Count: 2})
		_, err = e.p.ListMiniProgramLinks(ctx, oa)
		mustFail("two 40001", err)

		for _, f := range []sim.Fault{
			{ErrCode: -1}, {ErrCode: 45009, ErrMsg: "reach max api daily quota limit"}, {HTTPStatus: 502},
			{Drop: true}, {Latency: 500 * time.Millisecond}, {ErrCode: 48001},
		} {
			f.Path, f.Count = pLink, retry.MaxAttempts
			e.inject(f)
			mustFail(fmt.Sprintf("fault %+v", f), errOf(e.p.LinkMiniProgram(ctx, oa, "wxmpleak00000002", platform.LinkOptions{})))
			e.srv.ClearFaults()
		}
		// Wrong credentials: the wrong value is a secret too.
		wrong := platform.Account{AppID: oa.AppID, Credential: platform.Secret("wrongcredential" + randHex(12))}
		e.watch.addSecret("wrong credential", wrong.Credential.Reveal())
		_, err = e.p.ListMiniProgramLinks(ctx, wrong)
		wantCode := 40125
		if route == wechat.RouteThirdPartyPlatform {
			wantCode = 61023
		}
		if pe, ok := platform.As(err); !ok || pe.Code != wantCode || pe.Class != platform.ClassTerminal {
			t.Errorf("a wrong credential gave %v, want a terminal %d", err, wantCode)
		}
		if route == wechat.RouteThirdPartyPlatform {
			e.pushTicket()
			e.clk.Advance(13 * time.Hour) // the component token and both tickets expire
			_, err = e.p.ListMiniProgramLinks(ctx, oa)
			mustFail("stale ticket", err)
			e.pushTicket()
		}

		// The logs were captured (else the check below would pass vacuously) and hold the expected lines.
		clientLog, simLog := e.watch.clientLog.String(), e.watch.simLog.String()
		for _, want := range []string{`"wechat API call"`, `"errcode"="42001"`, `"errcode"="network"`, `"errcode"="http_502"`} {
			if !strings.Contains(clientLog, want) {
				t.Errorf("the client log has no %s", want)
			}
		}
		for _, want := range []string{"path=/cgi-bin/wxopen/wxamplink", "fault=drop", "errcode=42001"} {
			if !strings.Contains(simLog, want) {
				t.Errorf("the simulator log has no %s", want)
			}
		}
		if route == wechat.RouteThirdPartyPlatform && !strings.Contains(simLog, "component_verify_ticket issued") {
			t.Errorf("the simulator log has no ticket push")
		}
		if n := len(e.watch.errorTexts()); n < 10 {
			t.Errorf("only %d error texts were collected", n)
		}
		// Tokens the client obtained: the own tokens through OnToken, and on the third-party route the
		// component_access_token seen on the wire.
		if n := e.watch.secretCount(); n < 8 {
			t.Errorf("only %d secrets are known to the check", n)
		}
		for _, tk := range e.srv.Tickets() {
			e.watch.addSecret("component_verify_ticket (simulator)", tk)
		}
		e.watch.check(t)
	})
}

// 10. Metrics.
func TestMetrics(t *testing.T) {
	t.Parallel()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		e := newEnv(t, route)
		accts := e.seed(officialAccount("wxoametrics00001", acme), miniProgram("wxmpmetrics00001", acme),
			miniProgram("wxmpmetrics00002", acme), miniProgram("wxmpmetrics00003", acme),
			miniProgram("wxmpmetrics00004", acme))
		oa := accts[0]
		ctx := context.Background()
		link := func(mp string) error { return errOf(e.p.LinkMiniProgram(ctx, oa, mp, platform.LinkOptions{})) }

		if err := link(accts[1].AppID); err != nil {
			t.Fatal(err)
		}
		if err := link(accts[2].AppID); err != nil {
			t.Fatal(err)
		}
		e.inject(sim.Fault{Path: pLink, ErrCode: 48001, Count: 1})
		_ = wantErr(t, link(accts[3].AppID), platform.ClassTerminal, platform.ReasonNotAuthorized, 48001)
		e.inject(sim.Fault{Path: pLink, ErrCode: -1, Count: 2})
		if err := link(accts[3].AppID); err != nil {
			t.Fatal(err)
		}
		e.inject(sim.Fault{Path: pLink, HTTPStatus: 503, Count: 1})
		e.inject(sim.Fault{Path: pLink, Drop: true, Count: 1})
		// Two attempts without an answer end a link request: its caller reads the platform's list.
		_ = wantErr(t, link(accts[4].AppID), platform.ClassRetryable, platform.ReasonNetwork, 0)

		const expected = `
# HELP wechat_api_requests_total WeChat API requests by endpoint and outcome: 0, a known errcode, "other" (an unknown errcode), "http_<class>" (http_4xx, http_5xx), "network" or "malformed".
# TYPE wechat_api_requests_total counter
wechat_api_requests_total{api="cgi-bin/wxopen/wxamplink",errcode="-1"} 2
wechat_api_requests_total{api="cgi-bin/wxopen/wxamplink",errcode="0"} 3
wechat_api_requests_total{api="cgi-bin/wxopen/wxamplink",errcode="48001"} 1
wechat_api_requests_total{api="cgi-bin/wxopen/wxamplink",errcode="http_5xx"} 1
wechat_api_requests_total{api="cgi-bin/wxopen/wxamplink",errcode="network"} 1
`
		if err := testutil.GatherAndCompare(onlyAPI(e.reg, apiLinkLabel), strings.NewReader(expected), wechat.MetricRequests); err != nil {
			t.Errorf("wxamplink requests:\n%v", err)
		}
		// The client's count agrees with the simulator's.
		if got := e.calls(pLink); got != 8 {
			t.Errorf("the simulator received %d wxamplink requests, the metrics count 8", got)
		}
		if got := counter(t, e.reg, wechat.MetricRequests, map[string]string{"api": strings.TrimPrefix(e.tokenPath(), "/"), "errcode": "0"}); got != 1 {
			t.Errorf("token requests = %v, want 1", got)
		}
		if got := histogramCount(t, e.reg, wechat.MetricDuration, map[string]string{"api": apiLinkLabel}); got != 8 {
			t.Errorf("wxamplink duration observations = %d, want 8", got)
		}
		// No AppID or credential is a label value.
		mfs, _ := e.reg.Gather()
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if strings.Contains(lp.GetValue(), "wxoa") || strings.Contains(lp.GetValue(), "wxmp") {
						t.Errorf("metric %s has an AppID in label %s=%q", mf.GetName(), lp.GetName(), lp.GetValue())
					}
				}
			}
		}
	})
}

// onlyAPI is reg restricted to the series of one api label.
func onlyAPI(reg *prometheus.Registry, api string) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := reg.Gather()
		if err != nil {
			return nil, err
		}
		out := make([]*dto.MetricFamily, 0, len(mfs))
		for _, mf := range mfs {
			var keep []*dto.Metric
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if lp.GetName() == "api" && lp.GetValue() == api {
						keep = append(keep, m)
					}
				}
			}
			if len(keep) > 0 {
				mf.Metric = keep
				out = append(out, mf)
			}
		}
		return out, nil
	})
}

func findMetric(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	m := findMetric(t, reg, name, labels)
	if m == nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) uint64 {
	t.Helper()
	m := findMetric(t, reg, name, labels)
	if m == nil {
		return 0
	}
	return m.GetHistogram().GetSampleCount()
}

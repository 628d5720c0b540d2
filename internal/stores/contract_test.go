// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package stores_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/stores"
	"github.com/wxlink/wxlink-operator/internal/stores/sim"
)

// clock is a settable clock shared by the simulator and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var shops = map[stores.Provider]sim.Shop{
	stores.Youzan:  {Provider: sim.Youzan, ClientID: "yz-client", ClientSecret: "yz-secret-0123456789", ShopID: "46037157", ShopName: "有赞店"},
	stores.Weimob:  {Provider: sim.Weimob, ClientID: "wm-client", ClientSecret: "wm-secret-0123456789", ShopID: "4020112618957", ShopName: "微盟店"},
	stores.Weidian: {Provider: sim.Weidian, ClientID: "wd-appkey", ClientSecret: "wd-secret-0123456789", ShopName: "微店"},
}

func newEnv(t *testing.T, p stores.Provider) (*sim.Server, *stores.Client, stores.Credentials, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	srv, err := sim.Start(sim.Options{Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sh := shops[p]
	if err := srv.Seed(sh); err != nil {
		t.Fatal(err)
	}
	c, err := stores.New(stores.Config{Provider: p, BaseURL: srv.URL, Clock: clk.now, QPS: 1000, Burst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, stores.Credentials{ClientID: sh.ClientID, ClientSecret: platform.Secret(sh.ClientSecret), ShopID: sh.ShopID}, clk
}

func wantErr(t *testing.T, err error, class platform.Class, reason string, secrets ...string) {
	t.Helper()
	pe, ok := platform.As(err)
	if !ok || pe.Class != class || pe.Reason != reason {
		t.Fatalf("error %v, want %s %s", err, class, reason)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("the error %q holds a secret", err)
		}
	}
}

// TestProviders runs each provider's token and health calls through the client against the simulator.
func TestProviders(t *testing.T) {
	for _, p := range []stores.Provider{stores.Youzan, stores.Weimob, stores.Weidian} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			srv, c, cr, clk := newEnv(t, p)
			ctx := context.Background()
			tok, err := c.Token(ctx, cr)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if want := clk.now().Add(sim.DefaultTokenTTL[string(p)]); !tok.ExpiresAt.Equal(want) {
				t.Errorf("expires %s, want %s (the provider's unit read right)", tok.ExpiresAt, want)
			}
			if r := tok.RefreshAt(); !r.After(clk.now()) || !r.Before(tok.ExpiresAt) {
				t.Errorf("refreshAt %s is not between now and expiry", r)
			}
			shop, err := c.Health(ctx, tok.Value)
			if err != nil {
				t.Fatalf("Health: %v", err)
			}
			if p != stores.Weidian && (shop.Name != shops[p].ShopName || shop.ID != shops[p].ShopID) {
				t.Errorf("Health = %+v", shop)
			}

			// The token expires: the health check answers with an auth error (Youzan 4202, Weidian 10013) or
			// an unknown errcode (Weimob's is undocumented).
			clk.advance(sim.DefaultTokenTTL[string(p)])
			_, err = c.Health(ctx, tok.Value)
			if p == stores.Weimob {
				wantErr(t, err, platform.ClassRetryable, platform.ReasonUnknownError, tok.Value.Reveal())
			} else {
				wantErr(t, err, platform.ClassAuth, platform.ReasonTokenInvalid, tok.Value.Reveal())
			}

			// A wrong secret is terminal, and never printed.
			bad := cr
			bad.ClientSecret = "wrong-secret-9876543210"
			_, err = c.Token(ctx, bad)
			if p == stores.Weidian {
				wantErr(t, err, platform.ClassRetryable, platform.ReasonUnknownError, "wrong-secret-9876543210")
			} else {
				wantErr(t, err, platform.ClassTerminal, platform.ReasonInvalidCredentials, "wrong-secret-9876543210")
			}

			// A 5xx is retryable; a dropped connection is a network error without the URL (and its secret).
			srv.InjectFault(sim.Fault{Path: c.Config().TokenPath, HTTPStatus: 503, Count: 1})
			_, err = c.Token(ctx, cr)
			wantErr(t, err, platform.ClassRetryable, platform.ReasonServerError)
			// (Every attempt drops: Go's transport itself retries an idempotent GET once.)
			srv.InjectFault(sim.Fault{Path: c.Config().TokenPath, Drop: true})
			_, err = c.Token(ctx, cr)
			wantErr(t, err, platform.ClassRetryable, platform.ReasonNetwork, shops[p].ClientSecret)
			srv.ClearFaults()
			if _, err := c.Token(ctx, cr); err != nil {
				t.Fatalf("Token after the faults: %v", err)
			}
		})
	}
}

// TestYouzanIPAllowList: Youzan's 4007 (source IP not in the app's allow-list) is terminal, with the fix.
func TestYouzanIPAllowList(t *testing.T) {
	t.Parallel()
	srv, c, cr, _ := newEnv(t, stores.Youzan)
	srv.InjectFault(sim.Fault{Path: sim.PathYouzanToken, Code: 4007})
	_, err := c.Token(context.Background(), cr)
	wantErr(t, err, platform.ClassTerminal, platform.ReasonIPNotWhitelisted)
	if !strings.Contains(err.Error(), "IP allow-list") {
		t.Errorf("4007 should say how to fix it: %v", err)
	}
	srv.ClearFaults()
	unknown := cr
	unknown.ClientID = "nobody"
	_, err = c.Token(context.Background(), unknown)
	wantErr(t, err, platform.ClassTerminal, platform.ReasonInvalidCredentials)
}

// TestExpiryOverride: a user who learns the unit of Youzan's expires sets it; a unit that reads the
// simulator's milliseconds as seconds puts the expiry centuries away, which is refused with the fix.
func TestExpiryOverride(t *testing.T) {
	t.Parallel()
	srv, _, cr, clk := newEnv(t, stores.Youzan)
	unit := func(u stores.ExpiryUnit) *stores.Client {
		c, err := stores.New(stores.Config{Provider: stores.Youzan, BaseURL: srv.URL, Clock: clk.now, ExpiryUnit: u})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tok, err := unit(stores.ExpiryEpochMilliseconds).Token(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	if d := tok.ExpiresAt.Sub(clk.now()); d <= 0 || d > 8*24*time.Hour {
		t.Errorf("EpochMilliseconds: expires in %s", d)
	}
	_, err = unit(stores.ExpiryEpochSeconds).Token(context.Background(), cr)
	if err == nil || !strings.Contains(err.Error(), "spec.api.expiryUnit") {
		t.Errorf("milliseconds read as seconds were accepted: %v", err)
	}
	if _, err := stores.New(stores.Config{Provider: "Shopify"}); err == nil {
		t.Error("an unknown provider was accepted")
	}
}

// TestYouzanRenewalSameToken: a Youzan that answers refresh=false with the valid token again (as its docs
// say) is asked for a new token at the renewal instant; the schedule is never recomputed from now for the
// same token.
func TestYouzanRenewalSameToken(t *testing.T) {
	t.Parallel()
	for _, refreshOnRenewal := range []bool{true, false} {
		srv, _, cr, clk := newEnv(t, stores.Youzan)
		sh := shops[stores.Youzan]
		sh.ReuseToken = true
		if err := srv.Seed(sh); err != nil {
			t.Fatal(err)
		}
		c, err := stores.New(stores.Config{Provider: stores.Youzan, BaseURL: srv.URL, Clock: clk.now, QPS: 1000, Burst: 1000,
			RefreshOnRenewal: refreshOnRenewal})
		if err != nil {
			t.Fatal(err)
		}
		first, err := c.Token(context.Background(), cr)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := c.Token(context.Background(), cr); err != nil || again.Value != first.Value {
			t.Fatalf("the simulator's reuse mode did not answer the same token: %v", err)
		}
		clk.advance(first.RefreshAt().Sub(clk.now()))
		renewed, err := c.Renew(context.Background(), cr, first)
		if err != nil {
			t.Fatalf("refreshOnRenewal %v: %v", refreshOnRenewal, err)
		}
		if renewed.Value == first.Value || !renewed.ExpiresAt.After(first.ExpiresAt) || !renewed.RefreshAt().After(first.ExpiresAt) {
			t.Errorf("refreshOnRenewal %v: renewed %s expiring %s (refresh %s); first expired %s", refreshOnRenewal,
				renewed.Value.Reveal(), renewed.ExpiresAt, renewed.RefreshAt(), first.ExpiresAt)
		}
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
	storesim "github.com/wxlink/wxlink-operator/internal/stores/sim"
)

// youzanShop starts a store simulator with one Youzan shop whose tokens live ttl, and declares the
// ThirdPartyStore of that shop, publishing its token into Secret youzan-token.
func (e *env) youzanShop(name string, ttl time.Duration, mutate ...func(*wx.ThirdPartyStore)) *storesim.Server {
	e.t.Helper()
	srv, err := storesim.Start(storesim.Options{Clock: clock.Now, TokenTTL: map[string]time.Duration{storesim.Youzan: ttl}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = srv.Close() })
	if err := srv.Seed(storesim.Shop{Provider: storesim.Youzan, ClientID: "yz-" + name, ClientSecret: "yz-secret-" + e.ns,
		ShopID: "46037157", ShopName: "云杉优选有赞店"}); err != nil {
		e.t.Fatal(err)
	}
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-app", Labels: optedIn},
		StringData: map[string]string{"clientID": "yz-" + name, "clientSecret": "yz-secret-" + e.ns}})
	tps := &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.ThirdPartyStoreSpec{
		Provider: wx.StoreProviderYouzan, ShopID: "46037157",
		Credentials:      wx.StoreAppCredentials{SecretName: name + "-app"},
		TokenPublication: &wx.TokenPublication{SecretName: name + "-token"},
		API:              &wx.StoreAPI{Endpoint: srv.URL},
	}}
	for _, m := range mutate {
		m(tps)
	}
	e.create(tps)
	return srv
}

func (e *env) shopReason(name, reason string) *wx.ThirdPartyStore {
	e.t.Helper()
	tps := &wx.ThirdPartyStore{}
	e.waitReason(name, tps, reason)
	return tps
}

func (e *env) publishedToken(name string) (string, time.Time) {
	e.t.Helper()
	s := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: name}, s); err != nil {
		return "", time.Time{}
	}
	exp, _ := time.Parse(time.RFC3339, string(s.Data[controllers.PublishedExpiresAtKey]))
	return string(s.Data[controllers.PublishedTokenKey]), exp
}

// TestThirdPartyStoreYouzan: the token is obtained and published; a Mini Program binding waits for the
// web-view domain, which only the console sets (prerequisite unmet, then met); the token is renewed before
// it expires and published again.
func TestThirdPartyStoreYouzan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.platformConfig()
	e.miniProgram("mall", companyA, sim.Verified)
	e.youzanShop("youzan", 8*time.Second, func(tps *wx.ThirdPartyStore) {
		tps.Spec.Bindings = []wx.StoreBinding{{Kind: wx.StoreBindingMiniProgram, Name: "mall"}}
	})

	tps := e.shopReason("youzan", "WebViewDomainUnconfirmed")
	if c := meta.FindStatusCondition(tps.Status.Conditions, wx.ConditionMiniProgramPrerequisitesMet); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("MiniProgramPrerequisitesMet = %+v", c)
	}
	if c := meta.FindStatusCondition(tps.Status.Conditions, wx.ConditionStalled); c == nil {
		t.Error("a console step to take should be Stalled")
	}
	first, firstExp := e.publishedToken("youzan-token")
	if first == "" || tps.Status.Token == nil || !firstExp.Equal(tps.Status.Token.ExpiresAt.Time) {
		t.Fatalf("published token %q expiring %s; status %+v", first, firstExp, tps.Status.Token)
	}

	patchShop(t, e, "youzan", func(tps *wx.ThirdPartyStore) {
		tps.Spec.Bindings[0].ConfirmedInConsole = &wx.ConsoleConfirmation{By: "李华 (IT)", On: "2026-12-01"}
	})
	tps = e.shopReason("youzan", wx.ReasonAvailable)
	if tps.Status.ShopName != "云杉优选有赞店" || tps.Status.LastHealthyTime == nil {
		t.Errorf("status %+v", tps.Status)
	}

	// Renewal at 80% of the 8 s lifetime: a new token is published before the first one expires.
	e.waitFor("a renewed token to be published", func() (bool, string) {
		tok, exp := e.publishedToken("youzan-token")
		return tok != first && exp.After(firstExp), tok
	})
	if now := clock.Now(); !now.Before(firstExp.Add(time.Second)) {
		t.Errorf("the token was renewed at %s, after the old one expired at %s", now, firstExp)
	}
	e.waitEvent("youzan", wx.EventStoreTokenRenewed)

	// The published token does not outlive the store (envtest runs no garbage collector).
	if err := k8s.Delete(context.Background(), tps); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the published Secret to be deleted with the store", func() (bool, string) {
		tok, _ := e.publishedToken("youzan-token")
		return tok == "", "still published"
	})
}

// TestThirdPartyStoreFailingStreak: three failed health checks in a row make the store not Ready
// (StoreAPIFailing) with an Event; recovery clears it.
func TestThirdPartyStoreFailingStreak(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.youzanShop("shop", time.Hour)
	e.shopReason("shop", wx.ReasonAvailable)

	start := clock.Now()
	srv.InjectFault(storesim.Fault{Path: storesim.PathYouzanShop, HTTPStatus: 503})
	tps := e.shopReason("shop", wx.ReasonStoreAPIFailing)
	if tps.Status.ConsecutiveFailures < 3 || tps.Status.LastError == "" {
		t.Errorf("status %+v", tps.Status)
	}
	// A failure counts once per poll: the streak of 3 spans at least 2 poll intervals (retries in between).
	if took := tps.Status.LastCountedFailureTime.Sub(start); took < 2*e.poll {
		t.Errorf("the streak of %d failures took %s, less than 2 polls of %s", tps.Status.ConsecutiveFailures, took, e.poll)
	}
	e.waitEvent("shop", wx.EventStoreFailing)
	if v, ok := e.storeGauge("wxlink_store_consecutive_failures", "shop"); !ok || v < 3 {
		t.Errorf("failures gauge %v (%v) while failing", v, ok)
	}

	srv.ClearFaults()
	tps = e.shopReason("shop", wx.ReasonAvailable)
	if tps.Status.ConsecutiveFailures != 0 {
		t.Errorf("consecutiveFailures = %d after recovery", tps.Status.ConsecutiveFailures)
	}
	e.waitEvent("shop", wx.EventStoreRecovered)
}

// TestThirdPartyStoreIPAllowList: Youzan's 4007 is terminal at once, with the fix.
func TestThirdPartyStoreIPAllowList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv, err := storesim.Start(storesim.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	srv.InjectFault(storesim.Fault{Path: storesim.PathYouzanToken, Code: 4007})
	e.youzanShop("shop", time.Hour, func(tps *wx.ThirdPartyStore) { tps.Spec.API.Endpoint = srv.URL })
	tps := e.shopReason("shop", "IPNotWhitelisted")
	if c := meta.FindStatusCondition(tps.Status.Conditions, wx.ConditionStalled); c == nil {
		t.Error("a refusal should be Stalled")
	}
	if n := tps.Status.ConsecutiveFailures; n < 1 || n >= 3 {
		t.Errorf("consecutiveFailures = %d: a terminal refusal is reported at once, not after the threshold", n)
	}
}

func patchShop(t *testing.T, e *env, name string, change func(*wx.ThirdPartyStore)) {
	t.Helper()
	tps := &wx.ThirdPartyStore{}
	e.get(name, tps)
	change(tps)
	if err := k8s.Update(context.Background(), tps); err != nil {
		t.Fatal(err)
	}
}

// storeGauge is the value of a store gauge for the named store, and whether it has a series.
func (e *env) storeGauge(metric, name string) (float64, bool) {
	e.t.Helper()
	families, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == e.ns && labels["name"] == name {
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

// TestThirdPartyStoreStaleFailures: a failing store whose reconcile then stops before the report (its
// endpoint no longer allowed) does not keep its streak or its failures gauge, and is reported recovered from
// the platform's side; the gauges go with the store.
func TestThirdPartyStoreStaleFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.youzanShop("stale", time.Hour)
	e.shopReason("stale", wx.ReasonAvailable)
	srv.InjectFault(storesim.Fault{Path: storesim.PathYouzanShop, HTTPStatus: 503})
	tps := e.shopReason("stale", wx.ReasonStoreAPIFailing)
	if v, ok := e.storeGauge("wxlink_store_consecutive_failures", "stale"); !ok || v < 3 {
		t.Errorf("failures gauge %v (%v) while failing with %d", v, ok, tps.Status.ConsecutiveFailures)
	}

	patchShop(t, e, "stale", func(s *wx.ThirdPartyStore) { s.Spec.API.Endpoint = "https://store.example.com" })
	tps = e.shopReason("stale", wx.ReasonEndpointNotAllowed)
	e.waitFor("the streak forgotten", func() (bool, string) {
		e.get("stale", tps)
		v, ok := e.storeGauge("wxlink_store_consecutive_failures", "stale")
		return tps.Status.ConsecutiveFailures == 0 && tps.Status.LastError == "" && !ok,
			fmt.Sprintf("consecutiveFailures %d, gauge %v (%v)", tps.Status.ConsecutiveFailures, v, ok)
	})
	e.waitEvent("stale", wx.EventStoreRecovered)

	if err := k8s.Delete(context.Background(), tps); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the store's gauges deleted", func() (bool, string) {
		_, f := e.storeGauge("wxlink_store_consecutive_failures", "stale")
		_, x := e.storeGauge("wxlink_store_token_expiry_timestamp_seconds", "stale")
		return !f && !x, fmt.Sprintf("failures %v, expiry %v", f, x)
	})
}

// TestThirdPartyStoreTokenSecretNotCredentials: the API server refuses a store that would publish its token
// into the Secret holding the app's credentials.
func TestThirdPartyStoreTokenSecretNotCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tps := &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Name: "same", Namespace: e.ns}, Spec: wx.ThirdPartyStoreSpec{
		Provider: wx.StoreProviderYouzan, ShopID: "46037157",
		Credentials:      wx.StoreAppCredentials{SecretName: "app"},
		TokenPublication: &wx.TokenPublication{SecretName: "app"},
	}}
	err := k8s.Create(context.Background(), tps)
	if err == nil || !strings.Contains(err.Error(), "tokenPublication.secretName must differ") {
		t.Errorf("create = %v, want the CEL refusal", err)
	}
}

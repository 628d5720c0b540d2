// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package stores_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/stores"
)

// A 307/308 from the store's endpoint is not followed: following it would resend the JSON body, with
// client_secret, to a host --allowed-store-endpoints never allowed.
func TestClientRefusesRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer other.Close()
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, code)
		}))
		for _, hc := range []*http.Client{nil, {}} {
			c, err := stores.New(stores.Config{Provider: stores.Youzan, BaseURL: srv.URL, HTTPClient: hc})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Token(context.Background(), stores.Credentials{ClientID: "id", ClientSecret: platform.Secret("secret"), ShopID: "1"})
			if err == nil {
				t.Errorf("HTTP %d: a redirect was taken for an answer", code)
			}
		}
		srv.Close()
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the client followed %d redirects, resending the secret", n)
	}
}

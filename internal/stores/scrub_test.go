// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package stores_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/stores"
)

// A refusal whose body echoes the request (the client secret, the token) in Chinese text reaches status and
// Events cut at a rune boundary (valid UTF-8) and without the secret or the token.
func TestHTTPErrorIsScrubbedAndValidUTF8(t *testing.T) {
	const secret, token = "s3cr3t-client-secret-value", "tok-0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusForbidden)
		// "x" shifts the Chinese text by one byte so that a byte cut at 200 lands inside a character.
		_, _ = io.WriteString(w, "x"+string(b)+r.URL.RawQuery+strings.Repeat("应用信息错误", 40))
	}))
	defer srv.Close()
	for _, p := range []stores.Provider{stores.Youzan, stores.Weimob} {
		c, err := stores.New(stores.Config{Provider: p, BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		_, terr := c.Token(context.Background(), stores.Credentials{ClientID: "id", ClientSecret: platform.Secret(secret), ShopID: "1"})
		_, herr := c.Health(context.Background(), platform.Secret(token))
		for _, err := range []error{terr, herr} {
			if err == nil {
				t.Fatalf("%s: a 403 was accepted", p)
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, token) || !utf8.ValidString(msg) {
				t.Errorf("%s: %q", p, msg)
			}
		}
	}
}

// An HTTP 401 or 403 on the health call is the token refused (an auth error: renewed early), not the app's
// credentials.
func TestHealthHTTPAuthIsTokenInvalid(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
		c, err := stores.New(stores.Config{Provider: stores.Weimob, BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Health(context.Background(), platform.Secret("tok"))
		if !platform.IsClass(err, platform.ClassAuth) {
			t.Errorf("HTTP %d on the health call: %v, want an auth error", code, err)
		}
		srv.Close()
	}
}

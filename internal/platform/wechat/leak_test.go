// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// TestNoSecretEverLoggedOrInAnError runs success, auth failure, 5xx, network failure (server closed) and the
// component route with failures whose errmsg echoes the credential, capturing every log line at V(10) and
// every error, and checks that no AppSecret, access token, refresh token, component secret or ticket shows.
func TestNoSecretEverLoggedOrInAnError(t *testing.T) {
	var logMu sync.Mutex
	var logs strings.Builder
	logger := funcr.New(func(prefix, args string) {
		logMu.Lock()
		defer logMu.Unlock()
		logs.WriteString(prefix + " " + args + "\n")
	}, funcr.Options{Verbosity: 10})

	const (
		appSecret       = "leak-app-secret-AAAA1111"
		appSecret2      = "leak-app-secret-BBBB2222"
		accessToken     = "leak-access-token-CCCC3333"
		accessToken2    = "leak-access-token-DDDD4444"
		componentSecret = "leak-component-secret-EEEE5555"
		ticket          = "ticket@@@leak-ticket-FFFF6666"
		componentToken  = "leak-component-token-GGGG7777"
		refreshToken    = "leak-refresh-token-HHHH8888"
		authorizerToken = "leak-authorizer-token-IIII9999"
		rotatedRefresh  = "leak-refresh-token-rotated-JJJJ0000"
	)
	secrets := []string{appSecret, appSecret2, accessToken, accessToken2, componentSecret, ticket, componentToken,
		refreshToken, authorizerToken, rotatedRefresh}

	var errs []string
	record := func(err error) {
		if err == nil {
			t.Fatal("scenario expected an error")
		}
		errs = append(errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		if e, ok := platform.As(err); ok {
			errs = append(errs, e.Msg)
		}
	}
	ctx := context.Background()

	// --- own secret route ---
	env := newEnv(t, func(c *Config) { c.Logger = logger; c.Retry.MaxAttempts = 2 })
	env.srv.handle(apiStableToken, func(w http.ResponseWriter, c call) {
		if c.Body["secret"] == appSecret2 {
			writeJSON(w, errBody(40125, "invalid appsecret "+appSecret2)) // the platform echoing the secret
			return
		}
		tok := accessToken
		if c.Body["force_refresh"] == true {
			tok = accessToken2
		}
		writeJSON(w, map[string]any{"access_token": tok, "expires_in": 7200})
	})
	mode := "ok"
	var modeMu sync.Mutex
	setMode := func(m string) { modeMu.Lock(); mode = m; modeMu.Unlock() }
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		modeMu.Lock()
		m := mode
		modeMu.Unlock()
		switch m {
		case "ok":
			membersOK(w, c)
		case "auth":
			writeJSON(w, errBody(40001, "invalid credential, access_token is "+c.Query["access_token"]))
		case "5xx":
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	acct := platform.Account{AppID: "wxleak000000000001", Credential: appSecret}
	if _, err := env.client.ListTesters(ctx, acct); err != nil {
		t.Fatal(err)
	}
	setMode("auth")
	_, err := env.client.ListTesters(ctx, acct)
	record(err)
	setMode("5xx")
	_, err = env.client.ListTesters(ctx, acct)
	record(err)
	_, err = env.client.ListTesters(ctx, platform.Account{AppID: "wxleak000000000002", Credential: appSecret2})
	record(err)
	// Network failure with a cached token: net/http's error embeds the URL, access_token included.
	env.srv.srv.Close()
	_, err = env.client.ListTesters(ctx, acct)
	record(err)
	_, err = env.client.ListTesters(ctx, platform.Account{AppID: "wxleak000000000003", Credential: appSecret})
	record(err)

	// --- third-party platform route ---
	tp := newEnv(t, func(c *Config) {
		c.Logger = logger
		c.Retry.MaxAttempts = 2
		c.Route = Route{Kind: RouteThirdPartyPlatform, ComponentAppID: "wxleakcomponent001", ComponentSecret: componentSecret,
			Tickets: TicketSourceFunc(func(context.Context) (platform.Secret, error) { return ticket, nil })}
	})
	tp.srv.handle(apiComponentToken, func(w http.ResponseWriter, _ call) {
		writeJSON(w, map[string]any{"component_access_token": componentToken, "expires_in": 7200})
	})
	tp.srv.handle(apiAuthorizerToken, func(w http.ResponseWriter, c call) {
		if c.Body["authorizer_appid"] == "wxleakrevoked00001" {
			writeJSON(w, errBody(61023, "invalid refresh_token "+c.Body["authorizer_refresh_token"].(string)+
				" component_access_token="+c.Query["component_access_token"]))
			return
		}
		writeJSON(w, map[string]any{"authorizer_access_token": authorizerToken, "expires_in": 7200,
			"authorizer_refresh_token": rotatedRefresh})
	})
	tp.srv.handle(apiLinkGet, func(w http.ResponseWriter, c call) {
		writeJSON(w, errBody(48001, "api unauthorized for token "+c.Query["access_token"]))
	})
	_, err = tp.client.ListMiniProgramLinks(ctx, platform.Account{AppID: "wxleakauthorizer01", Credential: refreshToken})
	record(err)
	_, err = tp.client.ListMiniProgramLinks(ctx, platform.Account{AppID: "wxleakrevoked00001", Credential: refreshToken})
	record(err)
	tp.clock.Advance(3 * time.Hour)
	tp.srv.srv.Close()
	_, err = tp.client.ListMiniProgramLinks(ctx, platform.Account{AppID: "wxleakauthorizer01", Credential: refreshToken})
	record(err)

	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if !strings.Contains(out, apiMemberAuth) || !strings.Contains(out, "errcode") {
		t.Fatalf("expected per-call log lines, got:\n%s", out)
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("a log line contains secret %q:\n%s", s, out)
		}
		for _, e := range errs {
			if strings.Contains(e, s) {
				t.Errorf("an error contains secret %q: %s", s, e)
			}
		}
	}
	for _, e := range errs {
		if strings.Contains(e, "access_token=") && !strings.Contains(e, "access_token="+platform.Redacted) {
			t.Errorf("an error carries a query string: %s", e)
		}
		if strings.Contains(e, "127.0.0.1") && strings.Contains(e, "?") {
			t.Errorf("an error carries a URL: %s", e)
		}
	}
	if t.Failed() {
		t.Logf("errors:\n%s", strings.Join(errs, "\n"))
	}
}

func TestScrub(t *testing.T) {
	ue := &url.Error{Op: "Post", URL: "http://127.0.0.1:9/wxa/memberauth?access_token=tok-in-url-123", Err: errors.New("EOF")}
	if got := scrub(fmt.Errorf("wrapped: %w", ue), nil); got != "Post: EOF" {
		t.Errorf("scrub(url.Error) = %q", got)
	}
	for in, want := range map[string]string{
		"see access_token=ZZZZZZ&x=1":               "see access_token=[redacted]&x=1",
		"component_access_token=abc def":            "component_access_token=[redacted] def",
		`{"secret=hunter2"}`:                        `{"secret=[redacted]"}`,
		"invalid appsecret my-secret-value rid: 1":  "invalid appsecret [redacted] rid: 1",
		"escaped my%2Fsecret%2Bvalue%3D in a query": "escaped [redacted] in a query",
	} {
		if got := scrubString(in, []string{"my-secret-value", "my/secret+value="}); got != want {
			t.Errorf("scrubString(%q) = %q, want %q", in, got, want)
		}
	}
}

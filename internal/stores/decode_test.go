// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package stores

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

var goldenNow = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenTokens(t *testing.T) {
	for _, c := range []struct {
		file    string
		codec   codec
		unit    ExpiryUnit
		token   string
		expires time.Time
	}{
		{"youzan_token.json", youzan{}, ExpiryAuto, "f6b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4", time.UnixMilli(1796724000000).UTC()},
		// An epoch in seconds reads as seconds (a value below 1e11), whatever the docs say.
		{"youzan_token_seconds.json", youzan{}, ExpiryAuto, "abc", time.Unix(1796724000, 0).UTC()},
		{"youzan_token_seconds.json", youzan{}, ExpiryEpochSeconds, "abc", time.Unix(1796724000, 0).UTC()},
		{"youzan_token.json", youzan{}, ExpiryEpochMilliseconds, "f6b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4", time.UnixMilli(1796724000000).UTC()},
		// A value below 1e9 (2001 as epoch seconds) is seconds to live.
		{"youzan_token_ttl.json", youzan{}, ExpiryAuto, "ttl", goldenNow.Add(604800 * time.Second)},
		{"youzan_token_ttl.json", youzan{}, ExpirySecondsToLive, "ttl", goldenNow.Add(604800 * time.Second)},
		{"weimob_token.json", weimob{}, ExpiryAuto, "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e", goldenNow.Add(7199 * time.Second)},
		{"weidian_token.json", weidian{}, ExpiryAuto, "0d1e2f3a4b5c", goldenNow.Add(25 * time.Hour)},
	} {
		tok, err := c.codec.decodeToken(golden(t, c.file), goldenNow, c.unit)
		if err != nil {
			t.Fatalf("%s (%s): %v", c.file, c.unit, err)
		}
		if tok.Value.Reveal() != c.token || !tok.ExpiresAt.Equal(c.expires) || !tok.ObtainedAt.Equal(goldenNow) {
			t.Errorf("%s (%s) = %s expires %s, want %s expires %s", c.file, c.unit, tok.Value.Reveal(), tok.ExpiresAt, c.token, c.expires)
		}
	}
}

// An expiry at or before now, or more than a year away, is a misread unit: malformed, with the fix.
func TestGoldenTokenExpiryImplausible(t *testing.T) {
	for _, c := range []struct {
		file  string
		codec codec
		unit  ExpiryUnit
	}{
		{"youzan_token_past.json", youzan{}, ExpiryAuto},                 // 2020, in milliseconds
		{"youzan_token.json", youzan{}, ExpiryEpochSeconds},              // milliseconds read as seconds: year 58906
		{"youzan_token_seconds.json", youzan{}, ExpirySecondsToLive},     // an epoch read as seconds to live
		{"youzan_token_seconds.json", youzan{}, ExpiryEpochMilliseconds}, // seconds read as milliseconds: 1970
		{"weimob_token.json", weimob{}, ExpiryEpochMilliseconds},         // 7199 ms after the epoch
		{"weimob_token.json", weimob{}, ExpiryEpochSeconds},              // 7199 s after the epoch
	} {
		tok, err := c.codec.decodeToken(golden(t, c.file), goldenNow, c.unit)
		if err == nil {
			t.Errorf("%s (%s): accepted a token expiring %s", c.file, c.unit, tok.ExpiresAt)
			continue
		}
		if err.Class != platform.ClassRetryable || !strings.Contains(err.Msg, "spec.api.expiryUnit") {
			t.Errorf("%s (%s): %+v, want a malformed response naming spec.api.expiryUnit", c.file, c.unit, err)
		}
	}
}

// The refresh point is 80% of the lifetime, with no overflow for a long one.
func TestRefreshAtNoOverflow(t *testing.T) {
	long := Token{ObtainedAt: goldenNow, ExpiresAt: goldenNow.Add(time.Duration(1<<62 + 1<<61))}
	if r := long.RefreshAt(); !r.After(long.ObtainedAt) || !r.Before(long.ExpiresAt) {
		t.Errorf("refresh at %s for a token obtained %s expiring %s", r, long.ObtainedAt, long.ExpiresAt)
	}
	week := Token{ObtainedAt: goldenNow, ExpiresAt: goldenNow.Add(100 * time.Hour)}
	if r := week.RefreshAt(); !r.Equal(goldenNow.Add(80 * time.Hour)) {
		t.Errorf("refresh at %s, want 80 h after %s", r, goldenNow)
	}
}

func TestGoldenErrors(t *testing.T) {
	type want struct {
		code   int
		class  platform.Class
		reason string
	}
	health := func(c codec) func([]byte) *platform.Error {
		return func(b []byte) *platform.Error { _, e := c.decodeHealth(b); return e }
	}
	token := func(c codec) func([]byte) *platform.Error {
		return func(b []byte) *platform.Error { _, e := c.decodeToken(b, goldenNow, ExpiryAuto); return e }
	}
	for _, c := range []struct {
		file   string
		decode func([]byte) *platform.Error
		want   want
	}{
		{"youzan_token_bad_secret.json", token(youzan{}), want{1000, platform.ClassTerminal, platform.ReasonInvalidCredentials}},
		{"youzan_token_client_missing.json", token(youzan{}), want{1103, platform.ClassTerminal, platform.ReasonInvalidCredentials}},
		{"youzan_gw_ip_whitelist.json", health(youzan{}), want{4007, platform.ClassTerminal, platform.ReasonIPNotWhitelisted}},
		{"youzan_gw_ip_whitelist.json", token(youzan{}), want{4007, platform.ClassTerminal, platform.ReasonIPNotWhitelisted}},
		{"youzan_gw_token_expired.json", health(youzan{}), want{4202, platform.ClassAuth, platform.ReasonTokenInvalid}},
		{"youzan_error_response.json", health(youzan{}), want{4204, platform.ClassTerminal, platform.ReasonNotAuthorized}},
		{"weimob_token_error.json", token(weimob{}), want{80001001000119, platform.ClassRetryable, platform.ReasonUnknownError}},
		{"weimob_bos_info_error.json", health(weimob{}), want{80001001000001, platform.ClassRetryable, platform.ReasonUnknownError}},
		{"weidian_token_error.json", token(weidian{}), want{10003, platform.ClassRetryable, platform.ReasonUnknownError}},
		{"weidian_invalid_token.json", health(weidian{}), want{10013, platform.ClassAuth, platform.ReasonTokenInvalid}},
	} {
		e := c.decode(golden(t, c.file))
		if e == nil || e.Code != c.want.code || e.Class != c.want.class || e.Reason != c.want.reason {
			t.Errorf("%s: %+v, want %+v", c.file, e, c.want)
		}
	}
	if e := token(youzan{})(golden(t, "youzan_gw_ip_whitelist.json")); e == nil || !contains(e.Msg, "IP allow-list") {
		t.Errorf("4007 should say how to fix it: %v", e)
	}
}

func TestGoldenHealth(t *testing.T) {
	for _, c := range []struct {
		file  string
		codec codec
		want  Shop
	}{
		{"youzan_shop_v3.json", youzan{}, Shop{ID: "46037157", Name: "云杉优选有赞店"}},
		{"youzan_shop_v4.json", youzan{}, Shop{ID: "46037157", Name: "云杉优选有赞店"}},
		{"weimob_bos_info.json", weimob{}, Shop{ID: "4020112618957", Name: "云杉优选微盟店"}},
		{"weidian_cate.json", weidian{}, Shop{}},
	} {
		got, err := c.codec.decodeHealth(golden(t, c.file))
		if err != nil || got != c.want {
			t.Errorf("%s = %+v, %v; want %+v", c.file, got, err, c.want)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, c := range []codec{youzan{}, weimob{}, weidian{}} {
		for _, body := range []string{"not json", "{}", `{"success":true,"data":{}}`} {
			if _, err := c.decodeToken([]byte(body), goldenNow, ExpiryAuto); err == nil || err.Class != platform.ClassRetryable {
				t.Errorf("%T token %q: %v, want a retryable malformed error", c, body, err)
			}
		}
		if _, err := c.decodeHealth([]byte("not json")); err == nil {
			t.Errorf("%T health of a malformed body: no error", c)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC) // 23:30 in Beijing
	for _, tc := range []struct {
		api    string
		code   int
		class  Class
		reason string
		after  time.Duration
	}{
		{"cgi-bin/wxopen/wxamplink", -1, ClassRetryable, ReasonSystemBusy, 0},
		{"cgi-bin/wxopen/wxamplink", 45009, ClassRetryable, ReasonDailyQuota, 30 * time.Minute}, // next Beijing midnight
		{"cgi-bin/wxopen/wxamplink", 45011, ClassRetryable, ReasonMinuteQuota, time.Minute},
		{"cgi-bin/wxopen/wxamplink", 40001, ClassAuth, ReasonTokenInvalid, 0},
		{"cgi-bin/wxopen/wxamplink", 42001, ClassAuth, ReasonTokenInvalid, 0},
		{"cgi-bin/wxopen/wxamplink", 40014, ClassAuth, ReasonTokenInvalid, 0},
		{"cgi-bin/wxopen/wxamplink", 89016, ClassTerminal, ReasonQuotaExceeded, 0},
		{"cgi-bin/wxopen/wxamplink", 89407, ClassTerminal, ReasonQuotaExceeded, 0},
		{"cgi-bin/wxopen/wxamplink", 89030, ClassTerminal, ReasonMonthlyLimit, 0},
		{"cgi-bin/wxopen/wxamplink", 1005, ClassTerminal, ReasonQuotaExceeded, 0},
		{"wxa/bind_tester", 1005, ClassTerminal, ReasonAccountCountReached, 0},
		{"cgi-bin/open/bind", 89001, ClassTerminal, ReasonSubjectMismatch, 0},
		{"cgi-bin/open/bind", 89036, ClassTerminal, ReasonNotVerified, 0},
		{"cgi-bin/wxopen/wxamplink", 48001, ClassTerminal, ReasonNotAuthorized, 0},
		{"cgi-bin/wxopen/wxamplink", 89010, ClassPending, ReasonInvitationPending, 0},
		{"cgi-bin/wxopen/wxampunlink", 89018, ClassPending, ReasonUnlinkPending, 0},
		{"cgi-bin/wxopen/wxamplink", 12345, ClassTerminal, ReasonUnknownError, 0},
	} {
		e := Classify(tc.api, tc.code, "msg rid: 1", now)
		if e.Class != tc.class || e.Reason != tc.reason || e.RetryAfter != tc.after {
			t.Errorf("%s %d = %s/%s after %s, want %s/%s after %s", tc.api, tc.code, e.Class, e.Reason, e.RetryAfter,
				tc.class, tc.reason, tc.after)
		}
		wrapped := fmt.Errorf("reconciling: %w", e)
		if got, ok := As(wrapped); !ok || got != e || !HasCode(wrapped, tc.code) || IsClass(wrapped, tc.class) != true {
			t.Errorf("%d: the error is not found through wrapping", tc.code)
		}
		if !strings.Contains(e.Error(), fmt.Sprint(tc.code)) {
			t.Errorf("the message should carry the errcode: %q", e.Error())
		}
	}
	if !IsRetryable(HTTPError("x", 503)) || IsRetryable(HTTPError("x", 404)) || !IsRetryable(NetworkError("x", "reset")) {
		t.Error("5xx and network errors are retryable, 4xx is not")
	}
	if IsTerminal(errors.New("plain")) {
		t.Error("a plain error is not a platform error")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("s3cr3t-value")
	acct := Account{AppID: "wx0123456789abcdef", Credential: s}
	b, err := json.Marshal(acct)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", acct, acct, acct, s), string(b), fmt.Sprint(s.MarshalLog())} {
		if strings.Contains(out, "s3cr3t") || !strings.Contains(out, Redacted) {
			t.Errorf("a secret printed: %q", out)
		}
	}
	if s.Reveal() != "s3cr3t-value" {
		t.Error("Reveal must return the value")
	}
}

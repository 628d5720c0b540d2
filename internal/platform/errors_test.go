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
		{"cgi-bin/wxopen/wxamplink", 89016, ClassTerminal, ReasonPlatformSameSubjectQuotaFull, 0},
		{"cgi-bin/wxopen/wxamplink", 89017, ClassTerminal, ReasonPlatformOtherSubjectQuotaFull, 0},
		{"cgi-bin/wxopen/wxamplink", 89407, ClassTerminal, ReasonPlatformOtherSubjectQuotaFull, 0},
		{"cgi-bin/wxopen/wxamplink", 89009, ClassTerminal, ReasonPlatformLinkedByLimitReached, 0},
		{"cgi-bin/wxopen/wxamplink", 89007, ClassTerminal, ReasonPlatformQuotaFull, 0},
		{"cgi-bin/wxopen/wxamplink", 89030, ClassTerminal, ReasonPlatformMonthlyLimitReached, 0},
		{"cgi-bin/wxopen/wxamplink", 1005, ClassTerminal, ReasonPlatformOtherSubjectQuotaFull, 0},
		{"cgi-bin/open/bind", 89004, ClassTerminal, ReasonOpenPlatformAccountFull, 0},
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

// wxlinkQueueReasons are the condition reasons that mean "queued in wxlink" (api/v1alpha1): a refusal by the
// platform must never be reported under one of them.
var wxlinkQueueReasons = []string{"QuotaExceeded", "MonthlyLimitReached"}

// TestNoPlatformReasonIsAQueueReason runs every errcode of the taxonomy (on the link API, where 1005 is
// special, and on another), the HTTP and network errors and an unknown errcode through the constructors.
func TestNoPlatformReasonIsAQueueReason(t *testing.T) {
	now := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC)
	var errs []*Error
	for code := range taxonomy {
		for _, api := range []string{"cgi-bin/wxopen/wxamplink", "cgi-bin/open/bind"} {
			errs = append(errs, Classify(api, code, "msg", now))
		}
	}
	errs = append(errs, Classify("cgi-bin/wxopen/wxamplink", 123456, "msg", now), HTTPError("x", 429),
		HTTPError("x", 503), HTTPError("x", 404), NetworkError("x", "reset"))
	for _, e := range errs {
		if e.Reason == "" {
			t.Errorf("%s %d has no reason", e.API, e.Code)
		}
		for _, q := range wxlinkQueueReasons {
			if e.Reason == q {
				t.Errorf("%s errcode %d (HTTP %d) has reason %q, which means queued in wxlink", e.API, e.Code,
					e.HTTPStatus, e.Reason)
			}
		}
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

func TestKnownCode(t *testing.T) {
	for code := range taxonomy {
		if !KnownCode(code) {
			t.Errorf("KnownCode(%d) = false for a code of the taxonomy", code)
		}
	}
	for _, code := range []int{CodeAlreadyLinked, CodeOpenNotBound, CodeTesterAlreadyBound} {
		if !KnownCode(code) {
			t.Errorf("KnownCode(%d) = false for a state code", code)
		}
	}
	for _, code := range []int{0, 123456, 89999} {
		if KnownCode(code) {
			t.Errorf("KnownCode(%d) = true", code)
		}
	}
}

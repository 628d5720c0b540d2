// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package platform

import (
	"testing"
	"unicode/utf8"
)

func TestTruncateAndScrub(t *testing.T) {
	s := "x应用信息错误"
	for n := 0; n <= len(s); n++ {
		if got := Truncate(s, n); !utf8.ValidString(got) || len(got) > n {
			t.Errorf("Truncate(%q, %d) = %q", s, n, got)
		}
	}
	if got := Scrub("secret=abc&token=def", "abc", "", "def"); got != "secret="+Redacted+"&token="+Redacted {
		t.Errorf("Scrub = %q", got)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"testing"
	"time"
	"unicode/utf8"
)

// An object that keeps losing write races waits longer each time, with jitter, up to a bound; any other
// outcome starts it over.
func TestConflictsBackOffWithJitter(t *testing.T) {
	b := newConflictBackoff()
	prevMax := time.Duration(0)
	seen := map[time.Duration]bool{}
	for i := range 10 {
		d := b.after("k")
		lo := min(conflictRetry<<i, maxConflictRetry)
		if d < lo || d > lo*3/2 {
			t.Fatalf("conflict %d: wait %v, want within [%v, %v]", i+1, d, lo, lo*3/2)
		}
		if lo*3/2 < prevMax {
			t.Fatalf("conflict %d: the bound shrank", i+1)
		}
		prevMax = lo * 3 / 2
		seen[d] = true
	}
	if len(seen) < 5 {
		t.Errorf("the waits %v have no jitter to speak of", seen)
	}
	b.settle("k")
	if d := b.after("k"); d > conflictRetry*3/2 {
		t.Errorf("after the streak ended the first wait is %v, want about %v", d, conflictRetry)
	}
	if d := (*conflictBackoff)(nil).after("k"); d < conflictRetry || d > conflictRetry*3/2 {
		t.Errorf("without a tracker the wait is %v", d)
	}
}

// Status messages are cut at a rune boundary.
func TestTruncateKeepsValidUTF8(t *testing.T) {
	s := "公众号关联小程序" // 3 bytes a character
	for n := 0; n <= len(s)+1; n++ {
		got := truncate(s, n)
		if !utf8.ValidString(got) || len(got) > n {
			t.Fatalf("truncate(%q, %d) = %q", s, n, got)
		}
		if n >= 3 && len(got) < n-2 {
			t.Fatalf("truncate(%q, %d) = %q cut more than a character", s, n, got)
		}
	}
}

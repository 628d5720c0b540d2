// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "testing"

// Every state a link can be in, seen from either owner (both owners ask TakesSlot of the same facts).
func TestTakesSlot(t *testing.T) {
	for _, tc := range []struct {
		name  string
		facts SlotFacts
		want  bool
	}{
		{"a new link", SlotFacts{}, true},
		{"the deciding link", SlotFacts{Deciding: true}, true},
		{"linked or pending on the platform", SlotFacts{OnPlatform: true}, true},
		{"on the platform while being deleted: the platform still counts it", SlotFacts{OnPlatform: true, Deleting: true}, true},
		{"on the platform and only observed", SlotFacts{OnPlatform: true, ObserveOnly: true}, true},
		{"on the platform and a younger duplicate: the older link holds the pair's one slot", SlotFacts{OnPlatform: true, YoungerDuplicate: true}, false},
		{"a younger duplicate, deciding", SlotFacts{YoungerDuplicate: true, Deciding: true}, false},
		{"on the platform while queued elsewhere", SlotFacts{OnPlatform: true, QueuedElsewhere: true}, true},
		{"being deleted", SlotFacts{Deleting: true}, false},
		{"only observed", SlotFacts{ObserveOnly: true}, false},
		{"refused by the platform", SlotFacts{Refused: true}, false},
		{"rejected by an admin", SlotFacts{Rejected: true}, false},
		{"a younger duplicate", SlotFacts{YoungerDuplicate: true}, false},
		{"queued by its other owner", SlotFacts{QueuedElsewhere: true}, false},
		{"joins an account to itself", SlotFacts{SelfLink: true}, false},
		{"joins an account to itself, deciding", SlotFacts{SelfLink: true, Deciding: true}, false},
		{"its other end is missing", SlotFacts{EndMissing: true}, false},
		{"its other end is missing, deciding", SlotFacts{EndMissing: true, Deciding: true}, false},
		{"deciding while refused: it asks again", SlotFacts{Deciding: true, Refused: true}, true},
		{"deciding while queued elsewhere: it gets its own decision", SlotFacts{Deciding: true, QueuedElsewhere: true}, true},
		{"deciding while only observed: wxlink never creates it", SlotFacts{Deciding: true, ObserveOnly: true}, false},
		{"its Mini Program cannot be matched in an AppID-less list", SlotFacts{Unmatched: true}, false},
		{"unmatched, deciding: wxlink does not act", SlotFacts{Unmatched: true, Deciding: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TakesSlot(tc.facts); got != tc.want {
				t.Errorf("TakesSlot(%+v) = %v, want %v", tc.facts, got, tc.want)
			}
		})
	}
}

// TestTakesSlotEveryCombination checks all 2,048 combinations of facts against the rule stated in words:
// a younger duplicate never holds one (its older link holds the pair's); a platform entry always holds its
// slot; a link wxlink will never make never does; the deciding link does;
// any other link does unless something keeps it from being made now.
func TestTakesSlotEveryCombination(t *testing.T) {
	for bits := range 1 << 11 {
		b := func(i int) bool { return bits&(1<<i) != 0 }
		f := SlotFacts{Deciding: b(0), OnPlatform: b(1), SelfLink: b(2), EndMissing: b(3), Deleting: b(4),
			ObserveOnly: b(5), Refused: b(6), Rejected: b(7), YoungerDuplicate: b(8), QueuedElsewhere: b(9),
			Unmatched: b(10)}
		cannotBeMade := f.SelfLink || f.EndMissing || f.ObserveOnly || f.Unmatched
		heldBack := f.Deleting || f.Refused || f.Rejected || f.QueuedElsewhere
		want := !f.YoungerDuplicate && (f.OnPlatform || (!cannotBeMade && (f.Deciding || !heldBack)))
		if got := TakesSlot(f); got != want {
			t.Fatalf("TakesSlot(%+v) = %v, want %v", f, got, want)
		}
	}
}

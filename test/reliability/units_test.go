// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"testing"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// The suite's own reading of the call log: only a link request the platform applied (errcode 0) and whose
// answer was dropped is ambiguous; a dropped refusal changed nothing and excuses no duplicate.
func TestTallyAmbiguousIsOnlyAnAppliedRequestUnanswered(t *testing.T) {
	pair := [2]string{"wxoa", "wxmp"}
	call := func(path string, code int, unanswered bool) sim.LinkCall {
		return sim.LinkCall{Path: path, OfficialAccount: pair[0], MiniProgram: pair[1], Errcode: code, Unanswered: unanswered}
	}
	pairs, refusals := tally([]sim.LinkCall{
		call(pathLink, 0, true),      // applied, answer dropped: ambiguous
		call(pathLink, 89015, true),  // the retry, refused as already linked, answer dropped: not ambiguous
		call(pathLink, 89016, true),  // a quota refusal, answer dropped
		call(pathUnlink, 0, false),   // an unlink
		call(pathUnlink, -1, true),   // an unlink that failed
		call(pathLink, 89015, false), // a duplicate, answered
	})
	p := pairs[pair]
	if p == nil || p.ambiguous != 1 || p.applied != 1 || p.alreadyThere != 2 || p.unlinked != 1 || refusals != 1 {
		t.Fatalf("tally = %+v, %d refusals; want 1 ambiguous, 1 applied, 2 already there, 1 unlinked, 1 refusal", p, refusals)
	}
}

// Each phase of the fault matrix has a link to unlink (deleted with deletionPolicy Delete) from 3 Official
// Accounts on, and each Official Account's queued link (its 4th of another subject) comes after its others.
func TestSlicesGiveEachPhaseAnUnlink(t *testing.T) {
	f := newFleet("ns", 3)
	n := len(matrix())
	slices := f.slices(n)
	seen := map[string]int{}
	for i, sl := range slices {
		unlinks := 0
		for _, l := range sl {
			seen[l.name]++
			if l.deleteHalf && l.policy == wx.DeletionPolicyDelete {
				unlinks++
			}
			if l.name == l.oa+"-t3" && i != n-1 {
				t.Errorf("%s, the queued link of %s, is in slice %d, not the last", l.name, l.oa, i)
			}
		}
		if unlinks == 0 {
			t.Errorf("slice %d has no link to unlink: %v", i, sl)
		}
	}
	if len(seen) != len(f.links) {
		t.Errorf("the slices hold %d links, the fleet %d", len(seen), len(f.links))
	}
	for name, k := range seen {
		if k != 1 {
			t.Errorf("%s is in %d slices", name, k)
		}
	}
}

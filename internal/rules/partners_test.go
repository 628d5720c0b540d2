// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "testing"

func TestNextPartnerStep(t *testing.T) {
	for _, c := range []struct {
		name string
		f    PartnerFacts
		want PartnerStep
	}{
		{"new object, no record: invite", PartnerFacts{}, PartnerStep{PartnerOutcomeAbsent, true}},
		{"asked, not listed yet: wait for the store's admin", PartnerFacts{AskedThisGeneration: true}, PartnerStep{PartnerOutcomeAbsent, false}},
		{"bound", PartnerFacts{Listed: true, Status: PartnerBound, AskedThisGeneration: true}, PartnerStep{PartnerOutcomeBound, false}},
		{"accepting", PartnerFacts{Listed: true, Status: PartnerAccepting}, PartnerStep{PartnerOutcomeAccepting, false}},
		{"refused this generation: final", PartnerFacts{Listed: true, Status: PartnerRefused, AskedThisGeneration: true, ReinviteAfterTimeout: true}, PartnerStep{PartnerOutcomeRefused, false}},
		{"refused, spec changed: ask once more", PartnerFacts{Listed: true, Status: PartnerRefused}, PartnerStep{PartnerOutcomeRefused, true}},
		{"timed out this generation: final", PartnerFacts{Listed: true, Status: PartnerTimedOut, AskedThisGeneration: true}, PartnerStep{PartnerOutcomeTimedOut, false}},
		{"timed out, reinvite asked", PartnerFacts{Listed: true, Status: PartnerTimedOut, AskedThisGeneration: true, ReinviteAfterTimeout: true}, PartnerStep{PartnerOutcomeTimedOut, true}},
		{"timed out, spec changed", PartnerFacts{Listed: true, Status: PartnerTimedOut}, PartnerStep{PartnerOutcomeTimedOut, true}},
		{"failed this generation: final", PartnerFacts{Listed: true, Status: PartnerFailed, AskedThisGeneration: true}, PartnerStep{PartnerOutcomeFailed, false}},
		{"failed, spec changed", PartnerFacts{Listed: true, Status: PartnerFailed}, PartnerStep{PartnerOutcomeFailed, true}},
		{"unbound since asked: invite again", PartnerFacts{Listed: true, Status: PartnerUnbound, AskedThisGeneration: true, EndedSinceAsked: true}, PartnerStep{PartnerOutcomeAbsent, true}},
		{"cancelled since asked: invite again", PartnerFacts{Listed: true, Status: PartnerCancelled, AskedThisGeneration: true, EndedSinceAsked: true}, PartnerStep{PartnerOutcomeAbsent, true}},
		{"cancelled before the invitation was sent: wait", PartnerFacts{Listed: true, Status: PartnerCancelled, AskedThisGeneration: true}, PartnerStep{PartnerOutcomeAbsent, false}},
		{"unbound, new object: invite", PartnerFacts{Listed: true, Status: PartnerUnbound}, PartnerStep{PartnerOutcomeAbsent, true}},
		{"unknown status: never acted on", PartnerFacts{Listed: true, Status: 9}, PartnerStep{PartnerOutcomeUnknown, false}},
		{"timed out, re-invited over it, not sent yet: wait", PartnerFacts{Listed: true, Status: PartnerTimedOut, AskedThisGeneration: true, ReinviteAfterTimeout: true, Superseded: true}, PartnerStep{PartnerOutcomeAbsent, false}},
		{"refused, re-invited for a new generation, not sent yet: wait", PartnerFacts{Listed: true, Status: PartnerRefused, AskedThisGeneration: true, Superseded: true}, PartnerStep{PartnerOutcomeAbsent, false}},
		{"failed, superseded, spec changed again: ask once more", PartnerFacts{Listed: true, Status: PartnerFailed, Superseded: true}, PartnerStep{PartnerOutcomeAbsent, true}},
		{"observe only never invites", PartnerFacts{ObserveOnly: true}, PartnerStep{PartnerOutcomeAbsent, false}},
		{"observe only, timed out", PartnerFacts{Listed: true, Status: PartnerTimedOut, ReinviteAfterTimeout: true, ObserveOnly: true}, PartnerStep{PartnerOutcomeTimedOut, false}},
	} {
		if got := NextPartnerStep(c.f); got != c.want {
			t.Errorf("%s: NextPartnerStep(%+v) = %+v, want %+v", c.name, c.f, got, c.want)
		}
	}
}

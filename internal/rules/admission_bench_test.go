// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAdmit measures one admission decision over an owner's links, at the sizes wxlink meets: an
// Official Account (13 slots, a few queued links), a Mini Program at its 500-link limit, and a Mini Program
// with ten times that many links declared against it. Each reconcile of a link runs one such decision.
func BenchmarkAdmit(b *testing.B) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		policy Policy
		links  int
	}{
		{"OfficialAccount/links=20", OfficialAccountPolicy(), 20},
		{"MiniProgram/links=500", MiniProgramPolicy(), 500},
		{"MiniProgram/links=5000", MiniProgramPolicy(), 5000},
	} {
		// The oldest third of the links (at most the limit) are on the platform, one in ten of them made
		// in the console; the rest wait for a decision.
		in := AdmissionInput{Policy: tc.policy, Now: now, UsedThisMonth: 3}
		onPlatform := min(tc.links/3, tc.policy.TotalLimit)
		for i := range tc.links {
			in.Candidates = append(in.Candidates, Candidate{
				Key:         fmt.Sprintf("ns/link-%05d", i),
				Created:     now.Add(-time.Duration(tc.links-i) * time.Minute),
				SameSubject: i%4 != 0,
				OnPlatform:  i < onPlatform,
				InCluster:   i >= onPlatform || i%10 != 0,
			})
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			admitted := 0
			for b.Loop() {
				admitted = 0
				for _, d := range Admit(in) {
					if d.Admitted {
						admitted++
					}
				}
			}
			if limit := tc.policy.TotalLimit; limit > 0 && admitted > limit {
				b.Fatalf("admitted %d of %d links, over the limit of %d", admitted, tc.links, limit)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(tc.links), "ns/link")
		})
	}
}

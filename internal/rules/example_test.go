// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules_test

import (
	"fmt"
	"time"

	"github.com/wxlink/wxlink-operator/internal/rules"
)

// An Official Account already has 9 same-subject Mini Programs: 8 linked from
// the cluster and one made by hand in the console. A GitOps apply adds two
// more same-subject links and one of a different subject. The first newcomer
// gets the last same-subject slot; the second waits; the different-subject
// link is not held up by the full same-subject pool.
func ExampleAdmit() {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	created := now.Add(-time.Hour)
	var cands []rules.Candidate
	for i := 1; i <= 8; i++ {
		cands = append(cands, rules.Candidate{
			Key: fmt.Sprintf("shop/link-%d", i), Created: created.Add(-time.Duration(i) * 24 * time.Hour),
			SameSubject: true, OnPlatform: true, InCluster: true,
		})
	}
	cands = append(cands,
		rules.Candidate{Key: "platform/wx0123456789abcdef", SameSubject: true, OnPlatform: true},
		rules.Candidate{Key: "shop/coupons", Created: created, SameSubject: true, InCluster: true},
		rules.Candidate{Key: "shop/members", Created: created.Add(time.Second), SameSubject: true, InCluster: true},
		rules.Candidate{Key: "shop/partner", Created: created.Add(2 * time.Second), SameSubject: false, InCluster: true},
	)

	decisions := rules.Admit(rules.AdmissionInput{
		Policy:        rules.OfficialAccountPolicy(),
		Candidates:    cands,
		UsedThisMonth: 2,
		Now:           now,
	})
	for _, d := range decisions[9:] {
		fmt.Printf("%s: %s\n  %s\n", d.Key, d.Reason, d.Message)
	}
	fmt.Println(rules.Summarize(decisions, 2).Describe(rules.OfficialAccountPolicy()))
	// Output:
	// shop/coupons: WithinQuota
	//   admitted within quota, counting this link: same-subject Mini Programs 10/10, new links this month 3/13
	// shop/members: SameSubjectQuotaFull
	//   queued at position 1 of the Official Account's same-subject queue: the Official Account already has 10/10 same-subject Mini Programs (9 on the platform, 1 admitted ahead of this one), the most allowed; it will be admitted automatically, in queue order, when one of them is unlinked
	// shop/partner: WithinQuota
	//   admitted within quota, counting this link: different-subject Mini Programs 1/3, new links this month 4/13
	// same subject 10/10, other subject 1/3, this month 4/13, 1 queued
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzInput builds an AdmissionInput from arbitrary bytes. The first seven
// bytes set the policy, the monthly usage, the clock and a shuffle seed; every
// further three bytes make one candidate (key, creation time, flags). Keys
// come from a small set so duplicates are common; limits range over -1 (fail
// closed), 0 (no limit) and small numbers so they are often reached.
func fuzzInput(data []byte) (AdmissionInput, uint64) {
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	in := AdmissionInput{
		Policy: Policy{
			SameSubjectLimit:  int(at(0)%14) - 1,
			OtherSubjectLimit: int(at(1)%6) - 1,
			TotalLimit:        int(at(2)%20) - 1,
			MonthlyLimit:      int(at(3)%20) - 1,
		},
		UsedThisMonth: int(at(4) % 25),
		Now:           utc("2026-11-30T15:59:59Z").Add(time.Duration(at(5)%3) * time.Second),
	}
	seed := uint64(at(6))
	for i := 7; i+2 < len(data); i += 3 {
		c := Candidate{Key: fmt.Sprintf("ns/l%02d", data[i]%40)}
		if m := data[i+1] % 32; m != 0 {
			c.Created = t0.Add(time.Duration(m) * time.Minute)
		}
		flags := data[i+2]
		c.SameSubject = flags&1 != 0
		c.OnPlatform = flags&2 != 0
		c.InCluster = flags&4 == 0 // mostly in the cluster
		if !c.InCluster {
			c.Key = fmt.Sprintf("platform/wx%02d", data[i]%40)
		}
		in.Candidates = append(in.Candidates, c)
	}
	return in, seed
}

func FuzzAdmit(f *testing.F) {
	f.Add([]byte{10, 3, 0, 13, 0, 0, 1})
	// 12 same-subject links against 10/3/13.
	seed := []byte{11, 4, 0, 14, 0, 0, 7}
	for i := range 12 {
		seed = append(seed, byte(i), byte(i+1), 1)
	}
	f.Add(seed)
	// Mixed subjects, console links, partly used month, duplicate keys.
	f.Add([]byte{11, 4, 0, 14, 5, 1, 3,
		1, 0, 7, 2, 0, 7, 3, 5, 2, 4, 6, 0, 5, 7, 1, 5, 8, 1, 6, 9, 0, 7, 9, 1, 8, 3, 3})
	// Total limit, no pools, month boundary.
	f.Add([]byte{1, 1, 4, 3, 1, 2, 9, 1, 1, 0, 2, 2, 0, 3, 3, 2, 4, 4, 1, 5, 5, 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		in, seed := fuzzInput(data)
		ds := Admit(in)
		checkAdmitInvariants(t, in, ds)

		shuffled := append([]Candidate(nil), in.Candidates...)
		r := rand.New(rand.NewPCG(seed, 99))
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		in2 := in
		in2.Candidates = shuffled
		if ds2 := Admit(in2); !reflect.DeepEqual(ds, ds2) {
			t.Fatalf("decisions depend on input order:\n%+v\n%+v", ds, ds2)
		}
	})
}

// checkAdmitInvariants checks what must hold for every input.
func checkAdmitInvariants(t *testing.T, in AdmissionInput, ds []Decision) {
	t.Helper()
	p := in.Policy

	// Exactly one decision per unique key, each matching a candidate.
	facts := map[string][]Candidate{}
	for _, c := range in.Candidates {
		facts[c.Key] = append(facts[c.Key], c)
	}
	if len(ds) != len(facts) {
		t.Fatalf("%d decisions for %d unique keys", len(ds), len(facts))
	}
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.Key] {
			t.Fatalf("two decisions for %s", d.Key)
		}
		seen[d.Key] = true
		match := false
		for _, c := range facts[d.Key] {
			match = match || (c.SameSubject == d.SameSubject && c.onPlatform() == d.OnPlatform)
		}
		if !match {
			t.Fatalf("decision %+v matches no candidate %+v", d, facts[d.Key])
		}
		// A key with an on-platform copy is decided as on the platform.
		for _, c := range facts[d.Key] {
			if c.onPlatform() && !d.OnPlatform {
				t.Fatalf("%s: an on-platform copy lost to a new one", d.Key)
			}
		}
	}

	var onSame, onOther, admSame, admOther, newAdm int
	queuedIn := map[bool]int{}
	sameFull, otherFull, totalFull, monthFull := false, false, false, false
	sawNew := false
	for _, d := range ds {
		if d.Message == "" {
			t.Fatalf("%s: empty message", d.Key)
		}
		if d.OnPlatform {
			if sawNew {
				t.Fatalf("%s: on-platform decision after a new one", d.Key)
			}
			if !d.Admitted || d.Reason != ReasonAlreadyOnPlatform || d.QueuePosition != 0 {
				t.Fatalf("on-platform decision %+v", d)
			}
			if d.SameSubject {
				onSame++
				admSame++
			} else {
				onOther++
				admOther++
			}
			continue
		}
		sawNew = true
		switch d.Reason {
		case ReasonWithinQuota:
			if !d.Admitted || d.QueuePosition != 0 {
				t.Fatalf("admitted decision %+v", d)
			}
			// Once a limit is reached nothing later gets past it.
			if (d.SameSubject && sameFull) || (!d.SameSubject && otherFull) || totalFull || monthFull {
				t.Fatalf("%s admitted after its quota was reached", d.Key)
			}
			newAdm++
			if d.SameSubject {
				admSame++
			} else {
				admOther++
			}
		case ReasonSameSubjectQuotaFull, ReasonOtherSubjectQuotaFull, ReasonTotalQuotaFull, ReasonMonthlyLimitReached:
			if d.Admitted {
				t.Fatalf("queued reason on an admitted decision %+v", d)
			}
			pool := !p.hasSubjectPools() || d.SameSubject
			queuedIn[pool]++
			if d.QueuePosition != queuedIn[pool] {
				t.Fatalf("%s: queue position %d, want %d", d.Key, d.QueuePosition, queuedIn[pool])
			}
			if !strings.HasPrefix(d.Message, fmt.Sprintf("queued at position %d of %s: ", d.QueuePosition, p.queueName(d.SameSubject))) {
				t.Fatalf("%s: message %q", d.Key, d.Message)
			}
			switch d.Reason {
			case ReasonSameSubjectQuotaFull:
				if !d.SameSubject || p.SameSubjectLimit == 0 || (p.SameSubjectLimit > 0 && admSame < p.SameSubjectLimit) {
					t.Fatalf("%s queued for a same-subject pool with room (%d/%d)", d.Key, admSame, p.SameSubjectLimit)
				}
				sameFull = true
			case ReasonOtherSubjectQuotaFull:
				if d.SameSubject || p.OtherSubjectLimit == 0 || (p.OtherSubjectLimit > 0 && admOther < p.OtherSubjectLimit) {
					t.Fatalf("%s queued for an other-subject pool with room (%d/%d)", d.Key, admOther, p.OtherSubjectLimit)
				}
				otherFull = true
			case ReasonTotalQuotaFull:
				if p.TotalLimit == 0 || (p.TotalLimit > 0 && admSame+admOther < p.TotalLimit) {
					t.Fatalf("%s queued for a total with room (%d/%d)", d.Key, admSame+admOther, p.TotalLimit)
				}
				totalFull = true
			case ReasonMonthlyLimitReached:
				if p.MonthlyLimit == 0 || (p.MonthlyLimit > 0 && in.UsedThisMonth+newAdm < p.MonthlyLimit) {
					t.Fatalf("%s queued for a month with room (%d+%d/%d)", d.Key, in.UsedThisMonth, newAdm, p.MonthlyLimit)
				}
				monthFull = true
			}
		default:
			t.Fatalf("unexpected reason %+v", d)
		}
	}

	// Admitted links never exceed a limit beyond what the platform already
	// holds.
	capOK := func(admitted, onPlatform, limit int) bool {
		switch {
		case limit == 0:
			return true
		case limit < 0:
			return admitted == onPlatform
		default:
			return admitted <= max(limit, onPlatform)
		}
	}
	if !capOK(admSame, onSame, p.SameSubjectLimit) {
		t.Fatalf("same subject: %d admitted, %d on the platform, limit %d", admSame, onSame, p.SameSubjectLimit)
	}
	if !capOK(admOther, onOther, p.OtherSubjectLimit) {
		t.Fatalf("other subject: %d admitted, %d on the platform, limit %d", admOther, onOther, p.OtherSubjectLimit)
	}
	if !capOK(admSame+admOther, onSame+onOther, p.TotalLimit) {
		t.Fatalf("total: %d admitted, %d on the platform, limit %d", admSame+admOther, onSame+onOther, p.TotalLimit)
	}
	switch {
	case p.MonthlyLimit > 0 && newAdm > max(0, p.MonthlyLimit-in.UsedThisMonth):
		t.Fatalf("%d new links admitted with %d/%d used this month", newAdm, in.UsedThisMonth, p.MonthlyLimit)
	case p.MonthlyLimit < 0 && newAdm != 0:
		t.Fatalf("%d new links admitted under a negative monthly limit", newAdm)
	}

	u := Summarize(ds, in.UsedThisMonth)
	if u.SameSubject != admSame || u.OtherSubject != admOther || u.Total != admSame+admOther ||
		u.MonthUsed != in.UsedThisMonth+newAdm || u.Queued != len(ds)-admSame-admOther {
		t.Fatalf("Summarize = %+v; counted same %d other %d new %d", u, admSame, admOther, newAdm)
	}
}

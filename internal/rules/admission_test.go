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

var (
	t0    = utc("2026-11-10T02:00:00Z")
	novem = utc("2026-11-20T04:00:00Z") // a "now" in November (Beijing)
)

// link is a cluster link created i minutes after t0.
func link(i int, same bool) Candidate {
	return Candidate{Key: fmt.Sprintf("ns/link-%02d", i), Created: t0.Add(time.Duration(i) * time.Minute), SameSubject: same, InCluster: true}
}

// linked is a cluster link that is already on the platform.
func linked(i int, same bool) Candidate {
	c := link(i, same)
	c.OnPlatform = true
	return c
}

// console is a link made by hand in the console: only on the platform.
func console(appid string, same bool) Candidate {
	return Candidate{Key: "platform/" + appid, SameSubject: same, OnPlatform: true}
}

func links(from, to int, same bool) []Candidate {
	var cs []Candidate
	for i := from; i <= to; i++ {
		cs = append(cs, link(i, same))
	}
	return cs
}

func byKey(ds []Decision) map[string]Decision {
	m := make(map[string]Decision, len(ds))
	for _, d := range ds {
		m[d.Key] = d
	}
	return m
}

// expect is an expected decision: reason and queue position (0 = admitted).
type expect struct {
	reason string
	pos    int
}

var admitted = expect{ReasonWithinQuota, 0}
var onPlat = expect{ReasonAlreadyOnPlatform, 0}

func queued(reason string, pos int) expect { return expect{reason, pos} }

func checkDecisions(t *testing.T, ds []Decision, want map[string]expect) {
	t.Helper()
	if len(ds) != len(want) {
		t.Errorf("got %d decisions, want %d", len(ds), len(want))
	}
	got := byKey(ds)
	for key, w := range want {
		d, found := got[key]
		if !found {
			t.Errorf("%s: no decision", key)
			continue
		}
		wantAdmitted := w.reason == ReasonWithinQuota || w.reason == ReasonAlreadyOnPlatform
		if d.Reason != w.reason || d.QueuePosition != w.pos || d.Admitted != wantAdmitted {
			t.Errorf("%s: got admitted=%v %s pos %d, want %s pos %d (%s)", key, d.Admitted, d.Reason, d.QueuePosition, w.reason, w.pos, d.Message)
		}
		if d.Message == "" {
			t.Errorf("%s: empty message", key)
		}
	}
}

func TestPolicies(t *testing.T) {
	oa := OfficialAccountPolicy()
	if oa.SameSubjectLimit != 10 || oa.OtherSubjectLimit != 3 || oa.TotalLimit != 0 || oa.MonthlyLimit != 13 {
		t.Errorf("OfficialAccountPolicy = %+v", oa)
	}
	mp := MiniProgramPolicy()
	if mp.SameSubjectLimit != 0 || mp.OtherSubjectLimit != 0 || mp.TotalLimit != 500 || mp.MonthlyLimit != 500 {
		t.Errorf("MiniProgramPolicy = %+v", mp)
	}
}

func TestAdmitOfficialAccount(t *testing.T) {
	oa := OfficialAccountPolicy()
	type tc struct {
		name  string
		cands []Candidate
		used  int
		want  map[string]expect
	}
	cases := []tc{
		func() tc {
			w := map[string]expect{}
			for i := 1; i <= 10; i++ {
				w[link(i, true).Key] = admitted
			}
			w["ns/link-11"] = queued(ReasonSameSubjectQuotaFull, 1)
			return tc{"10 same-subject admitted, the 11th queued", links(1, 11, true), 0, w}
		}(),
		func() tc {
			w := map[string]expect{}
			for i := 1; i <= 10; i++ {
				w[link(i, true).Key] = admitted
			}
			for i := 11; i <= 15; i++ {
				w[link(i, true).Key] = queued(ReasonSameSubjectQuotaFull, i-10)
			}
			return tc{"GitOps apply of 15 same-subject links", links(1, 15, true), 0, w}
		}(),
		{"3 other-subject admitted, the 4th queued", links(1, 4, false), 0, map[string]expect{
			"ns/link-01": admitted, "ns/link-02": admitted, "ns/link-03": admitted,
			"ns/link-04": queued(ReasonOtherSubjectQuotaFull, 1),
		}},
		func() tc {
			// Same-subject links 1..12, then other-subject links 13..17: the
			// full same-subject pool must not block the other-subject ones.
			cs := append(links(1, 12, true), links(13, 17, false)...)
			w := map[string]expect{}
			for i := 1; i <= 10; i++ {
				w[link(i, true).Key] = admitted
			}
			w["ns/link-11"] = queued(ReasonSameSubjectQuotaFull, 1)
			w["ns/link-12"] = queued(ReasonSameSubjectQuotaFull, 2)
			w["ns/link-13"], w["ns/link-14"], w["ns/link-15"] = admitted, admitted, admitted
			w["ns/link-16"] = queued(ReasonOtherSubjectQuotaFull, 1)
			w["ns/link-17"] = queued(ReasonOtherSubjectQuotaFull, 2)
			return tc{"mixed subjects use separate pools", cs, 0, w}
		}(),
		func() tc {
			// Other-subject links first, then same-subject ones interleaved.
			var cs []Candidate
			w := map[string]expect{}
			for i := 1; i <= 16; i++ {
				same := i%4 != 0 // 4, 8, 12, 16 are other-subject
				cs = append(cs, link(i, same))
			}
			for i := 1; i <= 12; i++ {
				if i%4 != 0 {
					w[link(i, true).Key] = admitted // 1,2,3,5,6,7,9,10,11 ...
				}
			}
			w["ns/link-13"] = admitted // the 10th same-subject
			w["ns/link-14"] = queued(ReasonSameSubjectQuotaFull, 1)
			w["ns/link-15"] = queued(ReasonSameSubjectQuotaFull, 2)
			w["ns/link-04"], w["ns/link-08"], w["ns/link-12"] = admitted, admitted, admitted
			w["ns/link-16"] = queued(ReasonOtherSubjectQuotaFull, 1)
			return tc{"interleaved subjects: exactly 13 admitted", cs, 0, w}
		}(),
		func() tc {
			// 8 console-made same-subject links occupy 8 of 10 slots.
			var cs []Candidate
			w := map[string]expect{}
			for i := 1; i <= 8; i++ {
				c := console(fmt.Sprintf("wxconsole%d", i), true)
				cs = append(cs, c)
				w[c.Key] = onPlat
			}
			cs = append(cs, links(1, 4, true)...)
			w["ns/link-01"], w["ns/link-02"] = admitted, admitted
			w["ns/link-03"] = queued(ReasonSameSubjectQuotaFull, 1)
			w["ns/link-04"] = queued(ReasonSameSubjectQuotaFull, 2)
			return tc{"console-made links take slots", cs, 0, w}
		}(),
		{"a console-made link reported as not on the platform still occupies", []Candidate{
			{Key: "platform/wxa", SameSubject: false}, {Key: "platform/wxb"}, {Key: "platform/wxc"},
			link(1, false),
		}, 0, map[string]expect{
			"platform/wxa": onPlat, "platform/wxb": onPlat, "platform/wxc": onPlat,
			"ns/link-01": queued(ReasonOtherSubjectQuotaFull, 1),
		}},
		{"on-platform links are never displaced by an older newcomer", []Candidate{
			linked(5, false), linked(6, false), linked(7, false),
			link(1, false), // older than the linked ones, but not on the platform
		}, 0, map[string]expect{
			"ns/link-05": onPlat, "ns/link-06": onPlat, "ns/link-07": onPlat,
			"ns/link-01": queued(ReasonOtherSubjectQuotaFull, 1),
		}},
		{"on-platform links over the limit all stay admitted", []Candidate{
			linked(1, false), linked(2, false), linked(3, false), linked(4, false), link(5, false), link(6, true),
		}, 4, map[string]expect{
			"ns/link-01": onPlat, "ns/link-02": onPlat, "ns/link-03": onPlat, "ns/link-04": onPlat,
			"ns/link-05": queued(ReasonOtherSubjectQuotaFull, 1),
			"ns/link-06": admitted,
		}},
		func() tc {
			// 5 new links made earlier this month: 8 more may be made.
			w := map[string]expect{}
			for i := 1; i <= 8; i++ {
				w[link(i, true).Key] = admitted
			}
			w["ns/link-09"] = queued(ReasonMonthlyLimitReached, 1)
			w["ns/link-10"] = queued(ReasonMonthlyLimitReached, 2)
			return tc{"monthly budget partly used", links(1, 10, true), 5, w}
		}(),
		func() tc {
			// The monthly limit is checked after the pools: link 11 fails the
			// pool first.
			cs := append(links(1, 11, true), link(12, false))
			w := map[string]expect{}
			for i := 1; i <= 10; i++ {
				w[link(i, true).Key] = admitted
			}
			w["ns/link-11"] = queued(ReasonSameSubjectQuotaFull, 1)
			w["ns/link-12"] = queued(ReasonMonthlyLimitReached, 1)
			return tc{"pool reason before monthly reason", cs, 3, w}
		}(),
		{"monthly budget exhausted: only on-platform links admitted", []Candidate{
			linked(1, true), link(2, true), link(3, false),
		}, 13, map[string]expect{
			"ns/link-01": onPlat,
			"ns/link-02": queued(ReasonMonthlyLimitReached, 1),
			"ns/link-03": queued(ReasonMonthlyLimitReached, 1),
		}},
		{"monthly counter above the limit", []Candidate{link(1, true)}, 20, map[string]expect{
			"ns/link-01": queued(ReasonMonthlyLimitReached, 1),
		}},
		{"no candidates", nil, 0, map[string]expect{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := Admit(AdmissionInput{Policy: oa, Candidates: c.cands, UsedThisMonth: c.used, Now: novem})
			checkDecisions(t, ds, c.want)
		})
	}
}

func TestAdmitMonthlyBoundary(t *testing.T) {
	// A policy with only a monthly limit: the 13th is admitted, the 14th queued.
	p := Policy{MonthlyLimit: 13, Owner: "Official Account", Linked: "Mini Program"}
	ds := Admit(AdmissionInput{Policy: p, Candidates: links(1, 14, true), Now: novem})
	want := map[string]expect{"ns/link-14": queued(ReasonMonthlyLimitReached, 1)}
	for i := 1; i <= 13; i++ {
		want[link(i, true).Key] = admitted
	}
	checkDecisions(t, ds, want)
	msg := byKey(ds)["ns/link-14"].Message
	for _, s := range []string{"queued at position 1", "13/13 new links for 2026-11", "13 admitted ahead", "2026-12-01 00:00 Beijing time"} {
		if !strings.Contains(msg, s) {
			t.Errorf("monthly message %q lacks %q", msg, s)
		}
	}
	if m := byKey(ds)["ns/link-13"].Message; !strings.Contains(m, "new links this month 13/13") {
		t.Errorf("13th admitted message: %q", m)
	}

	// Partly used: 12 used, so one more.
	ds = Admit(AdmissionInput{Policy: p, Candidates: links(1, 2, true), UsedThisMonth: 12, Now: novem})
	checkDecisions(t, ds, map[string]expect{"ns/link-01": admitted, "ns/link-02": queued(ReasonMonthlyLimitReached, 1)})
	if m := byKey(ds)["ns/link-02"].Message; !strings.Contains(m, "12 made earlier this month, 1 admitted ahead") {
		t.Errorf("message: %q", m)
	}

	// The month turns over in Beijing time: the reset instant follows Now.
	ds = Admit(AdmissionInput{Policy: p, Candidates: links(1, 1, true), UsedThisMonth: 13, Now: utc("2026-12-31T15:59:59Z")})
	if m := ds[0].Message; !strings.Contains(m, "for 2026-12") || !strings.Contains(m, "2027-01-01 00:00 Beijing time") {
		t.Errorf("year-end message: %q", m)
	}
}

func TestAdmitMiniProgram(t *testing.T) {
	mp := MiniProgramPolicy()
	var cs []Candidate
	for i := 1; i <= 499; i++ {
		cs = append(cs, Candidate{Key: fmt.Sprintf("platform/wxoa%03d", i), OnPlatform: true, SameSubject: i%2 == 0})
	}
	cs = append(cs, link(1, false), link(2, true), link(3, false))
	ds := Admit(AdmissionInput{Policy: mp, Candidates: cs, Now: novem})
	got := byKey(ds)
	if d := got["ns/link-01"]; !d.Admitted || d.Reason != ReasonWithinQuota || !strings.Contains(d.Message, "linked Official Accounts 500/500") {
		t.Errorf("500th: %+v", d)
	}
	// Without subject pools every queued candidate shares one queue.
	if d := got["ns/link-02"]; d.Admitted || d.Reason != ReasonTotalQuotaFull || d.QueuePosition != 1 ||
		!strings.Contains(d.Message, "the Mini Program already has 500/500 linked Official Accounts (499 on the platform, 1 admitted ahead of this one)") {
		t.Errorf("501st: %+v", d)
	}
	if d := got["ns/link-03"]; d.Reason != ReasonTotalQuotaFull || d.QueuePosition != 2 {
		t.Errorf("502nd: %+v", d)
	}

	// Monthly: 499 used this month, two new links.
	ds = Admit(AdmissionInput{Policy: mp, Candidates: links(1, 2, false), UsedThisMonth: 499, Now: novem})
	checkDecisions(t, ds, map[string]expect{"ns/link-01": admitted, "ns/link-02": queued(ReasonMonthlyLimitReached, 1)})
	if u := Summarize(ds, 499); u.MonthUsed != 500 || u.Total != 1 || u.Queued != 1 {
		t.Errorf("usage %+v", u)
	}
}

func TestAdmitDeletionAdmitsNextQueued(t *testing.T) {
	oa := OfficialAccountPolicy()
	// Ten linked on the platform, two queued.
	var cs []Candidate
	for i := 1; i <= 10; i++ {
		cs = append(cs, linked(i, true))
	}
	cs = append(cs, link(11, true), link(12, true))
	ds := Admit(AdmissionInput{Policy: oa, Candidates: cs, UsedThisMonth: 10, Now: novem})
	if d := byKey(ds)["ns/link-11"]; d.Admitted || d.QueuePosition != 1 {
		t.Fatalf("before deletion: %+v", d)
	}
	msg := byKey(ds)["ns/link-11"].Message
	want := "queued at position 1 of the Official Account's same-subject queue: the Official Account already has 10/10 same-subject Mini Programs (10 on the platform), the most allowed; it will be admitted automatically, in queue order, when one of them is unlinked"
	if msg != want {
		t.Errorf("message\n got %q\nwant %q", msg, want)
	}

	// Delete link 4 and re-run: link 11 is admitted, link 12 moves up.
	cs = append(cs[:3:3], cs[4:]...)
	ds = Admit(AdmissionInput{Policy: oa, Candidates: cs, UsedThisMonth: 10, Now: novem})
	got := byKey(ds)
	if d := got["ns/link-11"]; !d.Admitted || d.Reason != ReasonWithinQuota {
		t.Errorf("after deletion link-11: %+v", d)
	}
	if d := got["ns/link-12"]; d.Admitted || d.QueuePosition != 1 || d.Reason != ReasonSameSubjectQuotaFull {
		t.Errorf("after deletion link-12: %+v", d)
	}
	if _, found := got["ns/link-04"]; found {
		t.Error("deleted link still decided")
	}

	// Deleting an admitted link that never reached the platform frees its
	// slot the same way.
	cs2 := links(1, 11, true)
	ds = Admit(AdmissionInput{Policy: oa, Candidates: append(cs2[:0:0], cs2[1:]...), Now: novem})
	if d := byKey(ds)["ns/link-11"]; !d.Admitted {
		t.Errorf("after deleting an admitted, unlinked one: %+v", d)
	}
}

func TestAdmitOrder(t *testing.T) {
	oa := OfficialAccountPolicy()
	sameTime := t0.Add(time.Hour)
	cs := []Candidate{
		link(3, true),
		{Key: "ns/b", Created: sameTime, SameSubject: true, InCluster: true},
		{Key: "ns/a", Created: sameTime, SameSubject: true, InCluster: true},
		linked(9, false),
		console("wxconsole", true),
		link(1, false),
	}
	ds := Admit(AdmissionInput{Policy: oa, Candidates: cs, Now: novem})
	var keys []string
	for _, d := range ds {
		keys = append(keys, d.Key)
	}
	// On-platform first (zero creation time before link 9), then by Created,
	// then by Key for equal times.
	want := []string{"platform/wxconsole", "ns/link-09", "ns/link-01", "ns/link-03", "ns/a", "ns/b"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("order %v, want %v", keys, want)
	}
}

func TestAdmitInputOrderDoesNotMatter(t *testing.T) {
	oa := OfficialAccountPolicy()
	var cs []Candidate
	for i := 1; i <= 14; i++ {
		cs = append(cs, link(i, i%3 != 0))
	}
	cs = append(cs, linked(20, true), linked(21, false), console("wxc1", true), console("wxc2", false))
	// Two links created at the same instant: the key breaks the tie.
	cs = append(cs, Candidate{Key: "ns/zz", Created: t0, SameSubject: false, InCluster: true},
		Candidate{Key: "ns/aa", Created: t0, SameSubject: false, InCluster: true})
	in := AdmissionInput{Policy: oa, Candidates: cs, UsedThisMonth: 2, Now: novem}
	base := Admit(in)
	if len(base) != len(cs) {
		t.Fatalf("%d decisions for %d candidates", len(base), len(cs))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		shuffled := append([]Candidate(nil), cs...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		in.Candidates = shuffled
		if got := Admit(in); !reflect.DeepEqual(got, base) {
			t.Fatalf("decisions depend on input order:\n%v\nvs\n%v", got, base)
		}
	}
	if d := byKey(base)["ns/aa"]; !d.Admitted {
		t.Errorf("ns/aa should win the tie against ns/zz: %+v", d)
	}
}

func TestAdmitDoesNotModifyInput(t *testing.T) {
	cs := []Candidate{link(2, true), link(1, true)}
	Admit(AdmissionInput{Policy: OfficialAccountPolicy(), Candidates: cs, Now: novem})
	if cs[0].Key != "ns/link-02" {
		t.Error("Admit sorted its input in place")
	}
}

func TestAdmitDuplicateKeys(t *testing.T) {
	oa := OfficialAccountPolicy()
	dupNew := link(1, true)
	dupOn := linked(1, true)
	dupOn.Created = t0.Add(time.Hour)
	for _, order := range [][]Candidate{{dupNew, dupOn, link(2, true)}, {link(2, true), dupOn, dupNew}} {
		ds := Admit(AdmissionInput{Policy: oa, Candidates: order, UsedThisMonth: 12, Now: novem})
		if len(ds) != 2 {
			t.Fatalf("want one decision per key, got %d: %+v", len(ds), ds)
		}
		// The on-platform copy comes first in admission order and wins, so it
		// does not use the monthly budget and link 2 gets the last slot.
		checkDecisions(t, ds, map[string]expect{"ns/link-01": onPlat, "ns/link-02": admitted})
	}
	// Copies that differ only in SameSubject: the same-subject one wins,
	// whatever the input order.
	a := Candidate{Key: "ns/x", Created: t0, SameSubject: true, InCluster: true}
	b := Candidate{Key: "ns/x", Created: t0, SameSubject: false, InCluster: true}
	d1 := Admit(AdmissionInput{Policy: oa, Candidates: []Candidate{a, b}, Now: novem})
	d2 := Admit(AdmissionInput{Policy: oa, Candidates: []Candidate{b, a}, Now: novem})
	if len(d1) != 1 || !reflect.DeepEqual(d1, d2) || !d1[0].SameSubject {
		t.Errorf("duplicate keys not deterministic: %+v vs %+v", d1, d2)
	}
	// Exact copies give one decision.
	if ds := Admit(AdmissionInput{Policy: oa, Candidates: []Candidate{a, a, a}, Now: novem}); len(ds) != 1 || !ds[0].Admitted {
		t.Errorf("exact copies: %+v", ds)
	}
	// Copies differing in InCluster and OnPlatform flags only.
	c := Candidate{Key: "k", OnPlatform: true, InCluster: true}
	d := Candidate{Key: "k", OnPlatform: true}
	e := Candidate{Key: "k"}
	r1 := Admit(AdmissionInput{Policy: oa, Candidates: []Candidate{c, d, e}, Now: novem})
	r2 := Admit(AdmissionInput{Policy: oa, Candidates: []Candidate{e, d, c}, Now: novem})
	if !reflect.DeepEqual(r1, r2) || len(r1) != 1 || !strings.Contains(r1[0].Message, "already linked or awaiting") {
		t.Errorf("flag-only duplicates: %+v vs %+v", r1, r2)
	}
	r3 := Admit(AdmissionInput{Policy: oa, Candidates: []Candidate{e, d}, Now: novem})
	r4 := Admit(AdmissionInput{Policy: oa, Candidates: []Candidate{d, e}, Now: novem})
	if !reflect.DeepEqual(r3, r4) || len(r3) != 1 {
		t.Errorf("platform-only duplicates: %+v vs %+v", r3, r4)
	}
}

func TestAdmitLimits(t *testing.T) {
	t.Run("zero limits mean no limit", func(t *testing.T) {
		ds := Admit(AdmissionInput{Policy: Policy{}, Candidates: links(1, 600, true), UsedThisMonth: 1000, Now: novem})
		for _, d := range ds {
			if !d.Admitted || d.Reason != ReasonWithinQuota {
				t.Fatalf("%+v", d)
			}
		}
		if !strings.Contains(ds[0].Message, "no quota applies to this owner") {
			t.Errorf("message %q", ds[0].Message)
		}
	})
	t.Run("only a same-subject limit still has two pools", func(t *testing.T) {
		p := Policy{SameSubjectLimit: 1}
		ds := Admit(AdmissionInput{Policy: p, Candidates: []Candidate{link(1, true), link(2, true), link(3, false), link(4, false)}, Now: novem})
		checkDecisions(t, ds, map[string]expect{
			"ns/link-01": admitted, "ns/link-02": queued(ReasonSameSubjectQuotaFull, 1),
			"ns/link-03": admitted, "ns/link-04": admitted,
		})
		if m := byKey(ds)["ns/link-02"].Message; !strings.Contains(m, "the owner already has 1/1 same-subject linked accounts") {
			t.Errorf("default nouns: %q", m)
		}
	})
	t.Run("only an other-subject limit", func(t *testing.T) {
		p := Policy{OtherSubjectLimit: 1}
		ds := Admit(AdmissionInput{Policy: p, Candidates: []Candidate{link(1, false), link(2, false), link(3, true)}, Now: novem})
		checkDecisions(t, ds, map[string]expect{
			"ns/link-01": admitted, "ns/link-02": queued(ReasonOtherSubjectQuotaFull, 1), "ns/link-03": admitted,
		})
		if m := byKey(ds)["ns/link-01"].Message; !strings.Contains(m, "different-subject linked accounts 1/1") {
			t.Errorf("admitted message: %q", m)
		}
		if got := Summarize(ds, 0).Describe(p); got != "same subject 1, other subject 1/1, this month 2, 1 queued" {
			t.Errorf("Describe = %q", got)
		}
	})
	t.Run("total limit across subject pools", func(t *testing.T) {
		p := Policy{SameSubjectLimit: 5, OtherSubjectLimit: 5, TotalLimit: 3}
		ds := Admit(AdmissionInput{Policy: p, Candidates: []Candidate{link(1, true), link(2, false), link(3, true), link(4, false), link(5, true)}, Now: novem})
		checkDecisions(t, ds, map[string]expect{
			"ns/link-01": admitted, "ns/link-02": admitted, "ns/link-03": admitted,
			"ns/link-04": queued(ReasonTotalQuotaFull, 1), "ns/link-05": queued(ReasonTotalQuotaFull, 1),
		})
		if u := Summarize(ds, 0); u.Describe(p) != "same subject 2/5, other subject 1/5, total 3/3, this month 3, 2 queued" {
			t.Errorf("Describe = %q", u.Describe(p))
		}
	})
	t.Run("negative limits admit nothing new", func(t *testing.T) {
		for _, p := range []Policy{{SameSubjectLimit: -1}, {TotalLimit: -1}, {MonthlyLimit: -1}} {
			ds := Admit(AdmissionInput{Policy: p, Candidates: []Candidate{linked(1, true), link(2, true)}, Now: novem})
			if !ds[0].Admitted || ds[1].Admitted || !strings.Contains(ds[1].Message, "negative") {
				t.Errorf("policy %+v: %+v", p, ds)
			}
		}
	})
}

func TestAdmitMessages(t *testing.T) {
	oa := OfficialAccountPolicy()
	var cs []Candidate
	for i := 1; i <= 8; i++ {
		cs = append(cs, console(fmt.Sprintf("wx%d", i), true))
	}
	cs = append(cs, links(1, 3, true)...)
	cs = append(cs, linked(4, false))
	ds := byKey(Admit(AdmissionInput{Policy: oa, Candidates: cs, UsedThisMonth: 4, Now: novem}))

	for key, parts := range map[string][]string{
		"platform/wx1": {"outside the cluster", "keeps its slot", "does not count as a new link"},
		"ns/link-04":   {"already linked or awaiting confirmation on the WeChat platform"},
		"ns/link-01":   {"admitted within quota", "same-subject Mini Programs 9/10", "new links this month 5/13"},
		"ns/link-02":   {"same-subject Mini Programs 10/10", "new links this month 6/13"},
		"ns/link-03": {"queued at position 1 of the Official Account's same-subject queue: the Official Account already has 10/10 same-subject Mini Programs",
			"(8 on the platform, 2 admitted ahead of this one)", "when one of them is unlinked"},
	} {
		for _, p := range parts {
			if !strings.Contains(ds[key].Message, p) {
				t.Errorf("%s: message %q lacks %q", key, ds[key].Message, p)
			}
		}
	}
	if strings.Contains(ds["platform/wx1"].Message, "exceed") {
		t.Errorf("not over the quota: %q", ds["platform/wx1"].Message)
	}

	// Over the limit: 4 different-subject links on the platform.
	over := []Candidate{linked(1, false), linked(2, false), linked(3, false), linked(4, false), link(5, false)}
	od := byKey(Admit(AdmissionInput{Policy: oa, Candidates: over, Now: novem}))
	if m := od["ns/link-03"].Message; strings.Contains(m, "exceed") {
		t.Errorf("3/3 is not over: %q", m)
	}
	if m := od["ns/link-04"].Message; !strings.Contains(m, "exceed the quota (different-subject Mini Programs 4/3)") {
		t.Errorf("4/3: %q", m)
	}
	if m := od["ns/link-05"].Message; !strings.Contains(m, "4/3 different-subject") || !strings.Contains(m, "below 3") {
		t.Errorf("queued over the limit: %q", m)
	}
	mpOver := []Candidate{console("a", true), console("b", false), link(1, true)}
	md := byKey(Admit(AdmissionInput{Policy: Policy{TotalLimit: 1, Owner: "Mini Program", Linked: "Official Account"}, Candidates: mpOver, Now: novem}))
	if m := md["platform/b"].Message; !strings.Contains(m, "exceed the quota (linked Official Accounts 2/1)") {
		t.Errorf("total over: %q", m)
	}
}

func TestSummarizeAndDescribe(t *testing.T) {
	oa := OfficialAccountPolicy()
	cs := []Candidate{console("c1", true), linked(1, true), linked(2, false)}
	cs = append(cs, links(3, 7, true)...)   // 5 new same-subject
	cs = append(cs, links(8, 10, false)...) // 3 other-subject: 1 admitted, 2 queued
	ds := Admit(AdmissionInput{Policy: oa, Candidates: cs, UsedThisMonth: 2, Now: novem})
	u := Summarize(ds, 2)
	want := Usage{SameSubject: 7, OtherSubject: 3, Total: 10, MonthUsed: 2 + 5 + 2, Queued: 1}
	if u != want {
		t.Errorf("Summarize = %+v, want %+v", u, want)
	}
	if got := u.Describe(oa); got != "same subject 7/10, other subject 3/3, this month 9/13, 1 queued" {
		t.Errorf("Describe = %q", got)
	}
	if got := (Usage{Total: 120, MonthUsed: 7}).Describe(MiniProgramPolicy()); got != "total 120/500, this month 7/500" {
		t.Errorf("Describe(MiniProgramPolicy) = %q", got)
	}
	if got := (Usage{Total: 4, MonthUsed: 1}).Describe(Policy{}); got != "total 4, this month 1" {
		t.Errorf("Describe(no limits) = %q", got)
	}
	if Summarize(nil, 3) != (Usage{MonthUsed: 3}) {
		t.Error("empty decisions")
	}
	if !(Decision{Admitted: true}).New() || (Decision{Admitted: true, OnPlatform: true}).New() || (Decision{}).New() {
		t.Error("Decision.New")
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		used, limit int
		want        string
	}{{7, 10, "7/10"}, {0, 3, "0/3"}, {5, 0, "5"}, {14, 13, "14/13"}} {
		if got := Ratio(tc.used, tc.limit); got != tc.want {
			t.Errorf("Ratio(%d, %d) = %q, want %q", tc.used, tc.limit, got, tc.want)
		}
	}
}

// Two links first in different queues say which queue each is first in.
func TestQueuedMessagesNameTheirQueue(t *testing.T) {
	var cs []Candidate
	for i := 1; i <= 10; i++ {
		cs = append(cs, linked(i, true))
	}
	for i := 11; i <= 13; i++ {
		cs = append(cs, linked(i, false))
	}
	cs = append(cs, link(14, true), link(15, false))
	ds := byKey(Admit(AdmissionInput{Policy: OfficialAccountPolicy(), Candidates: cs, Now: novem}))
	same, other := ds["ns/link-14"], ds["ns/link-15"]
	if same.QueuePosition != 1 || other.QueuePosition != 1 {
		t.Fatalf("positions %d and %d, want both first in their queues", same.QueuePosition, other.QueuePosition)
	}
	if !strings.HasPrefix(same.Message, "queued at position 1 of the Official Account's same-subject queue") ||
		!strings.HasPrefix(other.Message, "queued at position 1 of the Official Account's different-subject queue") {
		t.Errorf("messages do not name their queues:\n%s\n%s", same.Message, other.Message)
	}
	mp := Admit(AdmissionInput{Policy: Policy{TotalLimit: 1, Owner: "Mini Program"}, Candidates: []Candidate{linked(1, true), link(2, true)}, Now: novem})
	if !strings.HasPrefix(mp[1].Message, "queued at position 1 of the Mini Program's queue") {
		t.Errorf("the Mini Program's queue is not named: %s", mp[1].Message)
	}
}

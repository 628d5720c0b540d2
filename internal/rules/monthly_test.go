// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBeijingTime(t *testing.T) {
	name, off := utc("2026-07-01T00:00:00Z").In(BeijingTime).Zone()
	if off != 8*3600 || name != "CST" {
		t.Errorf("zone = %s %d", name, off)
	}
	// No daylight saving: the offset is the same in winter.
	if _, off := utc("2026-01-01T00:00:00Z").In(BeijingTime).Zone(); off != 8*3600 {
		t.Errorf("winter offset %d", off)
	}
}

func TestMonthOf(t *testing.T) {
	for _, tc := range []struct{ at, want string }{
		{"2026-11-30T17:00:00Z", "2026-12"},
		{"2026-11-30T15:59:59Z", "2026-11"},
		{"2026-11-30T15:59:59.999999999Z", "2026-11"},
		{"2026-11-30T16:00:00Z", "2026-12"},
		{"2026-12-31T15:59:59Z", "2026-12"},
		{"2026-12-31T16:00:00Z", "2027-01"},
		{"2026-10-31T16:00:00Z", "2026-11"},
		{"2026-11-01T00:00:00+08:00", "2026-11"},
		{"2026-10-31T23:59:59-01:00", "2026-11"}, // 00:59:59Z Nov 1 = 08:59:59 Beijing
		{"2028-02-28T16:00:00Z", "2028-02"},      // leap year: Feb 29 Beijing
		{"2028-02-29T16:00:00Z", "2028-03"},
	} {
		if got := MonthOf(utc(tc.at)); got != tc.want {
			t.Errorf("MonthOf(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

func TestMonthStartAndNext(t *testing.T) {
	for _, tc := range []struct{ at, start, next string }{
		{"2026-11-15T04:00:00Z", "2026-10-31T16:00:00Z", "2026-11-30T16:00:00Z"},
		{"2026-11-30T15:59:59Z", "2026-10-31T16:00:00Z", "2026-11-30T16:00:00Z"},
		{"2026-11-30T16:00:00Z", "2026-11-30T16:00:00Z", "2026-12-31T16:00:00Z"},
		{"2026-12-31T16:00:00Z", "2026-12-31T16:00:00Z", "2027-01-31T16:00:00Z"},
		{"2027-01-31T16:00:00Z", "2027-01-31T16:00:00Z", "2027-02-28T16:00:00Z"},
	} {
		at := utc(tc.at)
		if got := MonthStart(at); !got.Equal(utc(tc.start)) || got.Location() != BeijingTime {
			t.Errorf("MonthStart(%s) = %v, want %s in Beijing time", tc.at, got, tc.start)
		}
		if got := NextMonthStart(at); !got.Equal(utc(tc.next)) || got.Location() != BeijingTime {
			t.Errorf("NextMonthStart(%s) = %v, want %s in Beijing time", tc.at, got, tc.next)
		}
		if MonthOf(NextMonthStart(at)) == MonthOf(at) || MonthOf(NextMonthStart(at).Add(-time.Nanosecond)) != MonthOf(at) {
			t.Errorf("NextMonthStart(%s) is not the first instant of the next month", tc.at)
		}
		if MonthOf(MonthStart(at)) != MonthOf(at) || MonthOf(MonthStart(at).Add(-time.Nanosecond)) == MonthOf(at) {
			t.Errorf("MonthStart(%s) is not the first instant of the month", tc.at)
		}
	}
	if got := FormatBeijing(NextMonthStart(utc("2026-11-15T04:00:00Z"))); got != "2026-12-01 00:00 Beijing time" {
		t.Errorf("FormatBeijing = %q", got)
	}
}

func TestMonthlyUsage(t *testing.T) {
	nov := utc("2026-11-30T15:59:59Z")
	dec := utc("2026-11-30T16:00:00Z")

	var u MonthlyUsage
	if u.UsedIn(nov) != 0 || u.Remaining(13, nov) != 13 {
		t.Fatalf("zero value: used %d remaining %d", u.UsedIn(nov), u.Remaining(13, nov))
	}
	u = u.Record(nov, 3)
	if u != (MonthlyUsage{Month: "2026-11", Count: 3}) {
		t.Fatalf("after first record: %+v", u)
	}
	before := u
	u2 := u.Record(nov, 10)
	if u != before {
		t.Fatal("Record mutated its receiver")
	}
	if u2.UsedIn(nov) != 13 || u2.Remaining(13, nov) != 0 {
		t.Errorf("13 used: used %d remaining %d", u2.UsedIn(nov), u2.Remaining(13, nov))
	}
	if got := u2.Record(nov, 2).Remaining(13, nov); got != 0 {
		t.Errorf("over the limit: remaining %d, want 0", got)
	}
	// One second later it is December in Beijing: the counter is stale.
	if u2.UsedIn(dec) != 0 || u2.Remaining(13, dec) != 13 {
		t.Errorf("after the month turned: used %d remaining %d", u2.UsedIn(dec), u2.Remaining(13, dec))
	}
	u3 := u2.Record(dec, 1)
	if u3 != (MonthlyUsage{Month: "2026-12", Count: 1}) {
		t.Errorf("record in the new month: %+v", u3)
	}
	// Year rollover.
	u4 := u3.Record(utc("2026-12-31T16:00:00Z"), 2)
	if u4 != (MonthlyUsage{Month: "2027-01", Count: 2}) {
		t.Errorf("record in the new year: %+v", u4)
	}
	// Corrections never go below zero.
	if got := u4.Record(utc("2026-12-31T16:00:00Z"), -5); got.Count != 0 || got.Month != "2027-01" {
		t.Errorf("negative record: %+v", got)
	}
	if got := u4.Record(utc("2026-12-31T16:00:00Z"), -1); got.Count != 1 {
		t.Errorf("correction by one: %+v", got)
	}
	if got := (MonthlyUsage{}).Remaining(0, nov); got != 0 {
		t.Errorf("limit 0 leaves nothing: %d", got)
	}
}

func TestNewLinksThisMonth(t *testing.T) {
	now := utc("2026-11-20T04:00:00Z") // 2026-11 in Beijing
	for _, tc := range []struct {
		name    string
		legacy  MonthlyUsage
		records []MonthRecord
		want    int
	}{
		{"nothing", MonthlyUsage{}, nil, 0},
		{"three links", MonthlyUsage{}, []MonthRecord{{"a", "2026-11", 1}, {"b", "2026-11", 1}, {"c", "2026-11", 2}}, 4},
		{"one link seen in its status, a ledger and memory", MonthlyUsage{},
			[]MonthRecord{{"a", "2026-11", 1}, {"a", "2026-11", 1}, {"a", "2026-11", 2}}, 2},
		{"another month does not count", MonthlyUsage{}, []MonthRecord{{"a", "2026-10", 5}, {"b", "2026-12", 1}}, 0},
		{"a legacy counter of this month adds", MonthlyUsage{Month: "2026-11", Count: 3}, []MonthRecord{{"a", "2026-11", 1}}, 4},
		{"a legacy counter of last month does not", MonthlyUsage{Month: "2026-10", Count: 3}, []MonthRecord{{"a", "2026-11", 1}}, 1},
		{"zero and negative counts add nothing", MonthlyUsage{}, []MonthRecord{{"a", "2026-11", 0}, {"b", "2026-11", -2}}, 0},
	} {
		if got := NewLinksThisMonth(now, tc.legacy, tc.records); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

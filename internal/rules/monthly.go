// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "time"

// monthLayout is the layout of the month strings MonthOf returns.
const monthLayout = "2006-01"

// MonthOf returns the WeChat calendar month t falls in, as "YYYY-MM" in
// Beijing time (UTC+8): 2026-11-30T17:00:00Z is "2026-12".
func MonthOf(t time.Time) string {
	return t.In(BeijingTime).Format(monthLayout)
}

// MonthStart returns the first instant of the WeChat month t falls in
// (00:00 Beijing time on the 1st), in BeijingTime.
func MonthStart(t time.Time) time.Time {
	y, m, _ := t.In(BeijingTime).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, BeijingTime)
}

// NextMonthStart returns the first instant of the WeChat month after the one t
// falls in, in BeijingTime: the moment the monthly counters reset.
func NextMonthStart(t time.Time) time.Time {
	y, m, _ := t.In(BeijingTime).Date()
	return time.Date(y, m+1, 1, 0, 0, 0, 0, BeijingTime)
}

// FormatBeijing renders t as "2006-01-02 15:04 Beijing time".
func FormatBeijing(t time.Time) string {
	return t.In(BeijingTime).Format("2006-01-02 15:04") + " Beijing time"
}

// MonthlyUsage is a persisted monthly counter: how many new links were made in
// Month ("YYYY-MM", see MonthOf). It is a value: Record returns a new one.
// Keep it in an API object so it survives restarts, deletes and re-creates.
type MonthlyUsage struct {
	Month string `json:"month,omitempty"`
	Count int    `json:"count,omitempty"`
}

// UsedIn returns how much of the counter belongs to the month now falls in: its
// Count when Month is MonthOf(now), otherwise 0 (the month has turned over and
// the counter is stale).
func (u MonthlyUsage) UsedIn(now time.Time) int {
	if u.Month != MonthOf(now) {
		return 0
	}
	return u.Count
}

// Record returns the counter after n more new links at now. When the month of
// now differs from Month, the count restarts from 0 for the new month first.
// A negative n (a correction) never takes the count below 0.
func (u MonthlyUsage) Record(now time.Time, n int) MonthlyUsage {
	count := u.UsedIn(now) + n
	if count < 0 {
		count = 0
	}
	return MonthlyUsage{Month: MonthOf(now), Count: count}
}

// Remaining returns how many new links are left this month under limit:
// limit - UsedIn(now), never below 0. A limit of 0 or less leaves nothing.
func (u MonthlyUsage) Remaining(limit int, now time.Time) int {
	return max(0, limit-u.UsedIn(now))
}

// MonthRecord is one record of new links one link made in a month: the link's own record, the ledger entry
// an owner keeps after the link is deleted, or a count made moments ago that a cache may not show yet. Key
// identifies the link (its UID).
type MonthRecord struct {
	Key   string
	Month string
	Count int
}

// NewLinksThisMonth is an owner's use of its monthly allowance in the WeChat month of now: legacy (a counter
// kept before per-link records existed, for its own month) plus the records of that month, each key counted
// once with its largest count, since one link seen in its own status, in a ledger and in memory is one link.
func NewLinksThisMonth(now time.Time, legacy MonthlyUsage, records []MonthRecord) int {
	month := MonthOf(now)
	byKey := map[string]int{}
	for _, r := range records {
		if r.Month == month && r.Count > byKey[r.Key] {
			byKey[r.Key] = r.Count
		}
	}
	n := legacy.UsedIn(now)
	for _, c := range byKey {
		n += c
	}
	return n
}

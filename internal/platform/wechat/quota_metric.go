// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// MetricDailyQuotaBlockedUntil is the gauge of when an API's daily quota (45009) lets wxlink call it again.
const MetricDailyQuotaBlockedUntil = "wechat_api_daily_quota_blocked_until_timestamp_seconds"

// errDailyQuota is the errcode of an API's exhausted daily quota.
const errDailyQuota = 45009

// dailyQuotaBlocks is the collector of MetricDailyQuotaBlockedUntil: per API, the latest instant until which
// an account's daily quota of it is spent (the 45009 answer's RetryAfter: the next Beijing day), or 0 when no
// account is blocked. The alert is `> time()`: it fires with the first 45009 and holds until the quota comes
// back, whatever the scrape window. An account's success on the API (its quota was reset with clear_quota)
// lifts its block. The accounts are kept here, never exported: the label is the API only. A hand-written
// collector rather than a GaugeVec, because the value is a maximum over accounts the gauge does not name.
type dailyQuotaBlocks struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	// until: api -> account -> block. An API is present (at 0) once called, so its series exists before its
	// first 45009.
	until map[string]map[string]quotaBlock
}

// quotaBlock is one account's block: until when, on the clock of the Client that recorded it (Clients that
// share a registry may have different clocks in tests), which Collect reads to skip a block that has expired.
type quotaBlock struct {
	until time.Time
	clock func() time.Time
}

func newDailyQuotaBlocks() *dailyQuotaBlocks {
	return &dailyQuotaBlocks{
		desc: prometheus.NewDesc(MetricDailyQuotaBlockedUntil,
			"Until when (Unix seconds) the WeChat API's daily call quota (errcode 45009) is spent for some account "+
				"wxlink calls it for: the next day in Beijing time; 0 when none is. Alert on > time().",
			[]string{"api"}, nil),
		until: map[string]map[string]quotaBlock{},
	}
}

// Describe implements prometheus.Collector.
func (b *dailyQuotaBlocks) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }

// Collect implements prometheus.Collector. A block that has expired counts as none (0, as documented), even
// before the API is called again.
func (b *dailyQuotaBlocks) Collect(ch chan<- prometheus.Metric) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for api, accounts := range b.until {
		var last time.Time
		for _, blk := range accounts {
			if blk.until.After(last) && blk.until.After(blk.clock()) {
				last = blk.until
			}
		}
		v := 0.0
		if !last.IsZero() {
			v = float64(last.Unix())
		}
		ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, v, api)
	}
}

// note records the outcome of a call of api for account at clock's now: a 45009 blocks the account until its
// RetryAfter has passed, a success lifts its block, any other outcome leaves it.
func (b *dailyQuotaBlocks) note(api, account string, err *platform.Error, clock func() time.Time) {
	now := clock()
	b.mu.Lock()
	defer b.mu.Unlock()
	accounts, ok := b.until[api]
	if !ok {
		accounts = map[string]quotaBlock{}
		b.until[api] = accounts
	}
	switch {
	case err == nil:
		delete(accounts, account)
	case err.Code == errDailyQuota && err.RetryAfter > 0:
		accounts[account] = quotaBlock{until: now.Add(err.RetryAfter), clock: clock}
	}
	for a, blk := range accounts { // expired blocks go, so that the map holds only the accounts still blocked
		if !blk.until.After(now) {
			delete(accounts, a)
		}
	}
}

// registerDailyQuotaBlocks registers a new collector with reg, or returns the one already registered there.
func registerDailyQuotaBlocks(reg prometheus.Registerer) (*dailyQuotaBlocks, error) {
	b := newDailyQuotaBlocks()
	if err := reg.Register(b); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		existing, ok := are.ExistingCollector.(*dailyQuotaBlocks)
		if !ok {
			return nil, err
		}
		return existing, nil
	}
	return b, nil
}

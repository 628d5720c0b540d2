// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Metrics are wxlink's own Prometheus metrics, registered with controller-runtime's registry (served on the
// manager's metrics endpoint). Reconcile errors per controller come from controller-runtime itself
// (controller_runtime_reconcile_errors_total). Labels hold object names, never credentials.
type Metrics struct {
	quotaUsed   *prometheus.GaugeVec
	quotaLimit  *prometheus.GaugeVec
	links       *prometheus.GaugeVec
	timeToReady prometheus.Histogram
	// storeFailures and storeTokenExpiry are the ThirdPartyStore gauges an alert can use.
	storeFailures    *prometheus.GaugeVec
	storeTokenExpiry *prometheus.GaugeVec
	// ownerQueued is an owner's queue (an Official Account's status.quota.queued, the links a Mini Program's
	// linked_by limit queues), for the quota alert.
	ownerQueued *prometheus.GaugeVec
	// tokenPublications counts writes of published tokens by kind and result (metrics_health.go).
	tokenPublications *prometheus.CounterVec
	// objectNotReady and objectNotReadySince are the per-object health gauges (metrics_health.go).
	objectNotReady      *prometheus.GaugeVec
	objectNotReadySince *prometheus.GaugeVec
	// publicationFailingSince is the per-object gauge of failing token publications (metrics_health.go).
	publicationFailingSince *prometheus.GaugeVec

	mu           sync.Mutex
	linkState    map[string]string       // namespace/name -> state, to keep the links gauge exact
	objectHealth map[string]healthSeries // kind/namespace/name -> its health series
	// publicationFailing: kind/namespace/name -> the first of the object's failed publications in a row.
	publicationFailing map[string]time.Time
}

// NewMetrics creates the metrics and registers them with reg (an already registered set is reused).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		quotaUsed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wxlink_owner_quota_used",
			Help: "Use of an owner's association quota, by pool: an OfficialAccount's same_subject, other_subject and " +
				"this_month (its monthly allowance of new links), a MiniProgram's linked_by (Official Accounts linking it).",
		}, []string{"namespace", "kind", "owner", "pool"}),
		quotaLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wxlink_owner_quota_limit",
			Help: "The platform's limit of an owner's association quota, by pool.",
		}, []string{"namespace", "kind", "owner", "pool"}),
		links: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wxlink_links",
			Help: "AssociationLinks by the reason of their Ready condition (Available, QuotaExceeded, AwaitingMiniProgramAdmin, ...).",
		}, []string{"state"}),
		timeToReady: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wxlink_link_time_to_ready_seconds",
			Help:    "Time from an AssociationLink's creation to the platform reporting it linked.",
			Buckets: []float64{1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600},
		}),
		storeFailures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wxlink_store_consecutive_failures",
			Help: "Token renewals and health checks of a ThirdPartyStore that failed in a row (0 after a success); " +
				"alert when it reaches the store's failureThreshold (default 3).",
		}, []string{"namespace", "name", "provider"}),
		storeTokenExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wxlink_store_token_expiry_timestamp_seconds",
			Help: "When a ThirdPartyStore's current access token expires (Unix seconds).",
		}, []string{"namespace", "name", "provider"}),
		ownerQueued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wxlink_owner_links_queued",
			Help: "AssociationLinks queued for a quota slot of their owner: an OfficialAccount's (QuotaExceeded, " +
				"MonthlyLimitReached: its status.quota.queued), a MiniProgram's (its linked_by limit).",
		}, []string{"namespace", "kind", "owner"}),
		tokenPublications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wxlink_token_publications_total",
			Help: "Token publications (each reconcile of an object with spec.tokenPublication keeps its Secret current) by kind and result: " +
				"success, refused (a Secret wxlink may not write: TokenPublicationFailed) or error (retried).",
		}, []string{"kind", "result"}),
		linkState:          map[string]string{},
		objectHealth:       map[string]healthSeries{},
		publicationFailing: map[string]time.Time{},
	}
	m.publicationFailingSince = newPublicationFailingGauge()
	m.objectNotReady, m.objectNotReadySince = newHealthGauges()
	initPublications(m.tokenPublications)
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}

// collectors are every collector of m, for registration.
func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.quotaUsed, m.quotaLimit, m.links, m.timeToReady, m.storeFailures, m.storeTokenExpiry,
		m.ownerQueued, m.tokenPublications, m.objectNotReady, m.objectNotReadySince, m.publicationFailingSince}
}

func (m *Metrics) observeLink(link *wx.AssociationLink) {
	if m == nil {
		return
	}
	state := "Unknown"
	for _, c := range link.Status.Conditions {
		if c.Type == wx.ConditionReady {
			state = c.Reason
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := link.Namespace + "/" + link.Name
	if old, ok := m.linkState[key]; ok {
		m.links.WithLabelValues(old).Dec()
	}
	m.linkState[key] = state
	m.links.WithLabelValues(state).Inc()
}

func (m *Metrics) forgetLink(key string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.linkState[key]; ok {
		m.links.WithLabelValues(old).Dec()
		delete(m.linkState, key)
	}
}

func (m *Metrics) observeTimeToReady(link *wx.AssociationLink, now time.Time) {
	if m == nil {
		return
	}
	m.timeToReady.Observe(now.Sub(link.CreationTimestamp.Time).Seconds())
}

// observeQuota records an owner's quota use and limit (kind: OfficialAccount or MiniProgram).
func (m *Metrics) observeQuota(ns, kind, owner, pool string, used, limit int) {
	if m == nil {
		return
	}
	m.quotaUsed.WithLabelValues(ns, kind, owner, pool).Set(float64(used))
	m.quotaLimit.WithLabelValues(ns, kind, owner, pool).Set(float64(limit))
}

// forgetOwner deletes every quota series of an owner (all pools, used and limit), so that a deleted account
// leaves no stale gauges behind.
func (m *Metrics) forgetOwner(ns, kind, name string) {
	if m == nil {
		return
	}
	owner := prometheus.Labels{"namespace": ns, "kind": kind, "owner": name}
	m.quotaUsed.DeletePartialMatch(owner)
	m.quotaLimit.DeletePartialMatch(owner)
	m.ownerQueued.DeletePartialMatch(owner)
}

// observeQueued records how many of an owner's links wait for a slot (kind: OfficialAccount, whose
// status.quota.queued it is, or MiniProgram, whose linked_by limit queues links too).
func (m *Metrics) observeQueued(ns string, kind wx.AccountKind, owner string, queued int32) {
	if m == nil {
		return
	}
	m.ownerQueued.WithLabelValues(ns, string(kind), owner).Set(float64(queued))
}

func (m *Metrics) observeStoreFailures(ns, name, provider string, n int) {
	if m == nil {
		return
	}
	m.storeFailures.WithLabelValues(ns, name, provider).Set(float64(n))
}

func (m *Metrics) observeStoreToken(ns, name, provider string, expiresAt time.Time) {
	if m == nil {
		return
	}
	m.storeTokenExpiry.WithLabelValues(ns, name, provider).Set(float64(expiresAt.Unix()))
}

func (m *Metrics) forgetStoreFailures(ns, name string) {
	if m == nil {
		return
	}
	m.storeFailures.DeletePartialMatch(prometheus.Labels{"namespace": ns, "name": name})
}

func (m *Metrics) forgetStore(ns, name string) {
	if m == nil {
		return
	}
	labels := prometheus.Labels{"namespace": ns, "name": name}
	m.storeFailures.DeletePartialMatch(labels)
	m.storeTokenExpiry.DeletePartialMatch(labels)
}

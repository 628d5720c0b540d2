// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"maps"
	"reflect"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Health metric names: the alerts and the dashboard (charts/wxlink/files) name them.
const (
	MetricObjectNotReady      = "wxlink_object_not_ready"
	MetricObjectNotReadySince = "wxlink_object_not_ready_since_timestamp_seconds"
)

// healthLabels are the labels of both health gauges. reason is Ready's reason, health its class
// (wx.HealthOf: Progressing, Degraded, Suspended, Paused): a function of reason, so it adds no series.
var healthLabels = []string{"namespace", "kind", "name", "reason", "health"}

// reasonOther stands for a Ready reason wxlink does not know (wx.ReasonHealth): the reason label takes
// values from that closed set only, so a reason the platform invents cannot grow the series.
const reasonOther = "Other"

// reasonNoReady is the reason of an object that has no Ready condition yet.
const reasonNoReady = "Unknown"

func newHealthGauges() (notReady, since *prometheus.GaugeVec) {
	notReady = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: MetricObjectNotReady,
		Help: "1 for every wxlink object that is not Ready, with Ready's reason and its health class (Progressing, " +
			"Degraded, Suspended, Paused); no series while Ready, and none once the object is deleted.",
	}, healthLabels)
	since = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: MetricObjectNotReadySince,
		Help: "When a not-Ready object entered its current reason (Unix seconds): when wxlink saw the reason change, " +
			"or the transition time of Stalled, Reconciling or Ready for an object first seen not Ready. time() - this is how long it has waited.",
	}, healthLabels)
	return notReady, since
}

// kindOf is the API kind of a wxlink object: its Go type's name (the API types are named for their kinds).
// The typed objects a client returns carry no TypeMeta, so it is not read from there.
func kindOf(obj conditioned) string {
	return reflect.TypeOf(obj).Elem().Name()
}

// objectKey identifies an object's health series.
func objectKey(kind, namespace, name string) string { return kind + "/" + namespace + "/" + name }

// healthSeries is an object's present health series: its labels and when it entered them.
type healthSeries struct {
	labels prometheus.Labels
	since  time.Time
}

// observeObject sets the health gauges of an object from its status as this reconcile (at now) leaves it: no
// series when Ready, one series (with its reason) otherwise. The series of the previous reason goes.
//
// The since of a series is when the object entered its present reason, which the conditions do not always
// say: Stalled stays True, and keeps its lastTransitionTime (kstatus: a transition is a change of status),
// when a link waiting two days for an admin is then Rejected. So the since is remembered per object: kept
// while the labels stay, now when they change, and taken from the conditions (healthOf) only for an object
// this process has not seen not-Ready yet (it just left Ready, or the manager just started).
func (m *Metrics) observeObject(obj conditioned, now time.Time) {
	if m == nil {
		return
	}
	kind := kindOf(obj)
	key := objectKey(kind, obj.GetNamespace(), obj.GetName())
	labels, since := healthOf(kind, obj)
	m.mu.Lock()
	defer m.mu.Unlock()
	old, had := m.objectHealth[key]
	switch {
	case had && labels != nil && maps.Equal(old.labels, labels):
		since = old.since
	case had:
		m.objectNotReady.Delete(old.labels)
		m.objectNotReadySince.Delete(old.labels)
		delete(m.objectHealth, key)
		since = now
	}
	if labels == nil {
		return
	}
	m.objectHealth[key] = healthSeries{labels: labels, since: since}
	m.objectNotReady.With(labels).Set(1)
	m.objectNotReadySince.With(labels).Set(float64(since.Unix()))
}

// forgetObject deletes the health series of an object that no longer exists.
func (m *Metrics) forgetObject(kind, namespace, name string) {
	if m == nil {
		return
	}
	m.forgetOwner(namespace, kind, name) // an account's quota series too
	key := objectKey(kind, namespace, name)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forgetPublication(kind, namespace, name)
	if old, ok := m.objectHealth[key]; ok {
		m.objectNotReady.Delete(old.labels)
		m.objectNotReadySince.Delete(old.labels)
		delete(m.objectHealth, key)
	}
}

// healthOf is the labels and start time of an object's health series, or nil when it is Ready.
func healthOf(kind string, obj conditioned) (prometheus.Labels, time.Time) {
	conds := obj.GetStatusBase().Conditions
	r := meta.FindStatusCondition(conds, wx.ConditionReady)
	if r != nil && r.Status == metav1.ConditionTrue {
		return nil, time.Time{}
	}
	reason, since := reasonNoReady, obj.GetCreationTimestamp().Time
	health := wx.HealthProgressing
	if r != nil {
		reason, health, since = r.Reason, wx.HealthOf(r.Reason), r.LastTransitionTime.Time
		if _, known := wx.ReasonHealth[reason]; !known {
			reason = reasonOther
		}
	}
	// Stalled and Reconciling begin when the object entered its present health, which may be later than
	// Ready's transition (a link Progressing for an hour, then waiting for an admin).
	for _, t := range []string{wx.ConditionStalled, wx.ConditionReconciling} {
		if c := meta.FindStatusCondition(conds, t); c != nil && c.Status == metav1.ConditionTrue && !c.LastTransitionTime.IsZero() {
			since = c.LastTransitionTime.Time
			break
		}
	}
	return prometheus.Labels{"namespace": obj.GetNamespace(), "kind": kind, "name": obj.GetName(),
		"reason": reason, "health": string(health)}, since
}

// Results of a token publication (wxlink_token_publications_total).
const (
	pubSuccess = "success"
	pubRefused = "refused"
	pubError   = "error"
)

// publishingKinds are the kinds that publish tokens: their series exist from the start, at 0, so that
// increase() sees a first failure.
var publishingKinds = []string{"OfficialAccount", "ThirdPartyStore"}

func initPublications(c *prometheus.CounterVec) {
	for _, k := range publishingKinds {
		for _, r := range []string{pubSuccess, pubRefused, pubError} {
			c.WithLabelValues(k, r)
		}
	}
}

// MetricTokenPublicationFailingSince names the per-object gauge of failed token publications.
const MetricTokenPublicationFailingSince = "wxlink_token_publication_failing_since_timestamp_seconds"

func newPublicationFailingGauge() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: MetricTokenPublicationFailingSince,
		Help: "When the token publications of an object (spec.tokenPublication) began to fail with an error that is " +
			"retried (Unix seconds), or 0 while its last write did not fail so: a series per publishing object.",
	}, []string{"namespace", "kind", "name"})
}

// observePublication counts one write of a published token of obj (an OfficialAccount or a ThirdPartyStore)
// at now: refused when publicationRefused(err), error for any other failure. An error starts (or keeps) the
// object's failing series at its first failure in a row, and keeps it there: the retries come at
// controller-runtime's backoff (up to 1000 s apart), so a per-kind rate over a window flaps, and one failing
// object among many that succeed is not seen at all. Any other outcome sets it to 0 (a refusal has its own
// alert, on Ready's reason).
func (m *Metrics) observePublication(obj conditioned, err error, now time.Time) {
	if m == nil {
		return
	}
	kind := kindOf(obj)
	result := pubSuccess
	switch {
	case publicationRefused(err):
		result = pubRefused
	case err != nil:
		result = pubError
	}
	m.tokenPublications.WithLabelValues(kind, result).Inc()
	labels := prometheus.Labels{"namespace": obj.GetNamespace(), "kind": kind, "name": obj.GetName()}
	key := objectKey(kind, obj.GetNamespace(), obj.GetName())
	m.mu.Lock()
	defer m.mu.Unlock()
	if result != pubError {
		delete(m.publicationFailing, key)
		m.publicationFailingSince.With(labels).Set(0)
		return
	}
	if _, failing := m.publicationFailing[key]; !failing {
		m.publicationFailing[key] = now
		m.publicationFailingSince.With(labels).Set(float64(now.Unix()))
	}
}

// forgetPublication deletes the failing series of an object that no longer exists (m.mu held).
func (m *Metrics) forgetPublication(kind, namespace, name string) {
	delete(m.publicationFailing, objectKey(kind, namespace, name))
	m.publicationFailingSince.Delete(prometheus.Labels{"namespace": namespace, "kind": kind, "name": name})
}

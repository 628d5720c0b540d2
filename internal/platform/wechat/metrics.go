// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Metric names.
const (
	MetricRequests = "wechat_api_requests_total"
	MetricDuration = "wechat_api_request_duration_seconds"
)

// metricSet is the client's collectors. Labels are the endpoint path and the outcome: never an AppID, a
// token or anything else that grows without bound or is secret.
type metricSet struct {
	requests *prometheus.CounterVec   // api, errcode
	duration *prometheus.HistogramVec // api
	blocks   *dailyQuotaBlocks        // api (quota_metric.go)
}

// metricsFor registers the collectors with reg, or reuses the ones already registered there, so that any
// number of Clients can share one Registerer (tests and multi-config processes do).
func metricsFor(reg prometheus.Registerer) (*metricSet, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricRequests,
		Help: "WeChat API requests by endpoint and outcome: 0, a known errcode, \"other\" (an unknown errcode), " +
			"\"http_<class>\" (http_4xx, http_5xx), \"network\" or \"malformed\".",
	}, []string{"api", "errcode"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    MetricDuration,
		Help:    "Duration of WeChat API requests by endpoint.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"api"})
	m := &metricSet{requests: requests, duration: duration}
	if err := reg.Register(requests); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, err
		}
		m.requests = existing
	}
	if err := reg.Register(duration); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		existing, ok := are.ExistingCollector.(*prometheus.HistogramVec)
		if !ok {
			return nil, err
		}
		m.duration = existing
	}
	blocks, err := registerDailyQuotaBlocks(reg)
	if err != nil {
		return nil, err
	}
	m.blocks = blocks
	return m, nil
}

// outcomeLabel is the errcode field of the request's log line: "0", the errcode, "network", "http_<status>",
// or "malformed" for a 200 response whose body is not the expected JSON (and other local failures).
func outcomeLabel(err *platform.Error) string {
	switch {
	case err == nil:
		return "0"
	case err.Code != 0:
		return strconv.Itoa(err.Code)
	case err.HTTPStatus != 0:
		return "http_" + strconv.Itoa(err.HTTPStatus)
	case err.Reason == platform.ReasonNetwork:
		return "network"
	}
	return "malformed"
}

// metricLabel is the errcode label of wechat_api_requests_total, from a bounded set: "0", an errcode wxlink
// knows (platform.KnownCode), "other" for any other errcode, "http_<class>" ("http_4xx", "http_5xx", ...),
// "network" and "malformed". An errcode the platform invents cannot grow the series.
func metricLabel(err *platform.Error) string {
	switch {
	case err == nil:
		return "0"
	case err.Code != 0 && platform.KnownCode(err.Code):
		return strconv.Itoa(err.Code)
	case err.Code != 0:
		return "other"
	case err.HTTPStatus >= 100 && err.HTTPStatus <= 599:
		return "http_" + strconv.Itoa(err.HTTPStatus/100) + "xx"
	case err.HTTPStatus != 0:
		return "other"
	}
	return outcomeLabel(err) // "network" or "malformed"
}

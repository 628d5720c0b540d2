// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring_test

import (
	"slices"
	"strings"
	"testing"
)

// values.schema.json's monitoring sub-schema refuses what the templates would render into a broken object
// (a typo'd key silently ignored, a duration Prometheus cannot parse, a threshold that can never fire), and
// accepts the documented overrides.
func TestMonitoringValuesSchema(t *testing.T) {
	bad := map[string][]string{
		"a misspelt key":                 {"--set", "monitoring.serviceMonitor.intervall=30s"},
		"an unknown part":                {"--set", "monitoring.podMonitor.enabled=true"},
		"a Go-only duration":             {"--set", "monitoring.prometheusRule.thresholds.quotaFullFor=1h0m0.5s"},
		"a word for a duration":          {"--set", "monitoring.serviceMonitor.interval=often"},
		"an empty duration":              {"--set", "monitoring.prometheusRule.thresholds.apiErrorFor="},
		"a boolean as a string":          {"--set-string", "monitoring.enabled=yes"},
		"zero seconds":                   {"--set", "monitoring.prometheusRule.thresholds.stalledSeconds=0"},
		"a fractional number of seconds": {"--set-json", "monitoring.prometheusRule.thresholds.tokenPublicationFailingSeconds=1.5"},
		"a ratio above 1":                {"--set-json", "monitoring.prometheusRule.thresholds.quotaFullRatio=1.5"},
		"a ratio of 0":                   {"--set", "monitoring.prometheusRule.thresholds.apiErrorRatio=0"},
		"a port out of range":            {"--set", "monitoring.service.port=70000"},
		"a label value not a string":     {"--set", "monitoring.labels.release=1"},
		"a runbook that is not a URL":    {"--set", "monitoring.prometheusRule.runbookURL=docs/operations.md"},
	}
	for name, args := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := helmRender(t, "wxlink", append(allMonitoring, args...)...)
			if err == nil || !strings.Contains(err.Error(), "/monitoring") {
				t.Errorf("%v rendered (or failed for another reason: %v), want the schema to refuse it", args, err)
			}
		})
	}
	good := append(slices.Clone(allMonitoring), "--set", "monitoring.prometheusRule.thresholds.quotaFullFor=1h30m",
		"--set-json", "monitoring.prometheusRule.thresholds.quotaFullRatio=0.9", "--set", "monitoring.serviceMonitor.interval=1m",
		"--set-string", "monitoring.labels.release=kube-prometheus-stack", "--set", "monitoring.dashboards.namespace=grafana",
		"--set", "monitoring.serviceMonitor.tlsConfig.serverName=wxlink-metrics.wxlink-system.svc")
	if _, err := helmRender(t, "wxlink", good...); err != nil {
		t.Errorf("documented overrides refused: %v", err)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// renderChart renders charts/wxlink with every monitoring part on, with helm ($HELM, or the repository's
// bin/helm), into a file, and returns its path and text.
func renderChart(t *testing.T, args ...string) (string, string) {
	t.Helper()
	helm := os.Getenv("HELM")
	if helm == "" {
		helm, _ = filepath.Abs("../../bin/helm")
	}
	all := append([]string{"template", "wxlink", "../../charts/wxlink", "--namespace", "wxlink-system",
		"--set", "monitoring.enabled=true", "--set", "monitoring.serviceMonitor.enabled=true",
		"--set", "monitoring.prometheusRule.enabled=true", "--set", "monitoring.dashboards.enabled=true"}, args...)
	cmd := exec.CommandContext(t.Context(), helm, all...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s template (build it with make helm, or set HELM): %v: %s", helm, err, stderr.String())
	}
	path := filepath.Join(t.TempDir(), "chart.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, string(out)
}

// The chart's own ServiceMonitor and PrometheusRule (as helm renders them, with each way of scraping) decode
// strictly into the Prometheus Operator's types; a misspelt field in the rendered ServiceMonitor is refused.
func TestChartObjectsDecodeStrictly(t *testing.T) {
	for _, args := range [][]string{nil, {"--set", "metrics.secure=false"},
		{"--set", "monitoring.serviceMonitor.authorization.secretName=prom-token"}} {
		path, _ := renderChart(t, args...)
		n, err := checkObjects([]string{path})
		if err != nil || n != 2 {
			t.Errorf("chart %v: %d objects, %v; want the ServiceMonitor and the PrometheusRule, decoded", args, n, err)
		}
	}
	path, text := renderChart(t)
	broken := strings.Replace(text, "honorLabels: true", "honourLabels: true", 1)
	if broken == text {
		t.Fatal("the rendered ServiceMonitor has no honorLabels: true to break")
	}
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := checkObjects([]string{path}); err == nil || !strings.Contains(err.Error(), "honourLabels") {
		t.Errorf("a misspelt field in the chart's ServiceMonitor: %v, want it refused", err)
	}
}

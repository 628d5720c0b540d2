// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const chartDir = "../../charts/wxlink"

// helmTemplate renders the chart with helm ($HELM, or the repository's bin/helm) and returns its objects.
func helmTemplate(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	out, err := helmRender(t, "wxlink", args...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeAll(out)
	if err != nil {
		t.Fatalf("decoding helm template's output: %v", err)
	}
	return objs
}

// helmRender runs helm template ($HELM, or the repository's bin/helm) for a release in wxlink-system and
// returns its output, or helm's error with its stderr.
func helmRender(t *testing.T, release string, args ...string) ([]byte, error) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(chartDir, "Chart.yaml")); err != nil {
		t.Fatalf("the chart is missing (%v): the monitoring templates are part of it", err)
	}
	helm := os.Getenv("HELM")
	if helm == "" {
		helm, _ = filepath.Abs("../../bin/helm")
	}
	cmd := exec.CommandContext(t.Context(), helm, append([]string{"template", release, chartDir, "--namespace", "wxlink-system"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template: %w: %s", err, stderr.String())
	}
	return out, nil
}

// decodeAll decodes every YAML document of out; only the end of the input ends it, any other error is returned.
func decodeAll(out []byte) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", len(objs)+1, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

func ofKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

var allMonitoring = []string{"--set", "monitoring.enabled=true", "--set", "monitoring.serviceMonitor.enabled=true",
	"--set", "monitoring.prometheusRule.enabled=true", "--set", "monitoring.dashboards.enabled=true",
	"--set", "monitoring.serviceMonitor.prometheusServiceAccount.name=prometheus",
	"--set", "monitoring.serviceMonitor.prometheusServiceAccount.namespace=monitoring"}

// Off by default: the chart renders no monitoring object unless asked.
func TestChartMonitoringIsOffByDefault(t *testing.T) {
	for _, o := range helmTemplate(t) {
		if strings.HasPrefix(o.GetAPIVersion(), "monitoring.coreos.com/") || o.GetLabels()["app.kubernetes.io/component"] == "monitoring" {
			t.Errorf("the default values render %s %s", o.GetKind(), o.GetName())
		}
	}
}

// The chart's rule (Helm's tpl) and the kustomize component's (hack/monitoring's text/template) are the same
// rule, and the dashboard ConfigMap holds the dashboard file as it is; a threshold value reaches its alert.
func TestChartRendersTheComponentsRuleAndDashboard(t *testing.T) {
	objs := helmTemplate(t, allMonitoring...)
	rules, cms := ofKind(objs, "PrometheusRule"), ofKind(objs, "ConfigMap")
	if len(rules) != 1 || len(ofKind(objs, "ServiceMonitor")) != 1 {
		t.Fatalf("%d PrometheusRules and %d ServiceMonitors, want 1 each", len(rules), len(ofKind(objs, "ServiceMonitor")))
	}
	checkScrapeWiring(t, objs)
	raw, err := os.ReadFile("../../config/monitoring/prometheusrule/prometheusrule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	component := &unstructured.Unstructured{}
	if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096).Decode(&component.Object); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rules[0].Object["spec"], component.Object["spec"]) {
		t.Errorf("the chart's PrometheusRule spec differs from config/monitoring's")
	}
	dashboard, err := os.ReadFile(filepath.Join(chartDir, "files", "dashboards", "wxlink.json"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, cm := range cms {
		if data, _, _ := unstructured.NestedStringMap(cm.Object, "data"); data["wxlink.json"] != "" {
			found = data["wxlink.json"] == strings.TrimRight(string(dashboard), "\n") && cm.GetLabels()["grafana_dashboard"] == "1"
		}
	}
	if !found {
		t.Errorf("no ConfigMap labelled grafana_dashboard: \"1\" holds files/dashboards/wxlink.json as it is")
	}
	custom := helmTemplate(t, append(allMonitoring, "--set", "monitoring.prometheusRule.thresholds.stalledSeconds=7200")...)
	groups, _, _ := unstructured.NestedSlice(ofKind(custom, "PrometheusRule")[0].Object, "spec", "groups")
	first, _ := groups[0].(map[string]any)["rules"].([]any)[0].(map[string]any)
	if expr, _ := first["expr"].(string); !strings.HasSuffix(expr, "> 7200") {
		t.Errorf("stalledSeconds=7200 renders %q", expr)
	}
}

// checkScrapeWiring: the ServiceMonitor selects the chart's metrics Service by its labels and port, and
// Prometheus's ServiceAccount is bound to the ClusterRole the chart renders.
func checkScrapeWiring(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	sm, svcs := ofKind(objs, "ServiceMonitor")[0], ofKind(objs, "Service")
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	matched := 0
	for _, svc := range svcs {
		if labels.SelectorFromSet(sel).Matches(labels.Set(svc.GetLabels())) {
			matched++
		}
	}
	if matched != 1 {
		t.Errorf("the ServiceMonitor's selector %v matches %d of the chart's Services, want 1", sel, matched)
	}
	roles, bindings := ofKind(objs, "ClusterRole"), ofKind(objs, "ClusterRoleBinding")
	names := map[string]bool{}
	for _, r := range roles {
		names[r.GetName()] = true
	}
	bound := false
	for _, b := range bindings {
		ref, _, _ := unstructured.NestedString(b.Object, "roleRef", "name")
		subjects, _, _ := unstructured.NestedSlice(b.Object, "subjects")
		for _, s := range subjects {
			m, _ := s.(map[string]any)
			bound = bound || m["name"] == "prometheus" && m["namespace"] == "monitoring" && names[ref]
		}
	}
	if !bound {
		t.Errorf("no binding of a rendered ClusterRole to monitoring/prometheus")
	}
}

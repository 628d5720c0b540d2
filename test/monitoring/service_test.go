// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// metricsWiring checks, in one release's objects, that the metrics Service selects the Deployment's pods
// (their template's labels) and targets the manager container's metrics port by its name, and that the
// ServiceMonitor's endpoint uses the Service's port with the scheme metrics.secure calls for.
func metricsWiring(t *testing.T, objs []*unstructured.Unstructured, scheme string) {
	t.Helper()
	deps := ofKind(objs, "Deployment")
	if len(deps) != 1 {
		t.Fatalf("%d Deployments, want 1", len(deps))
	}
	podLabels, _, _ := unstructured.NestedStringMap(deps[0].Object, "spec", "template", "metadata", "labels")
	svc := metricsService(t, objs)
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	if len(sel) == 0 || !labels.SelectorFromSet(sel).Matches(labels.Set(podLabels)) {
		t.Errorf("the metrics Service's selector %v does not select the Deployment's pods %v", sel, podLabels)
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	port, _ := ports[0].(map[string]any)
	containers, _, _ := unstructured.NestedSlice(deps[0].Object, "spec", "template", "spec", "containers")
	named := false
	for _, c := range containers {
		cps, _, _ := unstructured.NestedSlice(c.(map[string]any), "ports")
		for _, cp := range cps {
			named = named || cp.(map[string]any)["name"] == port["targetPort"]
		}
	}
	if !named {
		t.Errorf("the metrics Service targets port %v, which no container of the Deployment names", port["targetPort"])
	}
	if sms := ofKind(objs, "ServiceMonitor"); len(sms) == 1 {
		eps, _, _ := unstructured.NestedSlice(sms[0].Object, "spec", "endpoints")
		ep, _ := eps[0].(map[string]any)
		if ep["port"] != port["name"] || ep["scheme"] != scheme {
			t.Errorf("the ServiceMonitor scrapes port %v over %v, want the Service's %v over %s", ep["port"], ep["scheme"], port["name"], scheme)
		}
	}
}

func metricsService(t *testing.T, objs []*unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	for _, s := range ofKind(objs, "Service") {
		if strings.HasSuffix(s.GetName(), "-metrics") {
			return s
		}
	}
	t.Fatal("no metrics Service")
	return nil
}

// The metrics Service selects the Deployment's pods and named port, with nameOverride too; the ServiceMonitor
// follows metrics.secure; two releases in one namespace select only their own pods.
func TestMetricsServiceSelectsTheManager(t *testing.T) {
	metricsWiring(t, helmTemplate(t, allMonitoring...), "https")
	metricsWiring(t, helmTemplate(t, append(allMonitoring, "--set", "nameOverride=wx")...), "https")
	plain := helmTemplate(t, append(allMonitoring, "--set", "metrics.secure=false")...)
	metricsWiring(t, plain, "http")
	if ep := endpointOf(t, plain); ep["tlsConfig"] != nil || ep["bearerTokenFile"] != nil {
		t.Errorf("a plain HTTP scrape has TLS or a token: %v", ep)
	}

	out, err := helmRender(t, "other", allMonitoring...)
	if err != nil {
		t.Fatal(err)
	}
	other, err := decodeAll(out)
	if err != nil {
		t.Fatal(err)
	}
	mine := helmTemplate(t, allMonitoring...)
	sel, _, _ := unstructured.NestedStringMap(metricsService(t, mine).Object, "spec", "selector")
	theirs, _, _ := unstructured.NestedStringMap(ofKind(other, "Deployment")[0].Object, "spec", "template", "metadata", "labels")
	if labels.SelectorFromSet(sel).Matches(labels.Set(theirs)) {
		t.Errorf("release wxlink's metrics Service %v selects release other's pods %v", sel, theirs)
	}
}

// Monitoring without the manager's metrics is refused with a message, not rendered as a Service selecting nothing.
func TestMonitoringWithoutMetricsFails(t *testing.T) {
	_, err := helmRender(t, "wxlink", "--set", "monitoring.enabled=true", "--set", "metrics.enabled=false")
	if err == nil || !strings.Contains(err.Error(), "monitoring.enabled needs metrics.enabled") {
		t.Errorf("monitoring.enabled with metrics.enabled=false: %v, want the chart's message", err)
	}
}

// The token is Prometheus's own (bearerTokenFile) by default, or a Secret's (authorization) when named.
func TestServiceMonitorAuthorization(t *testing.T) {
	if ep := endpointOf(t, helmTemplate(t, allMonitoring...)); ep["bearerTokenFile"] == nil || ep["authorization"] != nil {
		t.Errorf("default endpoint %v, want bearerTokenFile", ep)
	}
	ep := endpointOf(t, helmTemplate(t, append(allMonitoring, "--set", "monitoring.serviceMonitor.authorization.secretName=prom-token")...))
	name, _, _ := unstructured.NestedString(ep, "authorization", "credentials", "name")
	key, _, _ := unstructured.NestedString(ep, "authorization", "credentials", "key")
	if name != "prom-token" || key != "token" || ep["bearerTokenFile"] != nil {
		t.Errorf("endpoint %v, want authorization.credentials prom-token/token and no bearerTokenFile", ep)
	}
}

func endpointOf(t *testing.T, objs []*unstructured.Unstructured) map[string]any {
	t.Helper()
	eps, _, _ := unstructured.NestedSlice(ofKind(objs, "ServiceMonitor")[0].Object, "spec", "endpoints")
	ep, _ := eps[0].(map[string]any)
	return ep
}

// decodeAll returns a malformed document's error instead of ending there with the objects before it.
func TestDecodeAllReportsAMalformedDocument(t *testing.T) {
	objs, err := decodeAll([]byte("kind: A\n---\nkind: [B\n---\nkind: C\n"))
	if err == nil {
		t.Errorf("a malformed second document decoded into %d objects without an error", len(objs))
	}
	objs, err = decodeAll([]byte("---\nkind: A\n---\n# only a comment\n---\nkind: C\n"))
	if err != nil || len(objs) != 2 {
		t.Errorf("%d objects, %v; want A and C", len(objs), err)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// kustomizeBinary is $KUSTOMIZE, or the repository's bin/kustomize (make builds it before the unit tests).
func kustomizeBinary(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	k, err := filepath.Abs("../../bin/kustomize")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(k); err != nil {
		t.Fatalf("no kustomize: run `make kustomize`-built tests through make, or set KUSTOMIZE (%v)", err)
	}
	return k
}

// buildWithComponents builds config/default with its commented monitoring components uncommented, as
// docs/monitoring.md tells a user to, and returns the objects by kind.
func buildWithComponents(t *testing.T) map[string][]*unstructured.Unstructured {
	t.Helper()
	def, err := filepath.Abs("../../config/default")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(def, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rel, err := filepath.Rel(dir, def)
	if err != nil {
		t.Fatal(err)
	}
	var k strings.Builder
	uncommented := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if l, ok := strings.CutPrefix(line, "#"); ok && (l == "components:" || strings.HasPrefix(l, "- ../monitoring/")) {
			line = l
			uncommented++
		}
		// The paths are relative to config/default; the copy is elsewhere.
		line = strings.Replace(line, "- ../", "- "+rel+"/../", 1)
		k.WriteString(line + "\n")
	}
	if uncommented != 4 {
		t.Fatalf("config/default/kustomization.yaml has %d of the 4 commented monitoring lines", uncommented)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), kustomizeBinary(t), "build", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build: %v: %s", err, stderr.String())
	}
	objs, err := decodeAll(out)
	if err != nil {
		t.Fatalf("decoding kustomize build's output: %v", err)
	}
	byKind := map[string][]*unstructured.Unstructured{}
	for _, u := range objs {
		byKind[u.GetKind()] = append(byKind[u.GetKind()], u)
	}
	return byKind
}

// The components added to config/default build into a ServiceMonitor that selects the metrics Service on its
// HTTPS port, a binding of the metrics-reader ClusterRole that exists, the PrometheusRule and the dashboard's
// ConfigMap with the Grafana sidecar's label, all in the manager's namespace.
func TestKustomizeComponentsWireUp(t *testing.T) {
	objs := buildWithComponents(t)
	for _, k := range []string{"ServiceMonitor", "PrometheusRule", "ClusterRoleBinding", "Service", "ConfigMap"} {
		if len(objs[k]) == 0 {
			t.Fatalf("the build has no %s", k)
		}
	}
	sm := objs["ServiceMonitor"][0]
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	port := ""
	if eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints"); len(eps) == 1 {
		ep, _ := eps[0].(map[string]any)
		port, _ = ep["port"].(string)
		if ep["scheme"] != "https" || ep["bearerTokenFile"] == nil || ep["honorLabels"] != true {
			t.Errorf("the ServiceMonitor's endpoint is not HTTPS with Prometheus's token and honorLabels: %v", ep)
		}
	}
	matched := 0
	for _, svc := range objs["Service"] {
		if svc.GetNamespace() == sm.GetNamespace() && labels.SelectorFromSet(sel).Matches(labels.Set(svc.GetLabels())) {
			matched++
			ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
			if p, _ := ports[0].(map[string]any); p["name"] != port {
				t.Errorf("the ServiceMonitor scrapes port %q; the Service's is %v", port, p["name"])
			}
		}
	}
	if matched != 1 {
		t.Errorf("the ServiceMonitor's selector %v matches %d Services in %s, want the metrics Service", sel, matched, sm.GetNamespace())
	}
	roles := map[string]bool{}
	for _, r := range objs["ClusterRole"] {
		roles[r.GetName()] = true
	}
	for _, b := range objs["ClusterRoleBinding"] {
		if ref, _, _ := unstructured.NestedString(b.Object, "roleRef", "name"); !roles[ref] {
			t.Errorf("ClusterRoleBinding %s binds ClusterRole %s, which the build lacks", b.GetName(), ref)
		}
	}
	cm := objs["ConfigMap"][0]
	if cm.GetLabels()["grafana_dashboard"] != "1" || cm.GetNamespace() != sm.GetNamespace() {
		t.Errorf("the dashboard ConfigMap %s/%s has labels %v", cm.GetNamespace(), cm.GetName(), cm.GetLabels())
	}
	if data, _, _ := unstructured.NestedStringMap(cm.Object, "data"); len(data["wxlink.json"]) < 1000 {
		t.Errorf("the dashboard ConfigMap holds %d bytes of wxlink.json", len(data["wxlink.json"]))
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// The files the chart ships, which config/monitoring copies.
const (
	alertsFile    = "../../charts/wxlink/files/alerts.yaml"
	dashboardFile = "../../charts/wxlink/files/dashboards/wxlink.json"
)

// matcher finds a label matcher on reason, health or kind, in PromQL inside YAML or JSON (quotes escaped).
var matcher = regexp.MustCompile(`\b(reason|health|kind)\s*(=~|!~|!=|=)\s*\\?"([^"\\]*)\\?"`)

// The reasons, health classes and kinds the alerts and the dashboard match on exist: a renamed reason must
// not leave an alert that can never fire (or never stops excluding).
func TestMatchedReasonsHealthsAndKindsExist(t *testing.T) {
	healths := map[string]bool{}
	for _, h := range wx.ReasonHealth {
		healths[string(h)] = true
	}
	scheme := runtime.NewScheme()
	if err := wx.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for gvk := range scheme.AllKnownTypes() {
		if gvk.Group == wx.GroupVersion.Group {
			kinds[gvk.Kind] = true
		}
	}
	n := 0
	for _, f := range []string{alertsFile, dashboardFile} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matcher.FindAllStringSubmatch(string(raw), -1) {
			for _, v := range strings.Split(m[3], "|") {
				n++
				known := map[string]bool{"health": healths[v], "kind": kinds[v]}[m[1]]
				if m[1] == "reason" {
					_, known = wx.ReasonHealth[v]
				}
				if !known {
					t.Errorf("%s matches %s %s %q, which wxlink never reports", f, m[1], m[2], v)
				}
			}
		}
	}
	if n < 5 {
		t.Errorf("only %d values matched: the pattern no longer finds the matchers", n)
	}
	t.Logf("%d reason, health and kind values checked", n)
}

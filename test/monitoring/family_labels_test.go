// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
	"github.com/wxlink/wxlink-operator/test/monitoring"
)

// recorder is a Registerer that keeps what it is given, so that the descriptors of wxlink's collectors and
// the WeChat client's can be read (a Registry does not list its collectors).
type recorder struct{ collectors []prometheus.Collector }

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	r.collectors = append(r.collectors, cs...)
}
func (r *recorder) Unregister(prometheus.Collector) bool { return false }

// descFields reads a Desc's name and variable labels from its String(), the only place client_golang shows
// them: Desc{fqName: "x", help: "...", constLabels: {}, variableLabels: {a,b}}.
var descFields = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", .*, constLabels: \{([^}]*)\}, variableLabels: \{([^}]*)\}\}$`)

// registeredFamilies are the families wxlink and the WeChat client register (as cmd/manager does), with
// their label names and, where the collector says, their type.
func registeredFamilies(t *testing.T) map[string]monitoring.Family {
	t.Helper()
	rec := &recorder{}
	if _, err := controllers.NewMetrics(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := wechat.New(wechat.Config{BaseURL: "http://127.0.0.1:1", Route: wechat.Route{Kind: wechat.RouteOwnSecret}, Registerer: rec}); err != nil {
		t.Fatal(err)
	}
	out := map[string]monitoring.Family{}
	for _, c := range rec.collectors {
		ch := make(chan *prometheus.Desc, 16)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			m := descFields.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read the descriptor %s", d)
			}
			var labels []string
			if m[3] != "" {
				labels = strings.Split(m[3], ",")
			}
			if m[2] != "" {
				t.Fatalf("%s has constant labels %s: metric-labels.txt does not say them", m[1], m[2])
			}
			slices.Sort(labels)
			out[m[1]] = monitoring.Family{Type: typeOf(c), Labels: labels}
		}
	}
	return out
}

// typeOf is a collector's metric type, or "" for a hand-written collector (the e2e scrape checks those).
func typeOf(c prometheus.Collector) string {
	switch c.(type) {
	case *prometheus.GaugeVec, prometheus.Gauge: // a Gauge is a Counter too: first
		return "gauge"
	case *prometheus.CounterVec, prometheus.Counter:
		return "counter"
	case *prometheus.HistogramVec, prometheus.Histogram:
		return "histogram"
	}
	return ""
}

// metric-labels.txt (what hack/promcheck checks the queries' labels against) says the labels and types
// wxlink's families and the WeChat client's are registered with, and lists every family the queries use.
func TestFamilyLabelsAreTheRegisteredOnes(t *testing.T) {
	file, err := monitoring.FamilyLabels("metric-labels.txt")
	if err != nil {
		t.Fatal(err)
	}
	reg := registeredFamilies(t)
	checked := 0
	for name, f := range file {
		if !strings.HasPrefix(name, "wxlink_") && !strings.HasPrefix(name, "wechat_") {
			continue // controller-runtime's: test/e2e checks them against the scrape
		}
		got, ok := reg[name]
		switch {
		case !ok:
			t.Errorf("metric-labels.txt lists %s, which neither wxlink nor the WeChat client registers", name)
		case !slices.Equal(got.Labels, f.Labels):
			t.Errorf("metric-labels.txt gives %s the labels %v; it is registered with %v", name, f.Labels, got.Labels)
		case got.Type != "" && got.Type != f.Type:
			t.Errorf("metric-labels.txt says %s is a %s; it is registered as a %s", name, f.Type, got.Type)
		}
		checked++
	}
	used, err := monitoring.UsedMetrics("metrics-used.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range used {
		if _, ok := monitoring.FamilyOf(n, func(f string) bool { _, ok := file[f]; return ok }); !ok {
			t.Errorf("the queries select %s, whose family metric-labels.txt does not list", n)
		}
	}
	if checked < 10 {
		t.Errorf("only %d families checked against the registry", checked)
	}
	t.Logf("%d families' labels checked against their descriptors", checked)
}

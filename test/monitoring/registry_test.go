// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	// The controller package registers controller-runtime's reconcile and work queue metrics, as in the manager.
	_ "sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
	"github.com/wxlink/wxlink-operator/test/monitoring"
)

// probe is a collector of one metric family, registered only to learn whether the family exists.
type probe struct{ desc *prometheus.Desc }

func (p probe) Describe(ch chan<- *prometheus.Desc) { ch <- p.desc }
func (probe) Collect(chan<- prometheus.Metric)      {}

// registered reports whether reg holds a family called name, with or without series: a vec metric serves
// nothing (no HELP, no TYPE) until it has a series, so Gather cannot tell. The registry refuses a second
// descriptor of a family it holds (whatever its labels or help); a family it lacks registers, and is removed.
func registered(t *testing.T, reg prometheus.Registerer, name string) bool {
	t.Helper()
	p := probe{desc: prometheus.NewDesc(name, "probe", nil, nil)}
	if err := reg.Register(p); err != nil {
		var are prometheus.AlreadyRegisteredError
		// The registry's refusal of a second descriptor of a family, with other labels or help.
		if errors.As(err, &are) || strings.Contains(err.Error(), "previously registered descriptor with the same fully-qualified name") {
			return true
		}
		t.Fatalf("probing %s: %v", name, err) // an invalid name, not an answer
	}
	if !reg.Unregister(p) {
		t.Fatalf("could not unregister the probe of %s", name)
	}
	return false
}

// managerRegistry registers wxlink's metrics with controller-runtime's registry as cmd/manager does
// (setupControllers): wxlink's own, and the WeChat client's through its Registerer.
func managerRegistry(t *testing.T) prometheus.Registerer {
	t.Helper()
	if _, err := controllers.NewMetrics(metrics.Registry); err != nil {
		t.Fatal(err)
	}
	if _, err := wechat.New(wechat.Config{BaseURL: "http://127.0.0.1:1", Route: wechat.Route{Kind: wechat.RouteOwnSecret},
		Registerer: metrics.Registry}); err != nil {
		t.Fatal(err)
	}
	return metrics.Registry
}

// Every metric the alerts and the dashboard select is one the manager registers, series or not yet.
func TestEveryMetricUsedIsRegisteredByTheManager(t *testing.T) {
	reg := managerRegistry(t)
	names, err := monitoring.UsedMetrics("metrics-used.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 10 {
		t.Fatalf("metrics-used.txt lists %d metrics: is it generated (make monitoring)?", len(names))
	}
	exists := func(n string) bool { return registered(t, reg, n) }
	for _, n := range names {
		if _, ok := monitoring.FamilyOf(n, exists); !ok {
			t.Errorf("the alerts or the dashboard select %s, which the manager does not export", n)
		}
	}
	// The check can fail: a name nobody registers is not found, with or without a histogram's suffix. (That
	// a suffixed name's family is a histogram, the registry cannot say: the e2e scrape, which has their
	// series, proves it.)
	for _, n := range []string{"wxlink_no_such_metric", "wxlink_no_such_metric_bucket", "wxlink_links_total"} {
		if f, ok := monitoring.FamilyOf(n, exists); ok {
			t.Errorf("%s was found (as %s), but the manager does not export it", n, f)
		}
	}
	t.Logf("%d metric names checked against the manager's registry", len(names))
}

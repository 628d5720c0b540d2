// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wxlink/wxlink-operator/test/monitoring"
)

// metricsReader is the ServiceAccount the tests scrape metrics as, bound to config/rbac's metrics-reader.
const metricsReader = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: e2e-prometheus, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-prometheus-metrics-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics-reader}
subjects:
- {kind: ServiceAccount, name: e2e-prometheus, namespace: default}
`

// scrapeMetrics reads the manager's metrics as Prometheus in a cluster would: over HTTPS (the manager's
// self-signed certificate) with the token of a ServiceAccount bound to the metrics-reader ClusterRole. It
// first checks that a request without a token is refused.
func scrapeMetrics(t *testing.T, addr string) []byte {
	t.Helper()
	sh(t, nil, kubectl, "apply", "-f", "config/rbac/metrics_reader_role.yaml")
	sh(t, []byte(metricsReader), kubectl, "apply", "-f", "-")
	return scrapeMetricsAs(t, addr, "e2e-prometheus")
}

// scrapeMetricsAs scrapes as a ServiceAccount of namespace default that the caller has bound to a
// metrics-reader ClusterRole.
func scrapeMetricsAs(t *testing.T, addr, serviceAccount string) []byte {
	t.Helper()
	// The manager caches a denial for 30 s: ask only once the API server's RBAC has seen the binding.
	waitFor(t, "the metrics reader to be allowed /metrics", 30*time.Second, func() (bool, string) {
		out, _, _ := try(nil, kubectl, "auth", "can-i", "get", "/metrics", "--as=system:serviceaccount:default:"+serviceAccount)
		return strings.TrimSpace(out) == "yes", out
	})
	token := strings.TrimSpace(sh(t, nil, kubectl, "create", "token", serviceAccount, "-n", "default"))
	url := "https://" + addr + "/metrics"
	if code, _ := metricsGet(t, url, ""); code != http.StatusUnauthorized {
		t.Errorf("metrics without a token answered %d, want 401", code)
	}
	code, body := metricsGet(t, url, token)
	if code != http.StatusOK {
		t.Fatalf("metrics with the metrics-reader's token answered %d: %.300s", code, body)
	}
	return body
}

func metricsGet(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// The manager's certificate is self-signed (no --metrics-cert-dir); the connection is on loopback.
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// scrapedFamilies parses a scrape (Prometheus's text format, with Prometheus's own parser) into its metric
// families by name.
func scrapedFamilies(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing the scraped metrics: %v", err)
	}
	return fams
}

// checkMetricsUsed fails for every metric the alerts and the dashboard select (test/monitoring/
// metrics-used.txt, from hack/promcheck) that the scrapes lack: a name must be a family the manager served,
// and a _bucket, _sum or _count name a histogram's.
func checkMetricsUsed(t *testing.T, scrapes ...map[string]*dto.MetricFamily) {
	t.Helper()
	used, err := monitoring.UsedMetrics(filepath.Join(root, "test", "monitoring", "metrics-used.txt"))
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]dto.MetricType{}
	for _, fams := range scrapes {
		for name, f := range fams {
			served[name] = f.GetType()
		}
	}
	for _, name := range used {
		fam, ok := monitoring.FamilyOf(name, func(n string) bool { _, ok := served[n]; return ok })
		switch {
		case !ok:
			t.Errorf("the alerts or the dashboard select %s; the manager served no such metric", name)
		case fam != name && served[fam] != dto.MetricType_HISTOGRAM:
			t.Errorf("the alerts or the dashboard select %s; %s is a %s, not a histogram", name, fam, served[fam])
		}
	}
	t.Logf("%d metric names of the alerts and the dashboard found among the %d families the manager served", len(used), len(served))
	checkFamilyLabels(t, scrapes...)
}

// checkFamilyLabels fails for every family of test/monitoring/metric-labels.txt (which hack/promcheck checks
// the queries' labels against) whose served type or series' label names differ from the file's.
func checkFamilyLabels(t *testing.T, scrapes ...map[string]*dto.MetricFamily) {
	t.Helper()
	file, err := monitoring.FamilyLabels(filepath.Join(root, "test", "monitoring", "metric-labels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for name, want := range file {
		checked := false
		for _, fams := range scrapes {
			f, ok := fams[name]
			if !ok {
				continue
			}
			if got := strings.ToLower(f.GetType().String()); got != want.Type {
				t.Errorf("metric-labels.txt says %s is a %s; the manager serves a %s", name, want.Type, got)
			}
			for _, m := range f.GetMetric() {
				var got []string
				for _, l := range m.GetLabel() {
					got = append(got, l.GetName())
				}
				slices.Sort(got)
				if !slices.Equal(got, want.Labels) {
					t.Errorf("metric-labels.txt gives %s the labels %v; the manager serves it with %v", name, want.Labels, got)
				}
			}
			checked = true
		}
		if checked {
			seen++
		}
	}
	if seen < len(file)/2 {
		t.Errorf("only %d of the %d families of metric-labels.txt were served", seen, len(file))
	}
	t.Logf("%d of the %d families of metric-labels.txt checked against the scrape (type and label names)", seen, len(file))
}

// seriesOf is the series of a family whose labels include want, with their values.
func seriesOf(fams map[string]*dto.MetricFamily, family string, want map[string]string) []float64 {
	var out []float64
	for _, m := range fams[family].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && have[k] == v
		}
		if match {
			out = append(out, m.GetGauge().GetValue()+m.GetCounter().GetValue())
		}
	}
	return out
}

// queuedLinkMetrics scrapes while news-podcast waits behind yunshan-news's full other-subject quota: the
// condition of the WxlinkQuotaFullWithLinksQueued alert, and a not-Ready link named with its reason and the
// time it started waiting.
func queuedLinkMetrics(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	owner := map[string]string{"namespace": "yunshan", "kind": "OfficialAccount", "owner": "yunshan-news"}
	pool := map[string]string{"namespace": "yunshan", "kind": "OfficialAccount", "owner": "yunshan-news", "pool": "other_subject"}
	podcast := map[string]string{"namespace": "yunshan", "kind": "AssociationLink", "name": "news-podcast",
		"reason": "QuotaExceeded", "health": "Suspended"}
	var fams map[string]*dto.MetricFamily
	waitFor(t, "the metrics to show news-podcast queued behind a full quota", 30*time.Second, func() (bool, string) {
		fams = scrapedFamilies(t, scrapeMetrics(t, addr))
		notReady := seriesOf(fams, "wxlink_object_not_ready", podcast)
		since := seriesOf(fams, "wxlink_object_not_ready_since_timestamp_seconds", podcast)
		queued := seriesOf(fams, "wxlink_owner_links_queued", owner)
		used, limit := seriesOf(fams, "wxlink_owner_quota_used", pool), seriesOf(fams, "wxlink_owner_quota_limit", pool)
		now := float64(time.Now().Unix())
		ok := len(notReady) == 1 && notReady[0] == 1 && len(since) == 1 && since[0] <= now && since[0] > now-600 &&
			len(queued) == 1 && queued[0] >= 1 && len(used) == 1 && len(limit) == 1 && used[0] >= limit[0]
		return ok, fmt.Sprintf("not ready %v since %v, queued %v, other_subject %v of %v", notReady, since, queued, used, limit)
	})
	return fams
}

// healthSeriesOfNamespaceGone waits until the manager serves no health or quota series of the namespace,
// once its objects are deleted.
func healthSeriesOfNamespaceGone(t *testing.T, addr, ns string) {
	t.Helper()
	waitFor(t, "the deleted objects' series to be gone", 60*time.Second, func() (bool, string) {
		fams := scrapedFamilies(t, scrapeMetrics(t, addr))
		left := map[string]int{}
		for _, f := range []string{"wxlink_object_not_ready", "wxlink_object_not_ready_since_timestamp_seconds",
			"wxlink_owner_quota_used", "wxlink_owner_quota_limit", "wxlink_owner_links_queued"} {
			if n := len(seriesOf(fams, f, map[string]string{"namespace": ns})); n > 0 {
				left[f] = n
			}
		}
		return len(left) == 0, fmt.Sprint(left)
	})
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
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

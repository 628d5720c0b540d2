// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// chartMetricsReader binds a scraper's ServiceAccount (e2e-prometheus-helm in default, bound to nothing else)
// to the chart's own <release>-<namespace>-metrics-reader ClusterRole, and returns its name.
func chartMetricsReader(t *testing.T) string {
	t.Helper()
	const sa = "e2e-prometheus-helm"
	role := helmRelease + "-" + helmNS + "-metrics-reader"
	sh(t, nil, kubectl, "get", "clusterrole", role) // the chart's, not config/rbac's
	sh(t, []byte(fmt.Sprintf(`
apiVersion: v1
kind: ServiceAccount
metadata: {name: %[1]s, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: %[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[2]s}
subjects:
- {kind: ServiceAccount, name: %[1]s, namespace: default}
`, sa, role)), kubectl, "apply", "-f", "-")
	return sa
}

// leaseNamed tells whether a log line names the Lease ns/name itself (not one whose name only starts so).
func leaseNamed(line, lease string) bool {
	for rest := line; ; {
		i := strings.Index(rest, lease)
		if i < 0 {
			return false
		}
		rest = rest[i+len(lease):]
		if rest == "" || !strings.ContainsAny(rest[:1], "abcdefghijklmnopqrstuvwxyz0123456789-.") {
			return true
		}
	}
}

// deleteAsServiceAccount deletes, while the manager runs as the chart's ServiceAccount, an object of every
// kind with a finalizer: a link with deletionPolicy Delete (news-live: unlinked on the simulator), the
// ObserveOnly and the store's links, an Official Account and its credentials Secret (the in-use finalizer),
// the WeChat Store and its Secret, the ThirdPartyStore and its Secret, and the Open Platform account. The
// finalizers are the manager's to remove, as the chart's ServiceAccount: everything must be gone.
func deleteAsServiceAccount(t *testing.T, simURL string) {
	t.Helper()
	news, live := appIDOf(t, "oa", "yunshan-news"), appIDOf(t, "mp", "media-live")
	if _, ok := simLinks(t, simURL)[news][live]; !ok {
		t.Fatalf("news-live is not linked on the simulator before its deletion")
	}
	objs := []string{"associationlink/news-live", "associationlink/shop-mall", "associationlink/store-news",
		"officialaccount/yunshan-shop", "secret/yunshan-shop-credentials", "wechatstore/yunshan-store",
		"secret/yunshan-store-credentials", "thirdpartystore/yunshan-youzan", "secret/yunshan-youzan-app",
		"openplatformaccount/yunshan-unionid"}
	// Every one but the ObserveOnly link (wxlink never writes for it, so it holds no finalizer) and the
	// Secrets not in use has a finalizer of the manager's.
	withoutFinalizer := []string{"associationlink/shop-mall", "secret/yunshan-youzan-app"}
	for _, o := range objs {
		f := sh(t, nil, kubectl, "get", o, "-n", helmSamplesNS, "-o", "jsonpath={.metadata.finalizers}")
		if f == "" && !slices.Contains(withoutFinalizer, o) {
			t.Errorf("%s has no finalizer: its deletion proves nothing of the RBAC", o)
		}
		t.Logf("%s: finalizers %s", o, f)
	}
	sh(t, nil, kubectl, append([]string{"delete", "-n", helmSamplesNS, "--wait=false"}, objs...)...)
	waitFor(t, "the deleted objects to be gone (their finalizers removed by the manager)", 120*time.Second, func() (bool, string) {
		left, _, _ := try(nil, kubectl, append([]string{"get", "-n", helmSamplesNS, "--ignore-not-found", "-o", "name"}, objs...)...)
		return strings.TrimSpace(left) == "", left
	})
	if s, ok := simLinks(t, simURL)[news][live]; ok {
		t.Errorf("news-live (deletionPolicy Delete) was left on the simulator with status %d", s)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// TestSplitRulesRefusesUnknownResources: a resource of the manager's role that is neither one of wxlink's
// CRDs nor on the allowlists stops chartgen with an error that names it, instead of landing in the
// per-namespace Role (where a cluster-scoped resource would never be granted).
func TestSplitRulesRefusesUnknownResources(t *testing.T) {
	crds, err := crdResources("../..")
	if err != nil {
		t.Fatal(err)
	}
	rule := func(group string, resources ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: []string{"get"}}
	}
	for _, tc := range []struct {
		rules []rbacv1.PolicyRule
		want  string
	}{
		{[]rbacv1.PolicyRule{rule("", "namespaces")}, `"namespaces"`},
		{[]rbacv1.PolicyRule{rule("wechat.wxlink.dev", "officialaccounts"), rule("apps", "deployments")}, `"deployments"`},
		{[]rbacv1.PolicyRule{rule("wechat.wxlink.dev", "gizmos/status")}, `"gizmos/status"`},
		{[]rbacv1.PolicyRule{rule("rbac.authorization.k8s.io", "clusterroles")}, `"clusterroles"`},
		{[]rbacv1.PolicyRule{rule("", "secrets", "nodes")}, `"nodes"`},
		{[]rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}, "names no resource"},
		{[]rbacv1.PolicyRule{{APIGroups: []string{"", "authentication.k8s.io"}, Resources: []string{"secrets", "tokenreviews"},
			Verbs: []string{"create"}}}, `"tokenreviews" of group ""`},
	} {
		if _, _, err := splitRules(tc.rules, crds); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.rules, err, tc.want)
		}
	}
	namespaced, cluster, err := splitRules([]rbacv1.PolicyRule{
		rule("wechat.wxlink.dev", "associationlinks", "associationlinks/status", "associationlinks/finalizers"),
		rule("", "secrets"), rule("events.k8s.io", "events"),
		rule("authentication.k8s.io", "tokenreviews"), rule("authorization.k8s.io", "subjectaccessreviews"),
	}, crds)
	if err != nil || len(namespaced) != 3 || len(cluster) != 2 {
		t.Errorf("known resources: %d namespaced and %d cluster-scoped rules (%v), want 3 and 2", len(namespaced), len(cluster), err)
	}
}

// TestTheRepositorysRulesAreClassified: config/rbac/role.yaml passes, with TokenReview and SubjectAccessReview
// its only cluster-scoped rules.
func TestTheRepositorysRulesAreClassified(t *testing.T) {
	crds, err := crdResources("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(crds) != 10 {
		t.Errorf("%d namespaced CRDs in config/crd/bases, want 10: %v", len(crds), crds)
	}
	rules, err := readRules("../..", "config/rbac/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, cluster, err := splitRules(rules, crds)
	if err != nil {
		t.Fatal(err)
	}
	if len(cluster) != 2 {
		t.Errorf("cluster-scoped rules %v, want TokenReview's and SubjectAccessReview's", cluster)
	}
}

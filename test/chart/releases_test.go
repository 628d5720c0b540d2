// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package chart

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// clusterScopedNames returns the names of the objects a render has outside any namespace, CRDs aside (one
// release installs them).
func clusterScopedNames(objs []unstructured.Unstructured) []string {
	var names []string
	for _, o := range objs {
		if o.GetNamespace() == "" && o.GetKind() != "CustomResourceDefinition" {
			names = append(names, o.GetKind()+"/"+o.GetName())
		}
	}
	return names
}

// TestReleasesInTwoNamespacesDoNotCollide: release wxlink in team-a and release wxlink in team-b (two
// namespace-scoped shards, each its own namespace) name none of their cluster-scoped objects alike, in both
// scopes, also with names so long that they are cut; every name fits in 63 characters.
func TestReleasesInTwoNamespacesDoNotCollide(t *testing.T) {
	long := strings.Repeat("a", 50)
	for _, tc := range []struct{ release, nsA, nsB string }{
		{"wxlink", "team-a", "team-b"},
		{long, long + "-team-a", long + "-team-b"},
	} {
		for _, scope := range [][]string{nil, {"--set", "installScope=namespace"}} {
			var seen []string
			for _, ns := range []string{tc.nsA, tc.nsB} {
				set := slices.Clone(scope)
				if scope != nil {
					set = append(set, "--set", "watchNamespaces={"+ns+"}")
				}
				objs, err := helmTemplateAs(t, tc.release, ns, set...)
				if err != nil {
					t.Fatalf("release %s in %s: %v", tc.release, ns, err)
				}
				names := clusterScopedNames(objs)
				if len(names) < 3 {
					t.Fatalf("release %s in %s %v: only %v are cluster-scoped", tc.release, ns, scope, names)
				}
				for _, n := range names {
					if slices.Contains(seen, n) {
						t.Errorf("%v: releases %s in %s and %s both render %s", scope, tc.release, tc.nsA, tc.nsB, n)
					}
					if _, name, _ := strings.Cut(n, "/"); len(name) > 63 {
						t.Errorf("%s: longer than 63 characters", n)
					}
				}
				seen = append(seen, names...)
			}
		}
	}
}

// TestEachReleaseHasItsOwnLease: the manager's Lease is named after the release unless leaderElection.id
// says otherwise, so that two releases in one namespace elect their leaders apart.
func TestEachReleaseHasItsOwnLease(t *testing.T) {
	for _, tc := range []struct {
		release string
		set     []string
		want    string
	}{
		{"wxlink", nil, "--leader-election-id=wxlink"},
		{"shard-b", nil, "--leader-election-id=shard-b-wxlink"},
		{"shard-b", []string{"--set", "leaderElection.id=fleet.example.com"}, "--leader-election-id=fleet.example.com"},
	} {
		objs, err := helmTemplateAs(t, tc.release, "wxlink-system", tc.set...)
		if err != nil {
			t.Fatal(err)
		}
		name := tc.release
		if !strings.Contains(name, "wxlink") {
			name += "-wxlink"
		}
		args := deployment(t, objs, "wxlink-system/"+name).Spec.Template.Spec.Containers[0].Args
		if n := countPrefix(args, "--leader-election-id="); n != 1 || !slices.Contains(args, tc.want) {
			t.Errorf("release %s %v: args %v, want %s once", tc.release, tc.set, args, tc.want)
		}
	}
}

func countPrefix(args []string, prefix string) int {
	n := 0
	for _, a := range args {
		if strings.HasPrefix(a, prefix) {
			n++
		}
	}
	return n
}

// TestMetricsAuthRBACFollowsTheMetrics: TokenReview and SubjectAccessReview are granted only when the manager
// serves authenticated metrics; a namespace-scoped install without them has no cluster-wide grant at all.
func TestMetricsAuthRBACFollowsTheMetrics(t *testing.T) {
	for _, tc := range []struct {
		set  []string
		want bool
	}{
		{nil, true},
		{[]string{"--set", "metrics.enabled=false"}, false},
		{[]string{"--set", "metrics.secure=false"}, false},
		{namespaceValues, true},
		{append(slices.Clone(namespaceValues), "--set", "metrics.enabled=false"), false},
		{append(slices.Clone(namespaceValues), "--set", "metrics.secure=false"), false},
	} {
		objs := mustTemplate(t, tc.set...)
		var got []string
		for _, r := range byKind(objs, "ClusterRole") {
			for _, g := range grants(t, objs, "ClusterRole", r.GetName()) {
				if strings.HasPrefix(g, "authentication.k8s.io/") || strings.HasPrefix(g, "authorization.k8s.io/") {
					got = append(got, r.GetName()+": "+g)
				}
			}
		}
		if (len(got) > 0) != tc.want {
			t.Errorf("%v: TokenReview/SubjectAccessReview grants %v, want some: %v", tc.set, got, tc.want)
		}
		if !tc.want && slices.Contains(tc.set, "installScope=namespace") {
			if crb := byKind(objs, "ClusterRoleBinding"); len(crb) != 0 {
				t.Errorf("%v: a namespace-scoped install without metrics auth binds %d ClusterRoles", tc.set, len(crb))
			}
		}
	}
}

// TestPortsAndNames: a port shared by the probes and the metrics or the callback is refused with a message
// that says so; the callback Service's name fits in 63 characters with the longest fullname.
func TestPortsAndNames(t *testing.T) {
	for _, set := range [][]string{
		{"--set", "health.port=8443"},
		{"--set", "callback.enabled=true", "--set", "callback.port=8081"},
		{"--set", "callback.enabled=true", "--set", "callback.port=8443"},
	} {
		key, _, _ := strings.Cut(set[len(set)-1], "=")
		if _, err := helmTemplate(t, set...); err == nil || !strings.Contains(err.Error(), key) ||
			!strings.Contains(err.Error(), "port each") && !strings.Contains(err.Error(), "port of its own") {
			t.Errorf("%v: %v, want a refusal that names the ports", set, err)
		}
	}
	// The metrics' port is free when the metrics are off.
	mustTemplate(t, "--set", "metrics.enabled=false", "--set", "health.port=8443")
	objs := mustTemplate(t, "--set", "callback.enabled=true", "--set", "fullnameOverride="+strings.Repeat("x", 63))
	for _, s := range byKind(objs, "Service") {
		if len(s.GetName()) > 63 || !strings.HasSuffix(s.GetName(), "-callback") {
			t.Errorf("the callback Service is named %q (%d characters)", s.GetName(), len(s.GetName()))
		}
	}
}

// TestPodLabelsSurviveAChartBump: the pod template carries no helm.sh/chart label (a new chart version that
// changes nothing of the pod must not restart it), and the Deployment itself does.
func TestPodLabelsSurviveAChartBump(t *testing.T) {
	d := deployment(t, mustTemplate(t), "wxlink-system/wxlink")
	if _, ok := d.Spec.Template.Labels["helm.sh/chart"]; ok {
		t.Errorf("the pod template's labels %v carry helm.sh/chart", d.Spec.Template.Labels)
	}
	if _, ok := d.Labels["helm.sh/chart"]; !ok {
		t.Errorf("the Deployment's labels %v lack helm.sh/chart", d.Labels)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the pod template lacks the selector's %s=%s", k, v)
		}
	}
}

// TestPodDisruptionBudget: off by default; with several replicas it selects the manager's pods and lets one
// go at a time; with one replica it is refused (it would block every node drain).
func TestPodDisruptionBudget(t *testing.T) {
	if pdbs := byKind(mustTemplate(t), "PodDisruptionBudget"); len(pdbs) != 0 {
		t.Errorf("the default install renders %d PodDisruptionBudgets", len(pdbs))
	}
	objs := mustTemplate(t, "--set", "replicaCount=2", "--set", "podDisruptionBudget.enabled=true")
	pdb, ok := byKind(objs, "PodDisruptionBudget")["wxlink-system/wxlink"]
	if !ok {
		t.Fatal("no PodDisruptionBudget with podDisruptionBudget.enabled")
	}
	d := deployment(t, objs, "wxlink-system/wxlink")
	sel, _, _ := unstructured.NestedStringMap(pdb.Object, "spec", "selector", "matchLabels")
	if len(sel) == 0 || !maps.Equal(sel, d.Spec.Selector.MatchLabels) {
		t.Errorf("the PodDisruptionBudget selects %v, the Deployment %v", sel, d.Spec.Selector.MatchLabels)
	}
	if v, _, _ := unstructured.NestedFieldNoCopy(pdb.Object, "spec", "maxUnavailable"); fmt.Sprint(v) != "1" {
		t.Errorf("maxUnavailable %v, want 1", v)
	}
	if _, err := helmTemplate(t, "--set", "podDisruptionBudget.enabled=true"); err == nil || !strings.Contains(err.Error(), "replicaCount") {
		t.Errorf("a PodDisruptionBudget with one replica: %v, want a refusal naming replicaCount", err)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package chart

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// namespaceValues is a namespace-scoped install that watches two namespaces.
var namespaceValues = []string{"--set", "installScope=namespace", "--set", "watchNamespaces={team-a,team-b}"}

// TestCRDsMatchKustomize: the chart installs exactly the CRDs of config/crd, with the same spec.
func TestCRDsMatchKustomize(t *testing.T) {
	want := byName(kustomizeDefault(t), "CustomResourceDefinition")
	if len(want) == 0 {
		t.Fatal("kustomize build config/default has no CRDs")
	}
	for _, scope := range [][]string{nil, namespaceValues} {
		got := byName(mustTemplate(t, scope...), "CustomResourceDefinition")
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
			t.Fatalf("%v: the chart's CRDs %v, config/default's %v", scope, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		for name, crd := range got {
			if !reflect.DeepEqual(crd.Object["spec"], want[name].Object["spec"]) {
				t.Errorf("%v: the spec of CRD %s differs from config/crd's: run `make manifests generate`", scope, name)
			}
		}
	}
}

// TestCRDsAreKeptByDefault: helm.sh/resource-policy: keep unless crds.keep=false; no CRDs with crds.enabled=false.
func TestCRDsAreKeptByDefault(t *testing.T) {
	for _, tc := range []struct {
		set   []string
		count int
		keep  bool
	}{
		{nil, 10, true},
		{[]string{"--set", "crds.keep=false"}, 10, false},
		{[]string{"--set", "crds.enabled=false"}, 0, false},
	} {
		crds := byName(mustTemplate(t, tc.set...), "CustomResourceDefinition")
		if len(crds) != tc.count {
			t.Errorf("%v: %d CRDs, want %d", tc.set, len(crds), tc.count)
		}
		for name, crd := range crds {
			if got := crd.GetAnnotations()["helm.sh/resource-policy"] == "keep"; got != tc.keep {
				t.Errorf("%v: CRD %s has resource-policy keep %v, want %v", tc.set, name, got, tc.keep)
			}
			if crd.GetLabels()["app.kubernetes.io/managed-by"] != "Helm" {
				t.Errorf("CRD %s lacks the chart's labels: %v", name, crd.GetLabels())
			}
		}
	}
}

// TestClusterScopeRBACMatchesKustomize: the cluster-scoped install grants what config/rbac grants, no more,
// cluster-wide, to the chart's ServiceAccount.
func TestClusterScopeRBACMatchesKustomize(t *testing.T) {
	base := kustomizeDefault(t)
	objs := mustTemplate(t)
	if n := len(byKind(objs, "Role")) - 1; n != 0 {
		t.Errorf("cluster scope renders %d Roles besides leader election's", n)
	}
	got := grants(t, objs, "ClusterRole", "wxlink-wxlink-system-manager")
	if want := grants(t, base, "ClusterRole", "wxlink-manager-role"); !reflect.DeepEqual(got, want) {
		t.Errorf("the chart's manager ClusterRole grants\n%v\nconfig/rbac/role.yaml grants\n%v", got, want)
	}
	checkBinding(t, objs, "ClusterRoleBinding", "/wxlink-wxlink-system-manager", "ClusterRole", "wxlink-wxlink-system-manager")
	checkCommonRBAC(t, base, objs)
}

// TestNamespaceScopeRBACMatchesKustomize: the namespace-scoped install grants config/rbac's namespaced rules
// in each watched namespace only (a Role and a RoleBinding there), and cluster-wide only what has no
// namespace; together they are config/rbac's rules, no more.
func TestNamespaceScopeRBACMatchesKustomize(t *testing.T) {
	base := kustomizeDefault(t)
	objs := mustTemplate(t, namespaceValues...)
	if crb := byKind(objs, "ClusterRoleBinding"); len(crb) != 1 {
		t.Errorf("namespace scope has %d ClusterRoleBindings, want 1 (TokenReview and SubjectAccessReview)", len(crb))
	}
	cluster := grants(t, objs, "ClusterRole", "wxlink-wxlink-system-manager-cluster")
	for _, g := range cluster {
		if !strings.HasPrefix(g, "authentication.k8s.io/tokenreviews ") && !strings.HasPrefix(g, "authorization.k8s.io/subjectaccessreviews ") {
			t.Errorf("the cluster-wide ClusterRole of a namespace-scoped install grants %s", g)
		}
	}
	checkBinding(t, objs, "ClusterRoleBinding", "/wxlink-wxlink-system-manager-cluster", "ClusterRole", "wxlink-wxlink-system-manager-cluster")
	want := grants(t, base, "ClusterRole", "wxlink-manager-role")
	for _, ns := range []string{"team-a", "team-b"} {
		inNS := grants(t, objs, "Role", ns+"/wxlink-manager")
		if got := slices.Sorted(slices.Values(append(inNS, cluster...))); !reflect.DeepEqual(got, want) {
			t.Errorf("in %s the chart grants\n%v\nconfig/rbac/role.yaml grants\n%v", ns, got, want)
		}
		checkBinding(t, objs, "RoleBinding", ns+"/wxlink-manager", "Role", "wxlink-manager")
	}
	checkCommonRBAC(t, base, objs)
}

// checkCommonRBAC compares the leader election Role and the metrics-reader ClusterRole with config/rbac's.
func checkCommonRBAC(t *testing.T, base, objs []unstructured.Unstructured) {
	t.Helper()
	if got, want := grants(t, objs, "Role", "wxlink-system/wxlink-leader-election"),
		grants(t, base, "Role", "wxlink-system/wxlink-leader-election-role"); !reflect.DeepEqual(got, want) {
		t.Errorf("leader election: the chart grants %v, config/rbac %v", got, want)
	}
	checkBinding(t, objs, "RoleBinding", "wxlink-system/wxlink-leader-election", "Role", "wxlink-leader-election")
	if got, want := grants(t, objs, "ClusterRole", "wxlink-wxlink-system-metrics-reader"),
		grants(t, base, "ClusterRole", "wxlink-metrics-reader"); !reflect.DeepEqual(got, want) {
		t.Errorf("metrics-reader: the chart grants %v, config/rbac %v", got, want)
	}
}

// checkBinding checks that a binding gives the role to the chart's ServiceAccount.
func checkBinding(t *testing.T, objs []unstructured.Unstructured, kind, key, roleKind, role string) {
	t.Helper()
	o, ok := byKind(objs, kind)[key]
	if !ok {
		t.Errorf("no %s %s", kind, key)
		return
	}
	var b rbacv1.RoleBinding // a ClusterRoleBinding has the same fields
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &b); err != nil {
		t.Fatal(err)
	}
	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: "wxlink", Namespace: "wxlink-system"}
	if b.RoleRef.Kind != roleKind || b.RoleRef.Name != role || !reflect.DeepEqual(b.Subjects, []rbacv1.Subject{sa}) {
		t.Errorf("%s %s binds %v to %v, want %s %s to %v", kind, key, b.RoleRef, b.Subjects, roleKind, role, sa)
	}
}

// grants expands the rules of a role (kind, namespace/name; a bare name for cluster-scoped kinds) into sorted
// "group/resource verb" and "url verb" lines, so that rules written differently but granting the same compare
// equal.
func grants(t *testing.T, objs []unstructured.Unstructured, kind, key string) []string {
	t.Helper()
	if !strings.Contains(key, "/") {
		key = "/" + key
	}
	o, ok := byKind(objs, kind)[key]
	if !ok {
		t.Fatalf("no %s %s among %v", kind, key, slices.Sorted(maps.Keys(byKind(objs, kind))))
	}
	var role rbacv1.ClusterRole // a Role has the same rules
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &role); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					out = append(out, g+"/"+res+" "+v)
				}
			}
			for _, u := range r.NonResourceURLs {
				out = append(out, u+" "+v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// byName returns the cluster-scoped objects of one kind by name.
func byName(objs []unstructured.Unstructured, kind string) map[string]unstructured.Unstructured {
	out := map[string]unstructured.Unstructured{}
	for k, o := range byKind(objs, kind) {
		out[strings.TrimPrefix(k, "/")] = o
	}
	return out
}

// TestDeploymentMatchesKustomize: with the default values the chart runs the manager as config/manager does:
// the same arguments (the chart adds only the leader election namespace and logging), security contexts,
// probes and resources.
func TestDeploymentMatchesKustomize(t *testing.T) {
	want := deployment(t, kustomizeDefault(t), "wxlink-system/wxlink-controller-manager")
	got := deployment(t, mustTemplate(t), "wxlink-system/wxlink")
	for _, a := range want.Spec.Template.Spec.Containers[0].Args {
		if !slices.Contains(got.Spec.Template.Spec.Containers[0].Args, a) {
			t.Errorf("config/manager runs the manager with %s; the chart's args %v lack it", a, got.Spec.Template.Spec.Containers[0].Args)
		}
	}
	w, g := want.Spec.Template.Spec, got.Spec.Template.Spec
	for what, pair := range map[string][2]any{
		"pod security context":       {w.SecurityContext, g.SecurityContext},
		"container security context": {w.Containers[0].SecurityContext, g.Containers[0].SecurityContext},
		"liveness probe":             {w.Containers[0].LivenessProbe, g.Containers[0].LivenessProbe},
		"readiness probe":            {w.Containers[0].ReadinessProbe, g.Containers[0].ReadinessProbe},
		"resources":                  {w.Containers[0].Resources, g.Containers[0].Resources},
		"ports":                      {w.Containers[0].Ports, g.Containers[0].Ports},
		"image":                      {w.Containers[0].Image, g.Containers[0].Image},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s: config/manager has %+v, the chart %+v", what, pair[0], pair[1])
		}
	}
}

func deployment(t *testing.T, objs []unstructured.Unstructured, key string) *appsv1.Deployment {
	t.Helper()
	o, ok := byKind(objs, "Deployment")[key]
	if !ok {
		t.Fatalf("no Deployment %s", key)
	}
	d := &appsv1.Deployment{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package chart

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestBindingsNameTheManagersServiceAccount: every RoleBinding and ClusterRoleBinding of the manager, in
// the kustomize base and in each scope of the chart, binds a ServiceAccount that the same install creates
// (kustomize rewrites a subject's name and namespace only when it finds that ServiceAccount by both: a
// ServiceAccount without `namespace: system` left the base's bindings granting nothing).
func TestBindingsNameTheManagersServiceAccount(t *testing.T) {
	for name, objs := range map[string][]unstructured.Unstructured{
		"kustomize config/default": kustomizeDefault(t),
		"chart, cluster scope":     mustTemplate(t),
		"chart, namespace scope":   mustTemplate(t, "--set", "installScope=namespace", "--set", "watchNamespaces={team-a}"),
	} {
		accounts := map[string]bool{}
		for _, o := range byKind(objs, "ServiceAccount") {
			accounts[o.GetNamespace()+"/"+o.GetName()] = true
		}
		if len(accounts) == 0 {
			t.Fatalf("%s creates no ServiceAccount", name)
		}
		for _, kind := range []string{"RoleBinding", "ClusterRoleBinding"} {
			for _, b := range byKind(objs, kind) {
				subjects, _, _ := unstructured.NestedSlice(b.Object, "subjects")
				for _, s := range subjects {
					m, _ := s.(map[string]any)
					if m["kind"] != "ServiceAccount" {
						continue
					}
					if key, _ := m["namespace"].(string); !accounts[key+"/"+m["name"].(string)] {
						t.Errorf("%s: %s %s binds ServiceAccount %s/%v, which it does not create (it creates %v)",
							name, kind, b.GetName(), key, m["name"], accounts)
					}
				}
			}
		}
	}
}

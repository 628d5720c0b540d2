// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// --prune deletes what kubectl apply --prune would: objects of the allowlist's kinds that kubectl apply made
// (last-applied-configuration), match -l, and the manifests leave out; namespaces in order.
func TestPrunedAsKubectlApply(t *testing.T) {
	applied := func(o client.Object, namespace string) client.Object {
		o.SetNamespace(namespace)
		o.SetLabels(map[string]string{"app": "demo"})
		o.SetAnnotations(map[string]string{corev1.LastAppliedConfigAnnotation: "{}"})
		return o
	}
	byHand := link("by-hand", "mall")
	byHand.Labels = map[string]string{"app": "demo"}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}}
	cluster := []client.Object{applied(link("kept", "mall"), "b"), applied(link("gone-b", "mall"), "b"),
		applied(link("gone-a", "mall"), "a"), byHand, applied(cm, "a")}
	keep := manifest(t, link("kept", "mall"))
	keep.SetNamespace("b")
	other := manifest(t, link("x", "mall"))
	other.SetNamespace("a")
	desired := []*unstructured.Unstructured{keep, other, manifest(t, link("y", "mall"))}
	c := fakeCluster(t, cluster)
	got := func(allowlist ...string) string {
		out, err := pruned(t.Context(), c, desired, "app=demo", allowlist)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, u := range out {
			s += fmt.Sprintf("%s/%s/%s ", u.GetNamespace(), u.GetKind(), u.GetName())
		}
		return s
	}
	for range 5 { // the same order every time
		if s := got(); s != "a/AssociationLink/gone-a b/AssociationLink/gone-b " {
			t.Fatalf("pruned (wxlink kinds) %q", s)
		}
	}
	if s := got("core/v1/ConfigMap"); s != "a/ConfigMap/settings " {
		t.Errorf("pruned with --prune-allowlist core/v1/ConfigMap: %q", s)
	}
	if _, err := pruned(t.Context(), c, desired, "app=demo", []string{"ConfigMap"}); err == nil {
		t.Error("a malformed --prune-allowlist entry is accepted")
	}
}

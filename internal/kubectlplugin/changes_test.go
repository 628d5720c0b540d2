// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Re-applying an existing Namespace changes nothing, though the server filled spec.finalizers: plan
// --exit-code must not exit 2 for ever.
func TestPlanNamespaceUnchanged(t *testing.T) {
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}},
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion("v1")
	u.SetKind("Namespace")
	u.SetName(ns)
	p := planOfManifests(t, []client.Object{nsObj, oa()}, u, manifest(t, oa()))
	if p.HasChanges() {
		t.Errorf("re-applying an existing Namespace: %+v, want no changes", p.Objects)
	}
}

// Without the CRDs (no validator, no defaults), fields the manifest leaves out are not a change.
func TestPlanDefaultedFieldsUnchangedWithoutSchema(t *testing.T) {
	bare := link("news-mall", "mall")
	bare.Spec.DeletionPolicy, bare.Spec.ManagementPolicy = "", ""
	p := planOf(t, []client.Object{oa(mallAppID), mp("mall", mallAppID, parent), linked(link("news-mall", "mall"), time.Hour)},
		[]client.Object{bare}, nil)
	if p.HasChanges() {
		t.Errorf("a manifest without the defaulted fields: %s, want unchanged", p.Objects[0].Action)
	}
}

// Labels and annotations are applied: adding the pause annotation (or a label) is a change.
func TestPlanMetadataChange(t *testing.T) {
	cluster := func() []client.Object {
		return []client.Object{oa(mallAppID), mp("mall", mallAppID, parent), linked(link("news-mall", "mall"), time.Hour)}
	}
	p := planOfManifests(t, cluster(), pausedManifest(t, link("news-mall", "mall")))
	if p.Objects[0].Action != ActionChange {
		t.Errorf("adding the pause annotation: %s, want change", p.Objects[0].Action)
	}
	u := manifest(t, link("news-mall", "mall"))
	u.SetLabels(map[string]string{"team": "mall"})
	if p = planOfManifests(t, cluster(), u); p.Objects[0].Action != ActionChange {
		t.Errorf("adding a label: %s, want change", p.Objects[0].Action)
	}
}

// A field the last apply set and the manifest no longer sets is removed by apply: a change.
func TestPlanRemovedFieldIsAChange(t *testing.T) {
	cur := linked(withProfile(link("news-mall", "mall")), time.Hour)
	last, err := json.Marshal(map[string]any{"apiVersion": wx.GroupVersion.String(), "kind": "AssociationLink",
		"metadata": map[string]any{"name": "news-mall", "namespace": ns}, "spec": cur.Spec})
	if err != nil {
		t.Fatal(err)
	}
	cur.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: string(last)}
	cluster := []client.Object{oa(mallAppID), mp("mall", mallAppID, parent), cur}
	if p := planOf(t, cluster, []client.Object{withProfile(link("news-mall", "mall"))}, nil); p.HasChanges() {
		t.Errorf("the last applied manifest again: %s, want unchanged", p.Objects[0].Action)
	}
	cur = cur.DeepCopy()
	cur.ResourceVersion = ""
	cluster = []client.Object{oa(mallAppID), mp("mall", mallAppID, parent), cur}
	if p := planOf(t, cluster, []client.Object{link("news-mall", "mall")}, nil); !p.HasChanges() {
		t.Errorf("a manifest without spec.officialAccount that the last apply set: unchanged, want change")
	}
}

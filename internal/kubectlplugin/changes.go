// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// changes reports whether applying the manifest d changes the live object cur, as kubectl apply judges it:
// every field the manifest sets (metadata labels and annotations included) must equal the live object's,
// and no field the last apply set (the last-applied-configuration annotation) may be gone from the
// manifest, since apply removes it. Fields the manifest leaves out (server defaults, spec.finalizers of a
// Namespace, what controllers write) are not compared: so it needs no schema, and a plan without access to
// the CRDs reads a defaulted object as unchanged. Written by hand: apply's own diff (a server-side dry run)
// writes to the cluster's admission chain, which a read-only plan must not.
func changes(d, cur *unstructured.Unstructured) bool {
	want := applied(d.Object)
	if !subset(want, cur.Object) {
		return true
	}
	last := cur.GetAnnotations()[corev1.LastAppliedConfigAnnotation]
	if last == "" {
		return false
	}
	var prev map[string]any
	if err := json.Unmarshal([]byte(last), &prev); err != nil {
		return false // not kubectl's writing: nothing to remove
	}
	return !keysIn(applied(prev), want)
}

// applied is what a manifest sets, as the API server stores it: status and the identity fields dropped
// (they are not applied), a Secret's stringData written into data.
func applied(obj map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		switch k {
		case "status", "apiVersion", "kind", "stringData":
		case "metadata":
			md, _ := v.(map[string]any)
			m := map[string]any{}
			for _, f := range []string{"labels", "annotations"} {
				if x, ok := md[f].(map[string]any); ok && len(x) > 0 {
					m[f] = without(x, corev1.LastAppliedConfigAnnotation)
				}
			}
			if len(m) > 0 {
				out[k] = m
			}
		default:
			out[k] = v
		}
	}
	if sd, ok := obj["stringData"].(map[string]any); ok {
		data := map[string]any{}
		if d, ok := out["data"].(map[string]any); ok {
			for k, v := range d {
				data[k] = v
			}
		}
		for k, v := range sd {
			if s, ok := v.(string); ok {
				data[k] = base64Encode(s)
			}
		}
		out["data"] = data
	}
	return out
}

func without(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// subset reports whether every field of want is in have with the same value; maps are compared field by
// field, everything else (lists included: a merge patch replaces them) whole. A null in want is a removal:
// the field must be absent.
func subset(want, have any) bool {
	w, ok := want.(map[string]any)
	if !ok {
		return equalValues(want, have)
	}
	h, ok := have.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range w {
		hv, present := h[k]
		if wv == nil {
			if present && hv != nil {
				return false
			}
			continue
		}
		if !present || !subset(wv, hv) {
			return false
		}
	}
	return true
}

// equalValues compares decoded JSON values, numbers by value (a manifest's 1 and the server's 1.0).
func equalValues(a, b any) bool {
	af, aNum := number(a)
	bf, bNum := number(b)
	if aNum && bNum {
		return af == bf
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	case int32:
		return float64(n), true
	}
	return 0, false
}

// keysIn reports whether every map key of prev is still in now (values aside), recursively into maps.
func keysIn(prev, now any) bool {
	p, ok := prev.(map[string]any)
	if !ok {
		return true
	}
	n, ok := now.(map[string]any)
	if !ok {
		return false
	}
	for k, pv := range p {
		nv, present := n[k]
		if !present || !keysIn(pv, nv) {
			return false
		}
	}
	return true
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/health"
)

// reasonConstants are the values of every Reason* constant declared in the files: the reasons wxlink, its
// rules and the platform's errcodes can put in a condition.
func reasonConstants(t *testing.T, files ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range files {
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if lit, ok := valueAt(vs, i).(*ast.BasicLit); ok && strings.HasPrefix(name.Name, "Reason") && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					out[v] = f + ": " + name.Name
				}
			}
			return true
		})
	}
	return out
}

func valueAt(vs *ast.ValueSpec, i int) ast.Expr {
	if i < len(vs.Values) {
		return vs.Values[i]
	}
	return nil
}

// Every reason has a decided health, and the table names no reason that does not exist.
func TestEveryReasonHasADecidedHealth(t *testing.T) {
	declared := reasonConstants(t, "../api/v1alpha1/conditions.go", "../internal/rules/violation.go", "../internal/rules/stores.go",
		"../internal/platform/errors.go", "../internal/platform/store.go")
	for reason, where := range declared {
		if _, ok := wx.ReasonHealth[reason]; !ok {
			t.Errorf("reason %q (%s) has no health in api/v1alpha1.ReasonHealth: decide it, and what Argo CD shows", reason, where)
		}
	}
	for reason := range wx.ReasonHealth {
		if _, ok := declared[reason]; !ok {
			t.Errorf("ReasonHealth names %q, which no Reason constant declares", reason)
		}
	}
}

// For every reason that can be Ready's, the conditions ready() writes read as the table says, to kstatus
// and to the Argo CD health check wxlink ships.
func TestReadyConditionsReadAsTheirHealth(t *testing.T) {
	reasons := make([]string, 0, len(wx.ReasonHealth))
	for r, h := range wx.ReasonHealth {
		if h != wx.HealthDetail {
			reasons = append(reasons, r)
		}
	}
	sort.Strings(reasons)
	for _, reason := range reasons {
		h := wx.ReasonHealth[reason]
		link := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "ns", Generation: 3}}
		link.SetGroupVersionKind(wx.GroupVersion.WithKind("AssociationLink"))
		cond := metav1.ConditionFalse
		if h == wx.HealthHealthy {
			cond = metav1.ConditionTrue
		}
		ready(link, cond, reason, "because")
		link.Status.ObservedGeneration = 3
		wantK, wantA := health.Expected(h)
		gotK, gotA := read(t, link)
		if gotK != wantK || gotA != wantA {
			t.Errorf("Ready reason %s (%s): kstatus %s, Argo CD %s; want %s, %s", reason, h, gotK, gotA, wantK, wantA)
		}
	}
}

// A status that does not describe the current generation reads as in progress, whatever it says.
func TestAStaleStatusReadsAsInProgress(t *testing.T) {
	oa := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: "oa", Namespace: "ns", Generation: 4}}
	oa.SetGroupVersionKind(wx.GroupVersion.WithKind("OfficialAccount"))
	ready(oa, metav1.ConditionTrue, wx.ReasonAvailable, "observed")
	oa.Status.ObservedGeneration = 3
	if k, a := read(t, oa); k != status.InProgressStatus || a != health.ArgoProgressing {
		t.Errorf("an old Ready=True reads %s, %s; want InProgress, Progressing", k, a)
	}
}

// read computes kstatus and the Argo CD health of obj.
func read(t *testing.T, obj runtime.Object) (status.Status, string) {
	t.Helper()
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	res, err := status.Compute(&unstructured.Unstructured{Object: content})
	if err != nil {
		t.Fatal(err)
	}
	argo, _, err := health.ArgoCD(content)
	if err != nil {
		t.Fatal(err)
	}
	return res.Status, argo
}

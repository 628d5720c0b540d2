// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package chart

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTroubleshootingTableNamesEveryReason: docs/operations.md has a row for every condition reason of
// api/v1alpha1/conditions.go, and no row for a reason that does not exist.
func TestTroubleshootingTableNamesEveryReason(t *testing.T) {
	reasons := reasonConstants(t)
	if len(reasons) < 30 {
		t.Fatalf("found only %d reasons in conditions.go: %v", len(reasons), reasons)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "\n## Troubleshooting\n")
	if !ok {
		t.Fatal("docs/operations.md has no section ## Troubleshooting")
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if cell, ok := strings.CutPrefix(line, "| `"); ok {
			rows[strings.SplitN(cell, "`", 2)[0]] = true
		}
	}
	for _, r := range reasons {
		if !rows[r] {
			t.Errorf("docs/operations.md's troubleshooting table has no row for reason %s", r)
		}
		delete(rows, r)
	}
	for r := range rows {
		t.Errorf("docs/operations.md's troubleshooting table has a row for %s, which is no reason of conditions.go", r)
	}
}

// reasonConstants returns the values of the Reason* constants of api/v1alpha1/conditions.go.
func reasonConstants(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "api", "v1alpha1", "conditions.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					t.Fatalf("%s is not a string literal", name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Command conditions prints the condition types, condition reasons and event reasons declared in
// api/v1alpha1/conditions.go as Markdown tables, for docs/api.md. crd-ref-docs documents the types of
// fields; these constants are plain strings used as metav1.Condition values, so it cannot see them.
package main

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: conditions path/to/conditions.go")
		os.Exit(2)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, os.Args[1], nil, parser.ParseComments)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pkg, err := doc.NewFromFiles(fset, []*ast.File{file}, "api", doc.PreserveAST)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("\n## Conditions, reasons and events")
	fmt.Println("\nEvery kind reports `Ready` (kstatus-compatible: `kubectl wait --for=condition=Ready`, Flux and Argo CD" +
		" read it) and `Synced`. Reasons are stable; alerts may match on them.")
	for _, group := range pkg.Consts {
		title := strings.TrimSpace(strings.SplitN(group.Doc, ".", 2)[0])
		fmt.Printf("\n### %s\n\n| Constant | Value | Meaning |\n| --- | --- | --- |\n", title)
		for _, spec := range group.Decl.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				value := ""
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
						value = strings.Trim(lit.Value, `"`)
					}
				}
				meaning := strings.Join(strings.Fields(vs.Doc.Text()), " ")
				meaning = strings.TrimPrefix(meaning, name.Name+": ")
				fmt.Printf("| `%s` | `%s` | %s |\n", name.Name, value, meaning)
			}
		}
	}
}

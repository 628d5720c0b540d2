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
	"sort"
	"strings"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
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
	fmt.Println("\nEvery kind reports `Ready` and `Synced`, and the kstatus conditions `Reconciling` and `Stalled`" +
		" (`kubectl wait --for=condition=Ready` and Flux read them; Argo CD reads them through the health check in" +
		" `config/argocd`). Every reason has a decided health (docs/gitops.md). Reasons are stable; alerts may match on them.")
	seen := map[string]bool{}
	for _, group := range pkg.Consts {
		title := strings.TrimSpace(strings.SplitN(group.Doc, ".", 2)[0])
		reasons := strings.HasPrefix(title, "Condition reasons")
		if reasons {
			fmt.Printf("\n### %s\n\n| Constant | Value | Health | Meaning |\n| --- | --- | --- | --- |\n", title)
		} else {
			fmt.Printf("\n### %s\n\n| Constant | Value | Meaning |\n| --- | --- | --- |\n", title)
		}
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
				if reasons {
					fmt.Printf("| `%s` | `%s` | %s | %s |\n", name.Name, value, wx.HealthOf(value), meaning)
					seen[value] = true
				} else {
					fmt.Printf("| `%s` | `%s` | %s |\n", name.Name, value, meaning)
				}
			}
		}
	}
	printOtherReasons(seen)
}

// printOtherReasons lists the reasons the rules and the platform's errcodes put in conditions, with their
// health.
func printOtherReasons(seen map[string]bool) {
	var others []string
	for r := range wx.ReasonHealth {
		if !seen[r] {
			others = append(others, r)
		}
	}
	sort.Strings(others)
	fmt.Println("\n### Reasons of the platform's rules and errcodes\n\nA rule violation (internal/rules) or a refusal" +
		" by the platform (internal/platform) is reported with its own reason.\n\n| Value | Health |\n| --- | --- |")
	for _, r := range others {
		fmt.Printf("| `%s` | %s |\n", r, wx.ReasonHealth[r])
	}
}

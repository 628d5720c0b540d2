// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package chart

import (
	"strings"
	"testing"
)

// TestNotesFollowTheScope: the notes `helm install` prints tell the next step in the namespaces the install
// serves, and where the docs are.
func TestNotesFollowTheScope(t *testing.T) {
	// A client-side dry run renders the notes without a cluster (TestMain points the kubeconfig nowhere).
	for _, tc := range []struct {
		set       []string
		want, not []string
	}{
		{nil, []string{"Scope: cluster", "kubectl wait -n <your-namespace> --for=condition=Ready platformconfig", "are kept",
			"kubectl apply -k config/samples"},
			[]string{"watches only", "does not watch"}},
		// config/samples pins namespace yunshan: a namespace-scoped release that does not watch it gets an overlay.
		{append(namespaceValues, "--set", "crds.keep=false"),
			[]string{"Scope: namespace", "watches only: team-a, team-b", "kubectl apply -n team-a -f platformconfig.yaml",
				"which this release does not watch", `printf 'namespace: team-a\nresources:`, "kubectl apply -k ."},
			[]string{"<your-namespace>", "are kept", "kubectl apply -k config/samples"}},
		{[]string{"--set", "installScope=namespace", "--set", "watchNamespaces={yunshan}"},
			[]string{"kubectl apply -k config/samples"}, []string{"does not watch"}},
	} {
		out, err := run(tool(t, "HELM", "helm"), append([]string{"install", "wxlink", "charts/wxlink", "-n", "wxlink-system",
			"--dry-run=client"}, tc.set...)...)
		if err != nil {
			t.Fatalf("helm install --dry-run=client %v: %v", tc.set, err)
		}
		_, notes, ok := strings.Cut(string(out), "\nNOTES:\n")
		if !ok {
			t.Fatalf("%v: no NOTES in %.500s", tc.set, out)
		}
		for _, w := range append(tc.want, "docs/operations.md", "kubectl rollout status deployment/wxlink -n wxlink-system") {
			if !strings.Contains(notes, w) {
				t.Errorf("%v: the notes lack %q:\n%s", tc.set, w, notes)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(notes, n) {
				t.Errorf("%v: the notes say %q:\n%s", tc.set, n, notes)
			}
		}
	}
}

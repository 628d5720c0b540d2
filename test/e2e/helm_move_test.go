// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// staleCRD is the CRD the kustomize install of moveFromKustomize carries in another version than the chart's,
// and staleDescription the change: enough for Helm 4's server-side apply to meet kubectl's ownership of
// .spec.versions.
const (
	staleCRD         = "associationlinks.wechat.wxlink.dev"
	staleDescription = "An older AssociationLink (the e2e test's kustomize install of another wxlink version)."
)

// moveFromKustomize installs config/default as `make deploy` does (server-side, as kubectl's field manager),
// with one CRD changed, and moves to the chart with the commands of docs/operations.md's "Moving from the
// kustomize base to the chart", as written there: the removal, then Helm 4's install, with the test's values
// appended. It first checks that Helm 4 without --force-conflicts fails on the changed CRD, so that the
// documented flags are shown to be needed, and at the end that the chart's CRD replaced the changed one.
func moveFromKustomize(t *testing.T, helm string, values ...string) string {
	t.Helper()
	sh(t, kustomizeDeployWithStaleCRD(t), kubectl, "apply", "--server-side", "-f", "-")
	if d := crdDescription(t); d != staleDescription {
		t.Fatalf("the kustomize install's %s has description %q, want the changed one", staleCRD, d)
	}
	removal, install := movingCommands(t)
	useTools(t, helm)
	for _, line := range removal {
		shell(t, line)
	}
	// Helm 4 applies server-side: without --force-conflicts kubectl's ownership of the changed CRD stops it.
	_, stderr, err := try(nil, helm, append([]string{"install", helmRelease, "charts/wxlink", "-n", helmNS, "--take-ownership"}, values...)...)
	if err == nil || !strings.Contains(stderr, "conflict") {
		t.Fatalf("helm install --take-ownership over a changed CRD without --force-conflicts: %v %s, want a conflict", err, stderr)
	}
	t.Logf("without --force-conflicts: %s", firstLine(stderr))
	sh(t, nil, helm, "uninstall", helmRelease, "-n", helmNS, "--wait") // the failed release; the CRDs are kept
	quoted := make([]string, 0, len(values))
	for _, v := range values {
		quoted = append(quoted, "'"+v+"'")
	}
	notes := shell(t, install+" "+strings.Join(quoted, " "))
	if d := crdDescription(t); d == staleDescription {
		t.Errorf("after the documented helm install, %s is still the kustomize install's", staleCRD)
	}
	return notes
}

// kustomizeDeployWithStaleCRD renders config/default with staleCRD's schema description changed.
func kustomizeDeployWithStaleCRD(t *testing.T) []byte {
	t.Helper()
	d := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(sh(t, nil, kustom, "build", "config/default")), 4096)
	var out bytes.Buffer
	changed := false
	for {
		var u unstructured.Unstructured
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		if u.GetKind() == "CustomResourceDefinition" && u.GetName() == staleCRD {
			versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
			v := versions[0].(map[string]any)
			if err := unstructured.SetNestedField(v, staleDescription, "schema", "openAPIV3Schema", "description"); err != nil {
				t.Fatal(err)
			}
			if err := unstructured.SetNestedSlice(u.Object, versions, "spec", "versions"); err != nil {
				t.Fatal(err)
			}
			changed = true
		}
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	if !changed {
		t.Fatalf("config/default has no CRD %s", staleCRD)
	}
	return out.Bytes()
}

func crdDescription(t *testing.T) string {
	t.Helper()
	return sh(t, nil, kubectl, "get", "crd", staleCRD, "-o", "jsonpath={.spec.versions[0].schema.openAPIV3Schema.description}")
}

// movingCommands reads docs/operations.md's section "Moving from the kustomize base to the chart": the
// commands of its first block (the removal) and the helm install of its second (Helm 4's).
func movingCommands(t *testing.T) ([]string, string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "### Moving from the kustomize base to the chart\n")
	if !ok {
		t.Fatal("docs/operations.md has no section Moving from the kustomize base to the chart")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks [][]string
	for _, part := range strings.Split(section, "```sh\n")[1:] {
		body, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, strings.Split(strings.TrimSpace(strings.ReplaceAll(body, "\\\n", "")), "\n"))
	}
	if len(blocks) < 2 || len(blocks[1]) != 1 || !strings.HasPrefix(blocks[1][0], "helm install ") ||
		!strings.Contains(blocks[1][0], "--force-conflicts") {
		t.Fatalf("docs/operations.md's move: want a removal block, then Helm 4's helm install; got %q", blocks)
	}
	for _, line := range blocks[0] {
		if !strings.HasPrefix(line, "kubectl delete ") {
			t.Fatalf("docs/operations.md's removal block runs %q", line)
		}
	}
	if want := " -n " + helmNS + " "; !strings.Contains(blocks[1][0]+" ", want) {
		t.Fatalf("the doc's install %q is not in the test's release namespace %s", blocks[1][0], helmNS)
	}
	return blocks[0], blocks[1][0]
}

// useTools puts the tests' helm and kubectl first on the PATH, under the names the doc's commands use.
func useTools(t *testing.T, helm string) {
	t.Helper()
	dir := t.TempDir()
	kubectlPath, err := exec.LookPath(kubectl)
	if err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"helm": helm, "kubectl": kubectlPath} {
		abs, err := filepath.Abs(target)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// shell runs a command line of the docs with sh.
func shell(t *testing.T, line string) string {
	t.Helper()
	t.Logf("$ %s", line)
	return sh(t, nil, "sh", "-c", line)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

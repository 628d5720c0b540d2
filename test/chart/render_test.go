// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package chart tests the Helm chart (charts/wxlink) as its users meet it: rendered by Helm (bin/helm, built
// from hack/tools/helm/go.mod) and compared with the kustomize base (config/default), so that the two cannot
// drift, and with bad values refused by values.schema.json; and docs/operations.md's troubleshooting table
// against the condition reasons. `make helm-lint` (part of `make test`) runs it.
package chart

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestMain keeps Helm away from the developer's cluster and Helm configuration: no kubeconfig, and its config,
// cache and data in a directory of its own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wxlink-chart-test")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{"KUBECONFIG": filepath.Join(dir, "none"), "HELM_CONFIG_HOME": dir,
		"HELM_CACHE_HOME": dir, "HELM_DATA_HOME": dir} {
		if err := os.Setenv(k, v); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// root is the repository.
var root = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "..", "..")
}()

// tool is the binary of a tool: $ENV, or bin/<name> of the repository. A missing tool fails the test (the
// Makefile builds them): a skipped comparison would let the chart drift unnoticed.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		path = filepath.Join(root, "bin", name)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s: %v (run `make %s`, or set %s)", name, err, name, env)
	}
	return path
}

// run runs a command in the repository with a deadline; it returns stdout, and stderr in the error.
func run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()) + ": " + err.Error())
	}
	return stdout.Bytes(), nil
}

// helmTemplate renders the chart as release wxlink in namespace wxlink-system with the given --set values
// (and values files, with -f); it returns the error of a refused render.
func helmTemplate(t *testing.T, args ...string) ([]unstructured.Unstructured, error) {
	t.Helper()
	return helmTemplateAs(t, "wxlink", "wxlink-system", args...)
}

// helmTemplateAs renders the chart as a release of the given name in the given namespace.
func helmTemplateAs(t *testing.T, release, namespace string, args ...string) ([]unstructured.Unstructured, error) {
	t.Helper()
	out, err := run(tool(t, "HELM", "helm"), append([]string{"template", release, "charts/wxlink", "-n", namespace}, args...)...)
	if err != nil {
		return nil, err
	}
	return decode(t, out), nil
}

// mustTemplate renders the chart and fails the test if Helm refuses.
func mustTemplate(t *testing.T, args ...string) []unstructured.Unstructured {
	t.Helper()
	objs, err := helmTemplate(t, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v", args, err)
	}
	return objs
}

// kustomizeDefault renders the kustomize base config/default.
func kustomizeDefault(t *testing.T) []unstructured.Unstructured {
	t.Helper()
	out, err := run(tool(t, "KUSTOMIZE", "kustomize"), "build", "config/default")
	if err != nil {
		t.Fatalf("kustomize build config/default: %v", err)
	}
	return decode(t, out)
}

// decode splits a multi-document YAML stream into objects.
func decode(t *testing.T, stream []byte) []unstructured.Unstructured {
	t.Helper()
	var objs []unstructured.Unstructured
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	for {
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("decoding rendered YAML: %v", err)
		}
		if m != nil {
			objs = append(objs, unstructured.Unstructured{Object: m})
		}
	}
}

// byKind returns the objects of one kind, by namespace/name.
func byKind(objs []unstructured.Unstructured, kind string) map[string]unstructured.Unstructured {
	out := map[string]unstructured.Unstructured{}
	for _, o := range objs {
		if o.GetKind() == kind {
			out[o.GetNamespace()+"/"+o.GetName()] = o
		}
	}
	return out
}

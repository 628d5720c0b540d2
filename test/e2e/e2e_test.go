// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package e2e runs wxlink as a user meets it: a local control plane (real etcd and kube-apiserver on
// loopback, hack/local-controlplane.sh), the CRDs installed with kustomize, and kubectl apply, get and delete
// of YAML. `make test-e2e` runs it; it starts and stops its own control plane in $WXLINK_LOCAL_DIR.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	root    string // the repository
	kubectl = envOr("KUBECTL", "kubectl")
	kustom  = envOr("KUSTOMIZE", "")
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	root = filepath.Join(wd, "..", "..")
	if kustom == "" {
		kustom = filepath.Join(root, "bin", "kustomize")
	}
	if os.Getenv("WXLINK_LOCAL_DIR") == "" {
		// Never share the developer's own local control plane (make controlplane-up) with the tests.
		_ = os.Setenv("WXLINK_LOCAL_DIR", filepath.Join(root, ".local", "e2e"))
	}
	script := filepath.Join(root, "hack", "local-controlplane.sh")
	// The first run builds etcd and kube-apiserver (minutes); later runs start in seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	up := exec.CommandContext(ctx, script, "up")
	up.Stdout, up.Stderr = os.Stdout, os.Stderr
	if err := up.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "starting the local control plane:", err)
		return 1
	}
	defer func() {
		down := exec.CommandContext(context.WithoutCancel(ctx), script, "down")
		down.Stdout, down.Stderr = os.Stdout, os.Stderr
		_ = down.Run()
	}()
	out, err := exec.CommandContext(ctx, script, "kubeconfig").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "locating the kubeconfig:", err)
		return 1
	}
	_ = os.Setenv("KUBECONFIG", strings.TrimSpace(string(out)))
	return m.Run()
}

// sh runs a command with a deadline and returns its stdout; it fails the test on error.
func sh(t *testing.T, stdin []byte, name string, args ...string) string {
	t.Helper()
	stdout, stderr, err := try(stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

// try runs a command with a deadline and returns its stdout, stderr and error.
func try(stdin []byte, name string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = root
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

var kinds = []string{
	"associationlinks", "channelsaccounts", "merchantbindings", "miniprograms", "officialaccounts",
	"openplatformaccounts", "platformconfigs", "thirdpartystores", "wechatstores", "wecomcorps",
}

// installCRDs does what `make install` does: kustomize build config/crd | kubectl apply.
func installCRDs(t *testing.T) {
	t.Helper()
	crds := sh(t, nil, kustom, "build", "config/crd")
	sh(t, []byte(crds), kubectl, "apply", "--server-side", "-f", "-")
	names := make([]string, 0, len(kinds))
	for _, k := range kinds {
		names = append(names, "crd/"+k+".wechat.wxlink.dev")
	}
	sh(t, nil, kubectl, append([]string{"wait", "--for=condition=Established", "--timeout=60s"}, names...)...)
}

func TestInstallAndDiscover(t *testing.T) {
	installCRDs(t)

	resources := sh(t, nil, kubectl, "api-resources", "--api-group=wechat.wxlink.dev", "-o", "name")
	for _, k := range kinds {
		if !strings.Contains(resources, k+".wechat.wxlink.dev") {
			t.Errorf("kubectl api-resources does not list %s:\n%s", k, resources)
		}
	}
	// Every kind is in the category wechat, so `kubectl get wechat` lists them all.
	wide := sh(t, nil, kubectl, "api-resources", "--categories=wechat", "-o", "name")
	if got := strings.Count(strings.TrimSpace(wide), "\n") + 1; got != len(kinds) {
		t.Errorf("category wechat has %d resources, want %d:\n%s", got, len(kinds), wide)
	}
	// The short names a user types.
	sh(t, nil, kubectl, "get", "oa,mp,link,mb,opa,ch,wecom,store,tps,wxpc", "-A")
}

func TestBadYAMLIsRejectedAtApply(t *testing.T) {
	installCRDs(t)
	sh(t, nil, kubectl, "create", "namespace", "e2e-bad")
	t.Cleanup(func() { _, _, _ = try(nil, kubectl, "delete", "namespace", "e2e-bad", "--wait=false") })

	cases := []struct{ name, yaml, want string }{
		{"mismatched link type", `
apiVersion: wechat.wxlink.dev/v1alpha1
kind: AssociationLink
metadata: {name: bad, namespace: e2e-bad}
spec:
  type: OfficialAccountToMiniProgram
  from: {kind: ChannelsAccount, name: c}
  to: {kind: MiniProgram, name: m}
`, "type OfficialAccountToMiniProgram joins from.kind OfficialAccount to to.kind MiniProgram, not ChannelsAccount to MiniProgram"},
		{"bad AppID", `
apiVersion: wechat.wxlink.dev/v1alpha1
kind: MiniProgram
metadata: {name: bad, namespace: e2e-bad}
spec:
  appID: wx12345
  platformConfigRef: {name: wechat}
  subject: {name: 深圳市云杉科技有限公司, type: Enterprise}
`, `"wx12345" is not a WeChat AppID`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := try([]byte(tc.yaml), kubectl, "apply", "-f", "-")
			if err == nil {
				t.Fatalf("kubectl apply accepted %s", tc.name)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("kubectl apply said %q, want it to contain %q", stderr, tc.want)
			}
		})
	}
}

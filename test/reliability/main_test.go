// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

var (
	size     = flag.Int("size", 20, "Official Accounts per scenario, 10 links each (the issue's default: 20, 200 links)")
	kills    = flag.Int("kills", 20, "SIGKILLs of the manager in TestSIGKILLChaos")
	faultPct = flag.Float64("fault-rate", 0.2, "share of the calls to each API that the fault matrix faults")
	// The short run sets it (make test-reliability-short): its scenarios are small and mostly wait. The full
	// run leaves them one after another: 200 links each at once would contend for a 2-core machine's CPU
	// (and stretch the failover gap the suite bounds).
	concurrent = flag.Bool("concurrent", false, "run the scenarios at the same time (the apiserver restart alone first, until the fleet has converged after it)")

	root     string                // the repository
	localDir string                // $WXLINK_LOCAL_DIR: the control plane's state, and the scenarios' logs
	kubeconf string                // the admin kubeconfig of the local control plane
	k8s      client.Client         // the suite's own client (no client-side rate limit)
	rest     *kubernetes.Clientset // for what the typed client cannot read: kube-apiserver's metrics
	kubectl  = envOr("KUBECTL", "kubectl")
	kustom   = envOr("KUSTOMIZE", "")
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

// run starts the local control plane and installs the CRDs, runs the scenarios, and stops it.
func run(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	root = filepath.Join(wd, "..", "..")
	localDir = envOr("WXLINK_LOCAL_DIR", filepath.Join(root, ".local", "reliability"))
	_ = os.Setenv("WXLINK_LOCAL_DIR", localDir) // never the developer's own control plane
	if kustom == "" {
		kustom = filepath.Join(root, "bin", "kustomize")
	}
	for _, b := range []string{"manager", "wechatsim"} {
		if _, err := os.Stat(filepath.Join(root, "bin", b)); err != nil {
			fmt.Fprintf(os.Stderr, "bin/%s is missing: run `make reliability`, which builds it\n", b)
			return 1
		}
	}
	script := filepath.Join(root, "hack", "local-controlplane.sh")
	// A run that died without its cleanup (a timeout's panic) may have left its control plane running: never
	// reuse it, with whatever its etcd holds.
	if out, err := command(time.Minute, nil, script, "down"); err != nil {
		fmt.Fprintln(os.Stderr, "stopping a control plane left by an earlier run:", err, out)
		return 1
	}
	if out, err := command(10*time.Minute, nil, script, "up"); err != nil {
		fmt.Fprintln(os.Stderr, "starting the local control plane:", err, out)
		return 1
	}
	defer func() { _, _ = command(time.Minute, nil, script, "down") }()
	kubeconf = filepath.Join(localDir, "kubeconfig")
	_ = os.Setenv("KUBECONFIG", kubeconf)
	if err := connect(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := installCRDs(); err != nil {
		fmt.Fprintln(os.Stderr, "installing the CRDs:", err)
		return 1
	}
	return m.Run()
}

// connect makes the suite's client from the control plane's kubeconfig.
func connect() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconf)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = -1, 0
	cfg.Timeout = 30 * time.Second // a request to an apiserver that hangs (it restarts mid-run) ends
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wx.AddToScheme, corev1.AddToScheme,
		coordinationv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return err
		}
	}
	if rest, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	return err
}

// installCRDs does what `make install` does: kustomize build config/crd | kubectl apply.
func installCRDs() error {
	crds, err := command(2*time.Minute, nil, kustom, "build", filepath.Join(root, "config", "crd"))
	if err != nil {
		return fmt.Errorf("%w: %s", err, crds)
	}
	if out, err := command(2*time.Minute, []byte(crds), kubectl, "apply", "--server-side", "-f", "-"); err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	out, err := command(2*time.Minute, nil, kubectl, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/associationlinks.wechat.wxlink.dev", "crd/officialaccounts.wechat.wxlink.dev",
		"crd/miniprograms.wechat.wxlink.dev", "crd/platformconfigs.wechat.wxlink.dev")
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// command runs a program with a deadline; it returns its stdout, or its stdout and stderr on failure.
func command(timeout time.Duration, stdin []byte, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = root
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return strings.TrimSpace(stdout.String() + "\n" + stderr.String()), err
	}
	return stdout.String(), nil
}

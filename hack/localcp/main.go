// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Command localcp runs a long-lived, real Kubernetes control plane (etcd and kube-apiserver) on loopback
// for `make demo`, the e2e suite and manual use with kubectl and k9s. It reuses controller-runtime's envtest
// control plane, which provisions the serving certificates and an admin user, and writes an admin
// kubeconfig. It runs until SIGINT or SIGTERM, then stops both processes and removes their data. SIGUSR1
// restarts kube-apiserver with the same command line while etcd keeps running (test/reliability).
//
// hack/local-controlplane.sh wraps it with up, down, status and kubeconfig.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func main() {
	assets := flag.String("assets", os.Getenv("KUBEBUILDER_ASSETS"), "directory with the etcd and kube-apiserver binaries")
	kubeconfig := flag.String("write-kubeconfig", "", "where to write the admin kubeconfig (required)")
	crds := flag.String("crds", "", "optional directory of CRD manifests to install once the apiserver is up")
	flag.Parse()
	if *kubeconfig == "" || *assets == "" {
		fmt.Fprintln(os.Stderr, "localcp: -write-kubeconfig and -assets (or KUBEBUILDER_ASSETS) are required")
		os.Exit(2)
	}
	if err := run(*assets, *kubeconfig, *crds); err != nil {
		fmt.Fprintln(os.Stderr, "localcp:", err)
		os.Exit(1)
	}
}

func run(assets, kubeconfig, crds string) error {
	// Catch SIGINT and SIGTERM before starting anything: a signal during start-up must stop etcd and
	// kube-apiserver too, not kill this process and leave them running.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SIGUSR1 too, before the kubeconfig appears (a caller may signal as soon as it does): uncaught, it would
	// kill this process and leave etcd and kube-apiserver running. One that comes during start-up waits in
	// the channel and is served once the control plane is up.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	env := &envtest.Environment{BinaryAssetsDirectory: assets, ErrorIfCRDPathMissing: crds != ""}
	if crds != "" {
		env.CRDDirectoryPaths = []string{crds}
	}
	_, err := env.Start()
	defer func() { _ = env.Stop() }() // also after a failed or interrupted start: stops what did start
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	if ctx.Err() != nil {
		return nil // interrupted while starting
	}

	admin, err := env.AddUser(envtest.User{Name: "wxlink-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("provisioning the admin user: %w", err)
	}
	cfg, err := admin.KubeConfig()
	if err != nil {
		return fmt.Errorf("rendering the kubeconfig: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(kubeconfig), 0o700); err != nil {
		return err
	}
	// Write then rename, so a reader never sees half a file: the wrapper waits for this file to appear.
	tmp := kubeconfig + ".tmp"
	if err := os.WriteFile(tmp, cfg, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, kubeconfig); err != nil {
		return err
	}
	defer func() { _ = os.Remove(kubeconfig) }()
	fmt.Printf("control plane up at %s; kubeconfig %s\n", env.Config.Host, kubeconfig)

	restarter := &apiserverRestarter{log: os.Stdout}
	defer restarter.stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Println("control plane stopping")
			return nil
		case <-usr1:
			fmt.Println("restarting kube-apiserver (etcd keeps running)")
			if err := restarter.restart(); err != nil {
				fmt.Fprintln(os.Stderr, "localcp: restarting kube-apiserver:", err)
			}
		}
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"flag"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// parse parses args as the manager's flags.
func parse(t *testing.T, args ...string) *options {
	t.Helper()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

// Metrics are secure by default: HTTPS behind the authentication and authorisation filter, on :8443.
func TestMetricsAreSecureByDefault(t *testing.T) {
	m := parse(t).metricsServerOptions()
	if !m.SecureServing || m.FilterProvider == nil || m.BindAddress != ":8443" {
		t.Errorf("default metrics options: secure %v, filter %v, address %q; want HTTPS behind the filter on :8443",
			m.SecureServing, m.FilterProvider != nil, m.BindAddress)
	}
	if m.CertDir != "" {
		t.Errorf("CertDir %q without --metrics-cert-dir: want controller-runtime's self-signed certificate", m.CertDir)
	}
	m = parse(t, "--metrics-secure=false", "--metrics-bind-address", "127.0.0.1:8080").metricsServerOptions()
	if m.SecureServing || m.FilterProvider != nil || m.BindAddress != "127.0.0.1:8080" {
		t.Errorf("--metrics-secure=false: secure %v, filter %v, address %q", m.SecureServing, m.FilterProvider != nil, m.BindAddress)
	}
}

// A certificate directory is used with the names given, and must hold both files: controller-runtime
// would silently fall back to a self-signed certificate otherwise.
func TestMetricsCertificateDirectory(t *testing.T) {
	dir := t.TempDir()
	selfSigned(t, dir, "m.crt", "m.key")
	o := parse(t, "--metrics-cert-dir", dir, "--metrics-cert-name", "m.crt", "--metrics-cert-key", "m.key")
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	if m := o.metricsServerOptions(); m.CertDir != dir || m.CertName != "m.crt" || m.KeyName != "m.key" {
		t.Errorf("cert options %q %q %q", m.CertDir, m.CertName, m.KeyName)
	}
	if err := parse(t, "--metrics-cert-dir", dir).validate(); err == nil {
		t.Errorf("--metrics-cert-dir without tls.crt and tls.key was accepted")
	}
	if err := parse(t, "--metrics-cert-dir", filepath.Join(dir, "absent"), "--metrics-cert-name", "m.crt",
		"--metrics-cert-key", "m.key").validate(); err == nil {
		t.Errorf("a missing --metrics-cert-dir was accepted")
	}
}

// --namespaces limits the cache to those namespaces (a shard of a fleet, or a namespace-scoped install); a
// wrong name or Lease name is refused before the manager starts.
func TestWatchedNamespacesAndLease(t *testing.T) {
	if c := parse(t).cacheOptions(); c.DefaultNamespaces != nil {
		t.Errorf("no --namespaces: DefaultNamespaces %v, want every namespace (nil)", c.DefaultNamespaces)
	}
	o := parse(t, "--namespaces", " shop-a, shop-b ,", "--leader-election-id", "wxlink-shard-a")
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	c := o.cacheOptions()
	if len(c.DefaultNamespaces) != 2 || c.DefaultTransform == nil {
		t.Errorf("cache options %v (transform %v), want shop-a and shop-b, managed fields stripped", c.DefaultNamespaces, c.DefaultTransform != nil)
	}
	for _, ns := range []string{"shop-a", "shop-b"} {
		if _, ok := c.DefaultNamespaces[ns]; !ok {
			t.Errorf("namespace %s not watched: %v", ns, c.DefaultNamespaces)
		}
	}
	if o.leaderElectionID != "wxlink-shard-a" || parse(t).leaderElectionID != DefaultLeaderElectionID {
		t.Errorf("lease %q, default %q", o.leaderElectionID, parse(t).leaderElectionID)
	}
	for _, args := range [][]string{{"--namespaces", "Shop_A"}, {"--leader-election-id", "Not A Lease"}} {
		if err := parse(t, args...).validate(); err == nil {
			t.Errorf("%v was accepted", args)
		}
	}
}

// --max-clock-skew bounds how far the platform's Date may be from the manager's clock: 10 minutes unless set
// (a simulator hours off needs more); zero or negative is refused.
func TestMaxClockSkew(t *testing.T) {
	if got := parse(t).maxClockSkew; got != 10*time.Minute {
		t.Errorf("default --max-clock-skew = %s, want 10m", got)
	}
	o := parse(t, "--max-clock-skew", "48h")
	if err := o.validate(); err != nil || o.maxClockSkew != 48*time.Hour {
		t.Errorf("--max-clock-skew 48h: %s, %v", o.maxClockSkew, err)
	}
	for _, v := range []string{"0", "-1m"} {
		if err := parse(t, "--max-clock-skew", v).validate(); err == nil {
			t.Errorf("--max-clock-skew %s was accepted", v)
		}
	}
}

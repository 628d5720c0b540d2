// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
)

// options are the manager's command-line flags.
type options struct {
	metricsAddr     string
	metricsSecure   bool
	metricsCertDir  string
	metricsCertName string
	metricsCertKey  string

	probeAddr        string
	pprofAddr        string
	leaderElect      bool
	leaderElectionNS string
	leaderElectionID string
	namespaces       string

	endpoint            string
	qps                 float64
	burst               int
	accountQPS          float64
	accountBurst        int
	maxClockSkew        time.Duration
	pollInterval        time.Duration
	pendingPollInterval time.Duration
	concurrency         int
	reconcileTimeout    time.Duration
	allowedEndpoints    string
	allowedStores       string
	storeEndpoint       string

	callbackAddr     string
	callbackCertFile string
	callbackKeyFile  string

	zap zap.Options
}

// bindFlags defines the manager's flags on fs; the options hold their values once fs is parsed.
func bindFlags(fs *flag.FlagSet) *options {
	o := &options{zap: zap.Options{Development: false}}
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8443",
		"The address the Prometheus metrics endpoint binds to (HTTPS unless --metrics-secure=false). Use 0 to disable it.")
	fs.BoolVar(&o.metricsSecure, "metrics-secure", true,
		"Serve metrics over HTTPS, only to callers the API server authenticates (TokenReview) and authorises "+
			"(SubjectAccessReview: get on the non-resource URL /metrics, as the metrics-reader ClusterRole grants).")
	fs.StringVar(&o.metricsCertDir, "metrics-cert-dir", "",
		"A directory with the metrics server's certificate and key (reloaded when they change). "+
			"Unset: a self-signed certificate generated at start.")
	fs.StringVar(&o.metricsCertName, "metrics-cert-name", "tls.crt", "The certificate's file name in --metrics-cert-dir.")
	fs.StringVar(&o.metricsCertKey, "metrics-cert-key", "tls.key", "The key's file name in --metrics-cert-dir.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081",
		"The address the health (/healthz) and readiness (/readyz) probes bind to.")
	fs.StringVar(&o.pprofAddr, "pprof-bind-address", "0",
		"The address of the Go profiler's endpoints (/debug/pprof/), for finding where time goes; \"0\" disables them.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false,
		"Enable leader election, so that only one replica reconciles at a time.")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "",
		"The namespace of the leader election Lease. Defaults to the manager's own namespace in a cluster.")
	fs.StringVar(&o.leaderElectionID, "leader-election-id", DefaultLeaderElectionID,
		"The name of the leader election Lease. Give each shard (a manager per set of --namespaces) its own.")
	fs.StringVar(&o.namespaces, "namespaces", "",
		"Comma-separated namespaces to watch and reconcile (the cache holds only their objects). Empty: every namespace. "+
			"Shards of one fleet each watch their own namespaces, with their own --leader-election-id.")
	fs.StringVar(&o.endpoint, "platform-endpoint", "https://api.weixin.qq.com",
		"The WeChat API base URL for PlatformConfigs that set no spec.endpoint (a wechatsim on loopback for demos and tests).")
	fs.Float64Var(&o.qps, "qps", wechat.DefaultQPS,
		"Calls per second to the platform, in all, per PlatformConfig without spec.budget.")
	fs.IntVar(&o.burst, "burst", wechat.DefaultBurst, "Calls allowed at once above --qps, per PlatformConfig without spec.budget.")
	fs.Float64Var(&o.accountQPS, "account-qps", wechat.DefaultAccountQPS,
		"Calls per second to the platform per account (its quotas are per account), within --qps or spec.budget.")
	fs.IntVar(&o.accountBurst, "account-burst", wechat.DefaultAccountBurst, "Calls allowed at once above --account-qps, per account.")
	fs.DurationVar(&o.maxClockSkew, "max-clock-skew", wechat.DefaultMaxClockSkew,
		"How far the platform's clock (its answers' Date header) may be from the manager's to be believed: a daily "+
			"quota (45009) waits until the platform's midnight in Beijing when within it, the manager's otherwise.")
	fs.DurationVar(&o.pollInterval, "poll-interval", 10*time.Minute,
		"Resync interval (with 10% jitter) that detects drift, such as a link removed by hand in the console.")
	fs.DurationVar(&o.pendingPollInterval, "pending-poll-interval", time.Minute,
		"How often an object that waits on a person (an admin's confirmation) or on a dependency is checked.")
	fs.IntVar(&o.concurrency, "max-concurrent-reconciles", 4, "Concurrent reconciles per kind.")
	fs.DurationVar(&o.reconcileTimeout, "reconcile-timeout", controllers.DefaultReconcileTimeout,
		"The deadline of every reconcile: a few platform calls and API writes, with their retries.")
	fs.StringVar(&o.allowedEndpoints, "allowed-endpoints", strings.Join(controllers.DefaultAllowedEndpoints, ","),
		"Comma-separated origins (scheme://host[:port], port * for any) that a PlatformConfig's endpoint may point at: "+
			"credentials are sent there. The default is the official API host and a simulator on loopback.")
	fs.StringVar(&o.allowedStores, "allowed-store-endpoints", strings.Join(controllers.DefaultStoreAllowedEndpoints, ","),
		"Comma-separated origins that a ThirdPartyStore's spec.api.endpoint may point at: the store app's secret is sent "+
			"there. The default is the Youzan, Weimob and Weidian API hosts and a simulator on loopback.")
	fs.StringVar(&o.storeEndpoint, "store-endpoint", "",
		"The endpoint of every ThirdPartyStore without spec.api.endpoint, for example a store simulator (wechatsim "+
			"--store-seed); empty: each provider's API host.")
	fs.StringVar(&o.callbackAddr, "callback-bind-address", "0",
		"The address that serves WeChat's component_verify_ticket pushes at /wechat/callback/<namespace>/<name> "+
			"(ThirdPartyPlatform route). Use 0 to disable it.")
	fs.StringVar(&o.callbackCertFile, "callback-cert-file", "",
		"A PEM certificate (chain) for the callback server: with --callback-key-file it serves HTTPS.")
	fs.StringVar(&o.callbackKeyFile, "callback-key-file", "", "The PEM private key of --callback-cert-file.")
	o.zap.BindFlags(fs)
	return o
}

// allowed is the list of --allowed-endpoints.
func (o *options) allowed() []string { return origins(o.allowedEndpoints) }

// allowedStoreEndpoints is the list of --allowed-store-endpoints.
func (o *options) allowedStoreEndpoints() []string { return origins(o.allowedStores) }

// origins splits a comma-separated list of origins.
func origins(list string) []string {
	var out []string
	for _, e := range strings.Split(list, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// DefaultLeaderElectionID is the leader election Lease of a manager that is not one shard of several.
const DefaultLeaderElectionID = "wxlink-operator.wechat.wxlink.dev"

// watched is the list of --namespaces; empty means every namespace.
func (o *options) watched() []string {
	var out []string
	for _, ns := range strings.Split(o.namespaces, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			out = append(out, ns)
		}
	}
	return out
}

// cacheOptions are controllers.CacheOptions limited to the watched namespaces, if any.
func (o *options) cacheOptions() cache.Options {
	opts := controllers.CacheOptions()
	if ns := o.watched(); len(ns) > 0 {
		opts.DefaultNamespaces = make(map[string]cache.Config, len(ns))
		for _, n := range ns {
			opts.DefaultNamespaces[n] = cache.Config{}
		}
	}
	return opts
}

// validate refuses combinations of flags that would silently serve less than asked for.
func (o *options) validate() error {
	var errs []error
	if len(o.allowed()) == 0 {
		errs = append(errs, errors.New("--allowed-endpoints is empty: no PlatformConfig could reach any platform"))
	}
	for _, ns := range o.watched() {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("--namespaces: %q is not a namespace name: %s", ns, strings.Join(msgs, "; ")))
		}
	}
	if msgs := validation.IsDNS1123Subdomain(o.leaderElectionID); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("--leader-election-id: %q is not a Lease name: %s", o.leaderElectionID, strings.Join(msgs, "; ")))
	}
	if o.maxClockSkew <= 0 {
		errs = append(errs, fmt.Errorf("--max-clock-skew: %s is not a positive duration", o.maxClockSkew))
	}
	if (o.callbackCertFile == "") != (o.callbackKeyFile == "") {
		errs = append(errs, errors.New("--callback-cert-file and --callback-key-file must be set together"))
	}
	if o.metricsCertDir != "" {
		// controller-runtime falls back to a self-signed certificate when these are missing: say so instead.
		for _, name := range []string{o.metricsCertName, o.metricsCertKey} {
			if _, err := os.Stat(filepath.Join(o.metricsCertDir, name)); err != nil {
				errs = append(errs, fmt.Errorf("--metrics-cert-dir: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

// metricsServerOptions serves metrics over HTTPS behind controller-runtime's authentication and
// authorisation filter, unless --metrics-secure=false.
func (o *options) metricsServerOptions() metricsserver.Options {
	if !o.metricsSecure {
		return metricsserver.Options{BindAddress: o.metricsAddr}
	}
	return metricsserver.Options{
		BindAddress:    o.metricsAddr,
		SecureServing:  true,
		FilterProvider: filters.WithAuthenticationAndAuthorization,
		CertDir:        o.metricsCertDir,
		CertName:       o.metricsCertName,
		KeyName:        o.metricsCertKey,
		// HTTP/1.1 only: HTTP/2 brings the stream-reset attacks (CVE-2023-44487, CVE-2023-39325) and
		// Prometheus does not need it.
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	}
}

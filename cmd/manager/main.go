// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Command manager is the wxlink operator: it runs the controllers that reconcile wxlink objects against the
// WeChat platform, with leader election, health and readiness probes, Prometheus metrics (over HTTPS, for
// callers the API server authenticates and authorises) and the verify-ticket callback.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	wxv1alpha1 "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
)

// The metrics filter (--metrics-secure) asks the API server who a caller is and whether it may get /metrics.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(wxv1alpha1.AddToScheme(scheme))
}

func main() {
	o := bindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	if err := run(ctrl.SetupSignalHandler(), ctrl.GetConfigOrDie(), o); err != nil {
		ctrl.Log.WithName("setup").Error(err, "the manager stopped")
		os.Exit(1)
	}
}

// run builds the manager from the options and runs it until ctx ends. A bad option stops it before it
// starts anything.
func run(ctx context.Context, cfg *rest.Config, o *options) error {
	if err := o.validate(); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		// Secrets are never cached: wxlink watches their metadata and reads the values it may read from the API.
		Client:                  controllers.ClientOptions(),
		Cache:                   o.cacheOptions(),
		Metrics:                 o.metricsServerOptions(),
		HealthProbeBindAddress:  o.probeAddr,
		PprofBindAddress:        o.pprofAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        o.leaderElectionID,
		LeaderElectionNamespace: o.leaderElectionNS,
		// Release the lease on a clean shutdown so that a rolling update hands over at once.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	if err := setupControllers(ctx, mgr, o); err != nil {
		return err
	}
	if err := addCallbackServer(mgr, o); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("setting up the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("setting up the readiness check: %w", err)
	}
	ctrl.Log.WithName("setup").Info("starting the manager")
	return mgr.Start(ctx)
}

// setupControllers registers wxlink's metrics and every reconciler with the manager.
func setupControllers(ctx context.Context, mgr ctrl.Manager, o *options) error {
	appMetrics, err := controllers.NewMetrics(metrics.Registry)
	if err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	platforms := &controllers.WeChatPlatforms{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), SecretMetadata: mgr.GetCache(), AllowedEndpoints: o.allowed(),
		DefaultEndpoint: o.endpoint, DefaultQPS: o.qps, DefaultBurst: o.burst, AccountQPS: o.accountQPS, AccountBurst: o.accountBurst,
		MaxClockSkew: o.maxClockSkew, Logger: ctrl.Log.WithName("wechat"), Registerer: metrics.Registry,
	}
	if err := controllers.Setup(ctx, mgr, platforms, appMetrics, controllers.Options{
		PollInterval: o.pollInterval, PendingPollInterval: o.pendingPollInterval, MaxConcurrentReconciles: o.concurrency,
		ReconcileTimeout: o.reconcileTimeout, AllowedStoreEndpoints: o.allowedStoreEndpoints(),
		DefaultStoreEndpoint: o.storeEndpoint,
	}); err != nil {
		return fmt.Errorf("setting up the controllers: %w", err)
	}
	return nil
}

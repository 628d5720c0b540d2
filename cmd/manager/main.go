// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Command manager is the wxlink operator: it runs the controllers that reconcile wxlink objects against the
// WeChat platform, with leader election, health and readiness probes, and Prometheus metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	wxv1alpha1 "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(wxv1alpha1.AddToScheme(scheme))
}

func main() {
	var (
		metricsAddr          string
		probeAddr            string
		enableLeaderElection bool
		leaderElectionNS     string
		endpoint             string
		qps                  float64
		burst                int
		pollInterval         time.Duration
		pendingPollInterval  time.Duration
		concurrency          int
		callbackAddr         string
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080",
		"The address the Prometheus metrics endpoint binds to. Use 0 to disable it.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081",
		"The address the health (/healthz) and readiness (/readyz) probes bind to.")
	flag.BoolVar(&enableLeaderElection, "leader-elect", false,
		"Enable leader election, so that only one replica reconciles at a time.")
	flag.StringVar(&leaderElectionNS, "leader-election-namespace", "",
		"The namespace of the leader election Lease. Defaults to the manager's own namespace in a cluster.")
	flag.StringVar(&endpoint, "platform-endpoint", "https://api.weixin.qq.com",
		"The WeChat API base URL for PlatformConfigs that set no spec.endpoint (a wechatsim on loopback for demos and tests).")
	flag.Float64Var(&qps, "qps", 10, "Calls per second to the platform, per PlatformConfig without spec.budget.")
	flag.IntVar(&burst, "burst", 20, "Calls allowed at once above --qps, per PlatformConfig without spec.budget.")
	flag.DurationVar(&pollInterval, "poll-interval", 10*time.Minute,
		"Resync interval (with 10% jitter) that detects drift, such as a link removed by hand in the console.")
	flag.DurationVar(&pendingPollInterval, "pending-poll-interval", time.Minute,
		"How often an object that waits on a person (an admin's confirmation) or on a dependency is checked.")
	flag.IntVar(&concurrency, "max-concurrent-reconciles", 4, "Concurrent reconciles per kind.")
	flag.StringVar(&callbackAddr, "callback-bind-address", "0",
		"The address that serves WeChat's component_verify_ticket pushes at /wechat/callback/<namespace>/<name> "+
			"(ThirdPartyPlatform route). Use 0 to disable it.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	setupLog := ctrl.Log.WithName("setup")

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          enableLeaderElection,
		LeaderElectionID:        "wxlink-operator.wechat.wxlink.dev",
		LeaderElectionNamespace: leaderElectionNS,
		// Release the lease on a clean shutdown so that a rolling update hands over at once.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		setupLog.Error(err, "unable to create the manager")
		os.Exit(1)
	}

	ctx := ctrl.SetupSignalHandler()
	appMetrics, err := controllers.NewMetrics(metrics.Registry)
	if err != nil {
		setupLog.Error(err, "unable to register metrics")
		os.Exit(1)
	}
	platforms := &controllers.WeChatPlatforms{
		Client: mgr.GetClient(), DefaultEndpoint: endpoint, DefaultQPS: qps, DefaultBurst: burst,
		Logger: ctrl.Log.WithName("wechat"), Registerer: metrics.Registry,
	}
	if err := controllers.Setup(ctx, mgr, platforms, appMetrics, controllers.Options{
		PollInterval: pollInterval, PendingPollInterval: pendingPollInterval, MaxConcurrentReconciles: concurrency,
	}); err != nil {
		setupLog.Error(err, "unable to set up the controllers")
		os.Exit(1)
	}
	if callbackAddr != "0" && callbackAddr != "" {
		mux := http.NewServeMux()
		mux.Handle(controllers.CallbackPathPrefix, &controllers.TicketCallback{Client: mgr.GetClient(), Logger: ctrl.Log.WithName("callback")})
		srv := &http.Server{Addr: callbackAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxHeaderBytes: 1 << 16}
		// Served by every replica, leader or not: WeChat pushes to whichever one the Service picks.
		if err := mgr.Add(everyReplica(func(ctx context.Context) error {
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(sctx)
			}()
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})); err != nil {
			setupLog.Error(err, "unable to add the callback server")
			os.Exit(1)
		}
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "unable to set up the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		setupLog.Error(err, "unable to set up the readiness check")
		os.Exit(1)
	}

	setupLog.Info("starting the manager")
	if err := mgr.Start(ctx); err != nil {
		setupLog.Error(err, "the manager stopped with an error")
		os.Exit(1)
	}
}

// everyReplica is a runnable that runs on every replica, leader or not.
type everyReplica func(ctx context.Context) error

func (f everyReplica) Start(ctx context.Context) error { return f(ctx) }

// NeedLeaderElection implements manager.LeaderElectionRunnable.
func (everyReplica) NeedLeaderElection() bool { return false }

var _ manager.LeaderElectionRunnable = everyReplica(nil)

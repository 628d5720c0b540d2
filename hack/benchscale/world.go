// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// world is what one run runs against: a control plane, a client with no client-side rate limit (the harness
// must never be what limits the run), the simulator and the manager process.
type world struct {
	c       config
	env     *envtest.Environment
	cfg     *rest.Config
	k8s     client.Client
	sim     *sim.Server
	mgr     *managerProcess
	dir     string // scratch: the kubeconfig and the manager's log
	started time.Time
}

// Namespaces of the run.
const (
	floorNS     = "floor"
	fleetNS     = "fleet"
	unrelatedNS = "unrelated"
)

func startWorld(ctx context.Context, c config) (*world, error) {
	w := &world{c: c, started: time.Now()}
	dir, err := os.MkdirTemp("", "benchscale-")
	if err != nil {
		return nil, err
	}
	w.dir = dir
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return nil, fmt.Errorf("KUBEBUILDER_ASSETS is not set: run `make bench-scale`")
	}
	w.env = &envtest.Environment{BinaryAssetsDirectory: assets, CRDDirectoryPaths: []string{"config/crd/bases"},
		ErrorIfCRDPathMissing: true}
	if w.cfg, err = w.env.Start(); err != nil {
		w.close()
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	if err := w.connect(); err != nil {
		w.close()
		return nil, err
	}
	if w.sim, err = sim.Start(sim.Options{TicketInterval: -1}); err != nil {
		w.close()
		return nil, err
	}
	if err := w.createUnrelatedSecrets(ctx); err != nil {
		w.close()
		return nil, err
	}
	if w.mgr, err = w.startManager(ctx); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// connect makes the harness's client, and writes an admin kubeconfig for the manager.
func (w *world) connect() error {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wx.AddToScheme} {
		if err := add(scheme); err != nil {
			return err
		}
	}
	cfg := rest.CopyConfig(w.cfg)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side limit for the harness
	k, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	w.k8s, w.cfg = k, cfg
	admin, err := w.env.AddUser(envtest.User{Name: "benchscale-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.dir, "kubeconfig"), kc, 0o600); err != nil {
		return err
	}
	for _, ns := range []string{floorNS, fleetNS, unrelatedNS} {
		if err := w.k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return err
		}
	}
	return nil
}

// createUnrelatedSecrets fills the cluster with Secrets wxlink has no business with, as a shared cluster
// holds: the manager must not keep them in memory.
func (w *world) createUnrelatedSecrets(ctx context.Context) error {
	payload := strings.Repeat("x", 3*1024)
	return parallel(ctx, w.c.writers, w.c.unrelated, func(ctx context.Context, i int) error {
		return w.k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: unrelatedNS,
			Name: fmt.Sprintf("unrelated-%05d", i)}, StringData: map[string]string{"data": payload}})
	})
}

func (w *world) close() {
	if w.mgr != nil {
		w.mgr.stop()
	}
	if w.sim != nil {
		_ = w.sim.Close()
	}
	if w.env != nil {
		_ = w.env.Stop()
	}
	if w.dir != "" && w.mgr != nil {
		fmt.Println("the manager's log:", w.mgr.logPath)
	}
}

// apiserverWrites reads the apiserver's own count of writes, by verb and resource.
func (w *world) apiserverWrites(ctx context.Context) (map[string]float64, error) {
	rc, err := rest.RESTClientFor(restConfigForRaw(w.cfg))
	if err != nil {
		return nil, err
	}
	body, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	f := families["apiserver_request_total"]
	if f == nil {
		return out, nil
	}
	for _, m := range f.GetMetric() {
		l := map[string]string{}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		switch l["verb"] {
		case "POST", "PUT", "PATCH", "DELETE", "CREATE", "UPDATE", "APPLY":
		default:
			continue
		}
		key := l["verb"] + " " + l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[key] += m.GetCounter().GetValue()
	}
	return out, nil
}

// profileAPIServer writes a CPU profile of the apiserver over d to path, in the background.
func (w *world) profileAPIServer(ctx context.Context, d time.Duration, path string) (wait func() error) {
	done := make(chan error, 1)
	go func() {
		rc, err := rest.RESTClientFor(restConfigForRaw(w.cfg))
		if err != nil {
			done <- err
			return
		}
		body, err := rc.Get().AbsPath("/debug/pprof/profile").Param("seconds", fmt.Sprint(int(d.Seconds()))).
			Timeout(d + 30*time.Second).DoRaw(ctx)
		if err != nil {
			done <- err
			return
		}
		done <- os.WriteFile(path, body, 0o600)
	}()
	return func() error { return <-done }
}

// restConfigForRaw is a copy of cfg that a raw REST client can use.
func restConfigForRaw(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.GroupVersion = &schema.GroupVersion{}
	c.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	return c
}

// logf prints a progress line with the time since the run began.
func (w *world) logf(format string, args ...any) {
	fmt.Printf("[%6.1fs] %s\n", time.Since(w.started).Seconds(), fmt.Sprintf(format, args...))
}

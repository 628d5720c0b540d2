// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

// The controller tests drive the real reconcilers against a real kube-apiserver (envtest) and the WeChat
// simulator on 127.0.0.1, through the real HTTP client. Each test gets its own namespace, its own simulator
// accounts and its own manager (its cache limited to that namespace), so tests never see each other.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

var (
	cfg    *rest.Config
	k8s    client.Client
	scheme = runtime.NewScheme()
	clock  = &testClock{}
)

// testClock is the one clock of the simulator, the WeChat client and the reconcilers, so that a test can
// move them all across a WeChat month.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test`, or "+
			"`export KUBEBUILDER_ASSETS=$(hack/build-controlplane.sh)` before `go test`")
		return 1
	}
	if path := os.Getenv("WXLINK_TEST_LOG"); path == "" {
		ctrl.SetLogger(logr.Discard())
	} else {
		f, err := os.Create(path)
		if err != nil {
			panic(err)
		}
		defer func() { _ = f.Close() }()
		ctrl.SetLogger(zap.New(zap.WriteTo(f), zap.UseDevMode(true)))
	}
	env := &envtest.Environment{CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")}, ErrorIfCRDPathMissing: true}
	var err error
	if cfg, err = env.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wx.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// env is one test's world: a namespace, a simulator and a running manager.
type env struct {
	t       testing.TB
	ns      string
	sim     *sim.Server
	stop    func()
	metrics *controllers.Metrics
	reg     *prometheus.Registry
	poll    time.Duration // the manager's poll interval
	// requests records the manager's requests to the API server.
	requests *requestLog
}

// newEnv starts a simulator and a manager for one test, polling the platform every 2 s.
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, 2*time.Second, sim.Options{})
}

// newEnvWith starts a simulator with the given options (its clock and ticket push are the suite's) and a
// manager that polls the platform at the given interval, for tests that need a platform read to stay
// cached, or tokens that expire quickly.
func newEnvWith(t testing.TB, poll time.Duration, simOpts sim.Options) *env {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "wx-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	simOpts.Clock, simOpts.TicketInterval = clock.Now, -1
	s, err := sim.Start(simOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e := &env{t: t, ns: ns.Name, sim: s, poll: poll, requests: &requestLog{}}
	e.start()
	t.Cleanup(func() { e.stop() })
	return e
}

// start runs a manager with every wxlink reconciler, its cache limited to the test's namespace.
func (e *env) start() {
	e.t.Helper()
	cacheOpts := controllers.CacheOptions()
	cacheOpts.DefaultNamespaces = map[string]cache.Config{e.ns: {}}
	mgr, err := ctrl.NewManager(e.requests.wrap(cfg), ctrl.Options{
		Scheme:  scheme,
		Client:  controllers.ClientOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   cacheOpts,
		// Each test builds its own manager: the controller names repeat.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, err := controllers.NewMetrics(reg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.metrics, e.reg = m, reg
	platforms := &controllers.WeChatPlatforms{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), SecretMetadata: mgr.GetCache(),
		DefaultEndpoint: e.sim.URL, DefaultQPS: 200,
		DefaultBurst: 200, Logger: logr.Discard(), Registerer: reg, Now: clock.Now}
	ctx, cancel := context.WithCancel(context.Background())
	if err := controllers.Setup(ctx, mgr, platforms, m, controllers.Options{
		PollInterval: e.poll, PendingPollInterval: 500 * time.Millisecond, MaxConcurrentReconciles: 4, Now: clock.Now,
	}); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	e.stop = func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("manager: %v", err)
		}
	}
}

// restart stops the manager and starts a new one, as an operator upgrade or crash would.
func (e *env) restart() {
	e.stop()
	e.start()
}

// appID derives a stable, valid AppID from a name, unique per test namespace.
func (e *env) appID(name string) string {
	h := sha256.Sum256([]byte(e.ns + "/" + name))
	return "wx" + hex.EncodeToString(h[:8])
}

// optedIn are the labels of a Secret that wxlink may read credentials from.
var optedIn = map[string]string{controllers.CredentialsLabel: controllers.CredentialsLabelValue}

var (
	companyA = wx.Subject{Name: "深圳市云杉科技有限公司", Type: wx.SubjectEnterprise}
	companyB = wx.Subject{Name: "深圳市云杉文化传媒有限公司", Type: wx.SubjectMedia}
)

// account seeds the simulator with an account and creates its credentials Secret.
func (e *env) account(name string, typ sim.AccountType, subj wx.Subject, verification sim.Verification) string {
	e.t.Helper()
	appID := e.appID(name)
	secret := "secret-" + appID
	if err := e.sim.Seed(sim.Account{AppID: appID, Secret: secret, Type: typ, Verification: verification, Released: true,
		Nickname: name, Subject: sim.Subject{Name: subj.Name, Type: sim.SubjectType(subj.Type)}}); err != nil {
		e.t.Fatal(err)
	}
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-credentials", Labels: optedIn},
		StringData: map[string]string{"appSecret": secret}})
	return appID
}

func (e *env) platformConfig() {
	e.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "wechat"}})
}

func (e *env) officialAccount(name string, subj wx.Subject) *wx.OfficialAccount {
	e.t.Helper()
	appID := e.account(name, sim.OfficialAccount, subj, sim.Verified)
	oa := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.OfficialAccountSpec{
		AppID: wx.AppID(appID), AccountSpec: accountSpec(name, subj)}}
	e.create(oa)
	return oa
}

func (e *env) miniProgram(name string, subj wx.Subject, verification sim.Verification) *wx.MiniProgram {
	e.t.Helper()
	appID := e.account(name, sim.MiniProgram, subj, verification)
	mp := &wx.MiniProgram{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.MiniProgramSpec{
		AppID: wx.AppID(appID), AccountSpec: accountSpec(name, subj)}}
	e.create(mp)
	return mp
}

func accountSpec(name string, subj wx.Subject) wx.AccountSpec {
	return wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"},
		Credentials: &wx.AccountCredentials{SecretName: name + "-credentials", AppSecretKey: "appSecret"}, Subject: subj}
}

func (e *env) link(name, oa, mp string, mutate ...func(*wx.AssociationLink)) *wx.AssociationLink {
	e.t.Helper()
	l := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.AssociationLinkSpec{
		Type: wx.OfficialAccountToMiniProgram,
		From: wx.AccountReference{Kind: wx.KindOfficialAccount, Name: oa},
		To:   wx.AccountReference{Kind: wx.KindMiniProgram, Name: mp},
	}}
	for _, m := range mutate {
		m(l)
	}
	e.create(l)
	return l
}

func (e *env) create(obj client.Object) {
	e.t.Helper()
	obj.SetNamespace(e.ns)
	if err := k8s.Create(context.Background(), obj); err != nil {
		e.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func (e *env) get(name string, obj client.Object) {
	e.t.Helper()
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: name}, obj); err != nil {
		e.t.Fatalf("getting %T %s: %v", obj, name, err)
	}
}

// readyReason returns the status and reason of an object's Ready condition, if it is current.
func readyOf(obj interface {
	GetStatusBase() *wx.StatusBase
	GetGeneration() int64
}) (string, string) {
	c := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionReady)
	if c == nil || c.ObservedGeneration != obj.GetGeneration() {
		return "", ""
	}
	return c.Reason, c.Message
}

// waitFor polls until cond holds, for at most timeout: a bounded wait on a condition, not a sleep.
func (e *env) waitFor(what string, cond func() (bool, string)) {
	const timeout = 30 * time.Second
	e.t.Helper()
	last := ""
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) {
			ok, state := cond()
			last = state
			return ok, nil
		})
	if err != nil {
		e.t.Fatalf("timed out after %s waiting for %s; last state: %s", timeout, what, last)
	}
}

// waitReason waits until the object's Ready condition has the given reason.
func (e *env) waitReason(name string, obj interface {
	client.Object
	GetStatusBase() *wx.StatusBase
}, reason string) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("%T %s to have Ready reason %s", obj, name, reason), func() (bool, string) {
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: name}, obj); err != nil {
			return false, err.Error()
		}
		r, msg := readyOf(obj)
		extra := ""
		if l, ok := obj.(*wx.AssociationLink); ok {
			extra = fmt.Sprintf(" [platform %+v admission %+v]", l.Status.Platform, l.Status.Admission)
		}
		return r == reason, r + ": " + msg + extra
	})
}

func (e *env) linkReason(name, reason string) *wx.AssociationLink {
	e.t.Helper()
	l := &wx.AssociationLink{}
	e.waitReason(name, l, reason)
	return l
}

// events lists the Events about one object.
func (e *env) events(name string) []string {
	e.t.Helper()
	list := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), list, client.InNamespace(e.ns)); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range list.Items {
		if ev.Regarding.Name == name {
			out = append(out, ev.Reason+": "+ev.Note)
		}
	}
	return out
}

func (e *env) waitEvent(name, reason string) {
	e.t.Helper()
	e.waitFor(fmt.Sprintf("event %s on %s", reason, name), func() (bool, string) {
		evs := e.events(name)
		for _, ev := range evs {
			if strings.HasPrefix(ev, reason+":") {
				return true, ""
			}
		}
		return false, strings.Join(evs, " | ")
	})
}

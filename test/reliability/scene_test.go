// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// requestTimeout is the PlatformConfig's spec.requestTimeout: latency faults hold calls longer than this.
const requestTimeout = time.Second

// scene is one scenario's world: its namespace and fleet, its simulator, its manager processes, and what it
// counts for the figures.
type scene struct {
	t        *testing.T
	ctx      context.Context // ends a cleanup's margin before the test binary's deadline (go test -timeout)
	name     string
	dir      string // logs of the scenario
	fleet    *fleet
	sim      *process
	simState string // the simulator's state file (tokens and tickets, for the secret check)
	api      simAPI
	mu       sync.Mutex // guards managers, nManager and logs, which the chaos goroutine changes
	managers []*process
	nManager int // managers started so far (names their logs)
	logs     []string
	deleted  map[string]linkDecl // links deleted, by name
	epochs   map[string]int      // creations of each link name
	figures  figures
	started  time.Time
}

// logf logs a step of the scenario with the time since it began.
func (s *scene) logf(format string, args ...any) {
	s.t.Logf("[%5.1fs] %s: %s", time.Since(s.started).Seconds(), s.name, fmt.Sprintf(format, args...))
}

// newScene starts a simulator seeded with the fleet and declares the fleet's accounts; beforeSeed runs once
// the simulator is up, before any token or ticket is issued.
func newScene(t *testing.T, name string, oas int, beforeSeed ...func(*scene)) *scene {
	t.Helper()
	s := &scene{t: t, name: name, dir: filepath.Join(localDir, name), deleted: map[string]linkDecl{}, epochs: map[string]int{},
		started: time.Now()}
	s.ctx = testContext(t)
	_ = os.RemoveAll(s.dir)
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ns := fmt.Sprintf("rel-%s-%d", name, time.Now().Unix()%100000)
	s.fleet = newFleet(ns, oas)
	s.figures.Scenario, s.figures.Links = name, len(s.fleet.links)
	s.simState = filepath.Join(s.dir, "wechatsim-state.json")
	compArgs, compEnv := s.fleet.simArgs()
	// Port 0: the kernel picks a free port as the simulator binds it (no other process can take it between
	// a probe and the bind), and the simulator logs the address it got.
	p, err := startProcess(s.dir, "wechatsim", "wechatsim", compEnv, append([]string{"--listen", "127.0.0.1:0",
		"--state-file", s.simState, "--ticket-interval", "0"}, compArgs...)...)
	if err != nil {
		t.Fatal(err)
	}
	s.sim = p
	s.logs = append(s.logs, p.logPath)
	t.Cleanup(s.cleanup)
	s.must(waitFor(s.ctx, 30*time.Second, 100*time.Millisecond, func(ctx context.Context) (bool, string) {
		b, _ := os.ReadFile(p.logPath)
		m := listening.FindSubmatch(b)
		if m == nil {
			return false, "wechatsim has not said where it listens"
		}
		s.api = simAPI{url: "http://" + string(m[1])}
		return httpOK(ctx, s.api.url+"/sim/healthz"), "wechatsim not healthy"
	}), "waiting for wechatsim")
	for _, f := range beforeSeed {
		f(s)
	}
	s.must(s.fleet.seed(s.api), "seeding the simulator")
	ticket, err := s.api.pushTicket()
	s.must(err, "issuing a component_verify_ticket")
	s.fleet.ticket = ticket
	s.must(s.fleet.declareAccounts(s.ctx, s.api.url), "declaring the accounts")
	return s
}

func (s *scene) must(err error, what string) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("%s: %s: %v", s.name, what, err)
	}
}

// startManager starts one more manager process and waits until it serves /readyz.
func (s *scene) startManager(extra ...string) *process {
	s.t.Helper()
	p, err := s.startManagerErr(extra...)
	s.must(err, "starting the manager")
	return p
}

// startManagerErr is startManager for other goroutines than the test's: it returns its error.
func (s *scene) startManagerErr(extra ...string) (*process, error) {
	s.mu.Lock()
	s.nManager++
	name := fmt.Sprintf("manager-%02d", s.nManager)
	s.mu.Unlock()
	probe, err := freeAddrErr()
	if err != nil {
		return nil, err
	}
	args := append([]string{"--kubeconfig", kubeconf, "--platform-endpoint", s.api.url, "--metrics-bind-address", "0",
		"--health-probe-bind-address", probe, "--poll-interval", pollInterval().String(), "--pending-poll-interval", "1s",
		// Only the scenario's namespace: scenarios run at once on one control plane (-concurrent), each with
		// its own managers, which must not reconcile another's objects against their simulator.
		"--namespaces", s.fleet.ns,
		// The fault matrix runs the simulator's clock up to a day from the manager's, and a 45009's wait must
		// follow the platform's midnight (its Date header), which the default 10m bound would not believe.
		"--max-clock-skew", "48h"}, extra...)
	p, err := startProcess(s.dir, "manager", name, nil, args...)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.managers = append(s.managers, p)
	s.logs = append(s.logs, p.logPath)
	s.mu.Unlock()
	err = waitFor(s.ctx, 60*time.Second, 100*time.Millisecond, func(ctx context.Context) (bool, string) {
		return !p.exited() && httpOK(ctx, "http://"+probe+"/readyz"), "the manager is not ready"
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", name, err, tail(p.logPath, 20))
	}
	return p, nil
}

// waitAccountsReady waits (at most two minutes) until every account is Ready.
func (s *scene) waitAccountsReady() {
	s.t.Helper()
	s.must(waitFor(s.ctx, 2*time.Minute, 500*time.Millisecond, func(ctx context.Context) (bool, string) {
		oas, mps := &wx.OfficialAccountList{}, &wx.MiniProgramList{}
		if err := k8s.List(ctx, oas, client.InNamespace(s.fleet.ns)); err != nil {
			return false, err.Error()
		}
		if err := k8s.List(ctx, mps, client.InNamespace(s.fleet.ns)); err != nil {
			return false, err.Error()
		}
		n := 0
		for i := range oas.Items {
			n += readyTrue(oas.Items[i].Status.Conditions)
		}
		for i := range mps.Items {
			n += readyTrue(mps.Items[i].Status.Conditions)
		}
		return n == len(s.fleet.accounts()), fmt.Sprintf("%d of %d accounts Ready", n, len(s.fleet.accounts()))
	}), "waiting for the accounts")
	s.logf("%d accounts Ready", len(s.fleet.accounts()))
}

// apply creates links (only the deleted half, with half) and counts their declarations.
func (s *scene) apply(half bool) {
	s.t.Helper()
	s.createLinks(s.fleet.half(half))
	s.logf("links applied (only the deleted half: %v)", half)
}

// createLinks creates links and counts a declaration for each it created (one that existed is none).
func (s *scene) createLinks(links []linkDecl) {
	s.t.Helper()
	made, err := s.fleet.create(s.ctx, links)
	for _, l := range made {
		s.epochs[l.name]++
		delete(s.deleted, l.name)
	}
	s.must(err, "creating links")
}

// deleteHalf deletes half of the links, and remembers them.
func (s *scene) deleteHalf() {
	s.t.Helper()
	s.deleteLinks(s.fleet.half(true))
}

// deleteLinks deletes links, and remembers them.
func (s *scene) deleteLinks(links []linkDecl) {
	s.t.Helper()
	gone, err := s.fleet.remove(s.ctx, links)
	for _, l := range gone {
		s.deleted[l.name] = l
	}
	s.must(err, "deleting links")
	s.logf("%d links deleted", len(gone))
}

// cleanup stops the processes and removes the scenario's objects: finalizers are lifted by hand once no
// manager runs, and each kind is deleted (the local control plane runs no namespace controller, so deleting
// the namespace alone would leave them for the next scenario's managers).
func (s *scene) cleanup() {
	s.mu.Lock()
	managers := slices.Clone(s.managers)
	s.mu.Unlock()
	for _, m := range managers {
		m.stop()
	}
	s.sim.stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the scenario's own context may have ended
	defer cancel()
	for _, kind := range []struct {
		list client.ObjectList
		obj  client.Object
	}{
		{&wx.AssociationLinkList{}, &wx.AssociationLink{}}, {&wx.OfficialAccountList{}, &wx.OfficialAccount{}},
		{&wx.MiniProgramList{}, &wx.MiniProgram{}}, {&wx.PlatformConfigList{}, &wx.PlatformConfig{}}, {&corev1.SecretList{}, &corev1.Secret{}},
	} {
		if err := k8s.List(ctx, kind.list, client.InNamespace(s.fleet.ns)); err == nil {
			forEachObject(kind.list, func(o client.Object) {
				if len(o.GetFinalizers()) > 0 {
					_ = k8s.Patch(ctx, o, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))
				}
			})
		}
		if err := k8s.DeleteAllOf(ctx, kind.obj, client.InNamespace(s.fleet.ns)); err != nil {
			s.t.Logf("%s: removing the scenario's %T: %v", s.name, kind.obj, err)
		}
	}
	_ = k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: objectMeta("", s.fleet.ns)})
	if s.t.Failed() {
		s.t.Logf("%s: logs kept in %s", s.name, s.dir)
	}
}

// pollInterval is the managers' --poll-interval: the drift check that also asks again an account a fault
// stopped (an invalid credential). 5 s in the short run (a few dozen objects), 20 s at the default size.
func pollInterval() time.Duration { return scaled(5*time.Second, 20*time.Second) }

// parallel lets a scenario run at the same time as the others (-concurrent): each has its own namespace,
// simulator and managers (watching only its namespace), so only the CPU is shared. TestAPIServerRestart calls
// it only once its restart is over: the restart would disrupt the others, so it runs alone, before them.
func parallel(t *testing.T) {
	if *concurrent {
		t.Parallel()
	}
}

// listening finds the address in wechatsim's log line "wechatsim listening" addr=127.0.0.1:40123.
var listening = regexp.MustCompile(`msg="wechatsim listening" addr=(127\.0\.0\.1:[0-9]+)`)

// cleanupMargin is what a scenario leaves, before the test binary's deadline, for its cleanup: stopping its
// processes and removing its objects.
const cleanupMargin = 90 * time.Second

// testContext ends cleanupMargin before the test's deadline (go test -timeout), so that a scenario that runs
// long fails with its own message and cleans up, instead of the binary's panic, which runs no cleanup.
func testContext(t *testing.T) context.Context {
	dl, ok := t.Deadline()
	if !ok {
		return t.Context()
	}
	ctx, cancel := context.WithDeadline(t.Context(), dl.Add(-cleanupMargin))
	t.Cleanup(cancel)
	return ctx
}

// tail is the last n lines of a log, for failure messages.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

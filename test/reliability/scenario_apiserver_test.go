// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// restartAPIServer asks localcp (SIGUSR1) to kill and restart kube-apiserver while etcd keeps running, and
// waits until another kube-apiserver process answers. (client-go retries a refused GET, so the suite's own
// reads would not notice the gap: the process is what tells.)
func (s *scene) restartAPIServer() {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(localDir, "localcp.pid"))
	s.must(err, "reading localcp's pid")
	localcp, err := strconv.Atoi(strings.TrimSpace(string(b)))
	s.must(err, "reading localcp's pid")
	old := childPID(localcp, "kube-apiserver")
	if old == 0 {
		s.t.Fatalf("%s: localcp (pid %d) runs no kube-apiserver", s.name, localcp)
	}
	s.must(syscall.Kill(localcp, syscall.SIGUSR1), "signalling localcp")
	s.must(waitFor(s.ctx, 60*time.Second, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		pid := childPID(localcp, "kube-apiserver")
		return pid != 0 && pid != old, fmt.Sprintf("kube-apiserver pid %d", pid)
	}), "waiting for kube-apiserver to be restarted")
	list := &wx.OfficialAccountList{}
	s.must(waitFor(s.ctx, 90*time.Second, 200*time.Millisecond, func(ctx context.Context) (bool, string) {
		err := k8s.List(ctx, list, client.InNamespace(s.fleet.ns))
		return err == nil, fmt.Sprint(err)
	}), "waiting for the apiserver to answer again")
	s.figures.APIServerRestarts++
	s.logf("kube-apiserver restarted (pid %d, was %d)", childPID(localcp, "kube-apiserver"), old)
}

// childPID finds a child process of parent by its command name (0: none).
func childPID(parent int, comm string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		st := string(stat)
		open, closing := strings.IndexByte(st, '('), strings.LastIndexByte(st, ')')
		if open < 0 || closing < open {
			continue
		}
		rest := strings.Fields(st[closing+1:])
		if st[open+1:closing] == comm && len(rest) > 1 && rest[0] != "Z" && rest[1] == strconv.Itoa(parent) {
			return pid
		}
	}
	return 0
}

// touch makes writes that race the manager's: each live link's annotations change, rounds times, so that the
// manager's writes meet resourceVersion conflicts. It returns the number of writes.
func (s *scene) touch(ctx context.Context, rounds int) int {
	n := 0
	for r := range rounds {
		for _, l := range s.fleet.links {
			if _, gone := s.deleted[l.name]; gone {
				continue
			}
			patch := fmt.Sprintf(`{"metadata":{"annotations":{"reliability.wxlink.dev/touched":"%d"}}}`, r)
			obj := &wx.AssociationLink{ObjectMeta: objectMeta(s.fleet.ns, l.name)}
			if k8s.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(patch))) == nil {
				n++
			}
		}
	}
	return n
}

// conflictsRefused counts, from kube-apiserver's own metrics (apiserver_request_total), the writes to
// wxlink's objects it refused with 409 Conflict: an update or patch on a stale resourceVersion. The suite's own
// writes are merge patches without a resourceVersion (and its creates are POSTs), so these are the manager's.
// The counters start again at 0 when kube-apiserver restarts.
func conflictsRefused(ctx context.Context) (int, error) {
	raw, err := rest.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	n := 0.0
	for _, m := range families["apiserver_request_total"].GetMetric() {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if l["code"] == "409" && l["group"] == wx.GroupVersion.Group && (l["verb"] == "PUT" || l["verb"] == "PATCH") {
			n += m.GetCounter().GetValue()
		}
	}
	return int(n), nil
}

// TestAPIServerRestart: kube-apiserver restarts once while the fleet's requests are in flight (etcd keeps its
// data), and the suite's writes race the manager's; the fleet converges, half of it is deleted, and the
// invariants hold. The manager's writes that kube-apiserver refused for a conflict are counted from its
// metrics, until the fleet has converged after the restart. With -concurrent the others start only then (the
// restart would cut them off, and kube-apiserver's metrics would count their managers' conflicts): the
// scenario runs alone until then, and its half deletion alongside them.
func TestAPIServerRestart(t *testing.T) {
	start := time.Now()
	s := newScene(t, "apiserver", *size)
	s.startManager()
	s.waitAccountsReady()
	before, err := conflictsRefused(s.ctx)
	s.must(err, "reading kube-apiserver's metrics")
	// A slow platform (each link request takes half a second, within the 1 s request timeout) keeps
	// requests in flight when kube-apiserver goes down: the manager meets it between a platform call and the
	// write of its answer.
	s.must(s.api.inject(sim.Fault{Path: pathLink, Latency: requestTimeout / 2}), "slowing the link requests")
	s.apply(false)
	s.waitStarted()
	s.restartAPIServer()
	s.must(s.api.clearFaults(), "clearing the latency")
	s.figures.RacingWrites += s.touch(s.ctx, 3)
	s.figures.Convergence = s.waitConverged("after the apiserver restart", scaled(3*time.Minute, 5*time.Minute))
	after, err := conflictsRefused(s.ctx)
	s.must(err, "reading kube-apiserver's metrics")
	s.figures.ManagerConflicts = before + after
	parallel(t)
	s.deleteHalf()
	s.waitConverged("with half deleted", scaled(2*time.Minute, 5*time.Minute))
	s.checkInvariants()
	s.figures.Wall = time.Since(start)
	s.print()
}

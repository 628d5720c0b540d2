// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
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
	s.must(waitFor(context.Background(), 60*time.Second, 50*time.Millisecond, func() (bool, string) {
		pid := childPID(localcp, "kube-apiserver")
		return pid != 0 && pid != old, fmt.Sprintf("kube-apiserver pid %d", pid)
	}), "waiting for kube-apiserver to be restarted")
	list := &wx.OfficialAccountList{}
	s.must(waitFor(context.Background(), 90*time.Second, 200*time.Millisecond, func() (bool, string) {
		err := k8s.List(context.Background(), list, client.InNamespace(s.fleet.ns))
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

// TestAPIServerRestart: writes race the manager's, and kube-apiserver restarts once mid-run (etcd keeps its
// data); the fleet converges, half of it is deleted, and the invariants hold.
func TestAPIServerRestart(t *testing.T) {
	start := time.Now()
	s := newScene(t, "apiserver", *size)
	s.startManager()
	s.waitAccountsReady()
	s.apply(false)
	s.figures.Conflicts += s.touch(context.Background(), 2)
	s.waitMidway()
	s.restartAPIServer()
	s.figures.Conflicts += s.touch(context.Background(), 1)
	s.figures.Convergence = s.waitConverged("after the apiserver restart", scaled(2*time.Minute, 5*time.Minute))
	s.deleteHalf()
	s.waitConverged("with half deleted", scaled(2*time.Minute, 5*time.Minute))
	s.checkInvariants()
	s.figures.Wall = time.Since(start)
	s.print()
}

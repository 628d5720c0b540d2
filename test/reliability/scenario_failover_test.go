// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// The manager's leader election (controller-runtime's defaults): the lease lasts 15 s and the leader renews it
// every 2 s; a standby tries to take it every 2 s plus client-go's jitter (wait.JitterUntil with
// leaderelection.JitterFactor 1.2: each wait is 2 to 4.4 s). A standby cannot see when the leader died: it
// counts the lease from when one of its tries saw the last renewal change the Lease (at most one try after the
// renewal), and takes the Lease at its first try after the lease ran out (at most one more). So the new
// holder's acquireTime comes at most the lease and two of the longest tries after the dead leader's last
// renewTime, both read from the Lease itself.
const (
	leaseName     = "wxlink-reliability-failover" // its own (--leader-election-id), in the scenario's namespace
	leaseDuration = 15 * time.Second
	retryPeriod   = 2 * time.Second
	longestTry    = retryPeriod * 22 / 10 // retryPeriod × (1 + JitterFactor)
	maxTakeover   = leaseDuration + 2*longestTry
	loadSlack     = time.Second // a loaded 2-core machine delays the standby's tries
)

// lease reads the Lease of the leader election.
func (s *scene) lease(ctx context.Context) (coordinationv1.Lease, error) {
	var l coordinationv1.Lease
	err := k8s.Get(ctx, types.NamespacedName{Namespace: s.fleet.ns, Name: leaseName}, &l)
	return l, err
}

// holderOf is a Lease's holder ("" when none).
func holderOf(l coordinationv1.Lease) string {
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

// leaderOf finds which of the processes leads: the one whose log says it acquired the lease.
func leaderOf(ps ...*process) (*process, error) {
	var found []*process
	for _, p := range ps {
		b, err := os.ReadFile(p.logPath)
		if err == nil && strings.Contains(strings.ToLower(string(b)), "successfully acquired lease") {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%d managers say they acquired the lease, want 1", len(found))
	}
	return found[0], nil
}

// answered are the Ready reasons of a link whose request the platform has answered (or that is queued).
var answered = map[string]bool{wx.ReasonAvailable: true, wx.ReasonAwaitingOfficialAccountAdmin: true,
	wx.ReasonAwaitingMiniProgramAdmin: true, wx.ReasonQuotaExceeded: true}

// outstanding counts the links whose request has not been answered yet.
func (s *scene) outstanding(ctx context.Context) (int, error) {
	links := &wx.AssociationLinkList{}
	if err := k8s.List(ctx, links, client.InNamespace(s.fleet.ns)); err != nil {
		return 0, err
	}
	n := len(s.fleet.links) - len(links.Items)
	for _, l := range links.Items {
		if !answered[reason(l.Status.Conditions, wx.ConditionReady)] {
			n++
		}
	}
	return n, nil
}

// waitStarted waits until the first answers have come while most requests are still outstanding: the moment
// for a disruption that must meet requests in flight. It records how many are outstanding.
func (s *scene) waitStarted() {
	s.t.Helper()
	left := 0
	s.must(waitFor(s.ctx, 2*time.Minute, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		n, err := s.outstanding(ctx)
		if err != nil {
			return false, err.Error()
		}
		left = n
		return n < len(s.fleet.links), fmt.Sprintf("%d of %d links outstanding", n, len(s.fleet.links))
	}), "waiting for the first answers")
	if left == 0 {
		s.t.Errorf("%s: every request was answered before the disruption: it met none in flight", s.name)
	}
	s.figures.Outstanding = left
	s.logf("%d of %d requests outstanding", left, len(s.fleet.links))
}

// TestLeaderFailover: two managers with leader election; the leader is SIGKILLed while the fleet's requests
// are in flight; the other takes over within the lease duration and two of its tries (maxTakeover), measured
// on the Lease from the dead leader's last renewal to the new holder's acquisition; the fleet converges, half
// of it is deleted, and the invariants hold.
func TestLeaderFailover(t *testing.T) {
	parallel(t)
	start := time.Now()
	s := newScene(t, "failover", *size)
	le := []string{"--leader-elect", "--leader-election-namespace", s.fleet.ns, "--leader-election-id", leaseName}
	a, b := s.startManager(le...), s.startManager(le...)
	s.waitAccountsReady()
	s.apply(false)
	s.waitStarted()
	leader, err := leaderOf(a, b)
	s.must(err, "finding the leader")
	before, err := s.lease(s.ctx)
	s.must(err, "reading the Lease")
	leader.kill()
	killed := time.Now()
	s.figures.Restarts = 1
	var after coordinationv1.Lease
	s.must(waitFor(s.ctx, 3*maxTakeover, 50*time.Millisecond, func(ctx context.Context) (bool, string) {
		l, err := s.lease(ctx)
		after = l
		h := holderOf(l)
		return err == nil && h != "" && h != holderOf(before) && l.Spec.AcquireTime != nil, fmt.Sprint("holder ", h, err)
	}), "waiting for the standby to take the lease")
	if before.Spec.RenewTime == nil {
		t.Fatalf("the Lease held by %s has no renewTime", holderOf(before))
	}
	s.figures.FailoverGap = after.Spec.AcquireTime.Sub(before.Spec.RenewTime.Time)
	s.logf("the standby leads: acquired %.1fs after the dead leader's last renewal (%.1fs after the kill)",
		s.figures.FailoverGap.Seconds(), time.Since(killed).Seconds())
	if s.figures.FailoverGap > maxTakeover+loadSlack {
		t.Errorf("the standby took the Lease %s after the dead leader's last renewal, more than the lease and two tries (%s) and %s of slack",
			s.figures.FailoverGap, maxTakeover, loadSlack)
	}
	s.waitConverged("after the failover", scaled(3*time.Minute, 5*time.Minute))
	s.deleteHalf()
	s.figures.Convergence = s.waitConverged("with half deleted", scaled(2*time.Minute, 5*time.Minute))
	s.checkInvariants()
	s.figures.Wall = time.Since(start)
	s.print()
}

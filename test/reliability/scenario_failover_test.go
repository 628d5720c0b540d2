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

// The manager's leader election (controller-runtime's defaults): the lease lasts 15 s, and a standby tries
// to take it every 2 s (client-go adds up to 20% jitter). A standby counts the lease from when it saw the
// last renewal, at one of its tries, and takes it at its first try after the lease ran out: a takeover comes
// at most the lease and two jittered tries after the leader's last renewal, which was before its death.
const (
	leaseName     = "wxlink-operator.wechat.wxlink.dev"
	leaseDuration = 15 * time.Second
	retryPeriod   = 2 * time.Second
	maxTakeover   = leaseDuration + 2*retryPeriod*12/10
	loadSlack     = 2 * time.Second // a loaded 2-core machine delays the standby's tries
)

// holder reads the lease's holder.
func (s *scene) holder() string {
	var l coordinationv1.Lease
	if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: s.fleet.ns, Name: leaseName}, &l); err != nil ||
		l.Spec.HolderIdentity == nil {
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

// waitMidway waits until every link's request has been answered (none is in flight), while the links of
// another subject still wait for their admins: the fleet is mid-convergence. A kill during a request is the
// chaos scenario's part: its record is settled after requestSettleTime (a minute), which would make the
// failover's figures about that minute.
func (s *scene) waitMidway() {
	s.t.Helper()
	s.must(waitFor(context.Background(), 2*time.Minute, 200*time.Millisecond, func() (bool, string) {
		links := &wx.AssociationLinkList{}
		if err := k8s.List(context.Background(), links, client.InNamespace(s.fleet.ns)); err != nil {
			return false, err.Error()
		}
		n := 0
		for _, l := range links.Items {
			if answered[reason(l.Status.Conditions, wx.ConditionReady)] {
				n++
			}
		}
		return n == len(s.fleet.links), fmt.Sprintf("%d of %d links answered", n, len(s.fleet.links))
	}), "waiting for the fleet to be mid-convergence")
	s.logf("every request answered; the links of another subject wait for their admins")
}

// TestLeaderFailover: two managers with leader election; the leader is SIGKILLed mid-convergence (every
// request answered, a third of the links waiting for their admins); the other takes over within the lease
// duration and two of its tries (maxTakeover), the fleet converges, half of it is deleted, and the invariants
// hold.
func TestLeaderFailover(t *testing.T) {
	start := time.Now()
	s := newScene(t, "failover", *size)
	le := []string{"--leader-elect", "--leader-election-namespace", s.fleet.ns}
	a, b := s.startManager(le...), s.startManager(le...)
	s.waitAccountsReady()
	old := s.holder()
	s.apply(false)
	s.waitMidway()
	leader, err := leaderOf(a, b)
	s.must(err, "finding the leader")
	killed := time.Now()
	leader.kill()
	s.figures.Restarts = 1
	s.must(waitFor(context.Background(), 2*maxTakeover, 50*time.Millisecond, func() (bool, string) {
		h := s.holder()
		return h != "" && h != old, "holder " + h
	}), "waiting for the standby to take the lease")
	s.figures.FailoverGap = time.Since(killed)
	s.logf("the standby leads, %.1fs after the leader was killed", s.figures.FailoverGap.Seconds())
	if s.figures.FailoverGap > maxTakeover+loadSlack {
		t.Errorf("the standby took over %s after the leader died, more than the lease and two tries (%s) and %s of slack",
			s.figures.FailoverGap, maxTakeover, loadSlack)
	}
	s.waitConverged("after the failover", scaled(2*time.Minute, 5*time.Minute))
	s.deleteHalf()
	s.figures.Convergence = s.waitConverged("with half deleted", scaled(2*time.Minute, 5*time.Minute))
	s.checkInvariants()
	s.figures.Wall = time.Since(start)
	s.print()
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// settled are the Ready reasons of a link that needs nothing more from wxlink or a person.
var settled = map[string]bool{wx.ReasonAvailable: true, wx.ReasonQuotaExceeded: true, wx.ReasonMonthlyLimitReached: true}

// view is one read of both sides: the cluster's links and Official Accounts, and the platform's state.
type view struct {
	links map[string]wx.AssociationLink // live links by name
	oas   map[string]wx.OfficialAccount // by name
	plat  map[[2]string]sim.Link        // platform links by (OA AppID, MP AppID)
	month map[string]int                // the platform's count of this month's link operations, by AppID
	snap  sim.Snapshot
}

func (s *scene) read(ctx context.Context) (*view, error) {
	v := &view{links: map[string]wx.AssociationLink{}, oas: map[string]wx.OfficialAccount{}, plat: map[[2]string]sim.Link{},
		month: map[string]int{}}
	links, oas := &wx.AssociationLinkList{}, &wx.OfficialAccountList{}
	if err := k8s.List(ctx, links, client.InNamespace(s.fleet.ns)); err != nil {
		return nil, err
	}
	if err := k8s.List(ctx, oas, client.InNamespace(s.fleet.ns)); err != nil {
		return nil, err
	}
	for _, l := range links.Items {
		v.links[l.Name] = l
	}
	for _, o := range oas.Items {
		v.oas[o.Name] = o
	}
	snap, err := s.api.state()
	if err != nil {
		return nil, err
	}
	v.snap = snap
	for _, l := range snap.Links {
		v.plat[[2]string{l.OfficialAccount, l.MiniProgram}] = l
	}
	month := snap.Now.In(beijing).Format("2006-01")
	for _, m := range snap.Monthly {
		if m.Month == month {
			v.month[m.AppID] = m.Count
		}
	}
	return v, nil
}

var beijing = time.FixedZone("CST", 8*3600)

// converged reports whether every deleted link is gone, every live link is settled, and every Official
// Account's monthly count has caught up with the platform's. It plays the admins meanwhile: every pending
// link on the platform is confirmed.
func (s *scene) converged(ctx context.Context) (bool, string) {
	v, err := s.read(ctx)
	if err != nil {
		return false, err.Error()
	}
	s.confirmPending(v)
	reasons, left := map[string]int{}, []string{}
	for name, l := range v.links {
		r := reason(l.Status.Conditions, wx.ConditionReady)
		reasons[r]++
		if _, gone := s.deleted[name]; gone {
			left = append(left, name+" (deleted, still there)")
		} else if !settled[r] {
			left = append(left, fmt.Sprintf("%s (%s: %.120s)", name, r, message(l.Status.Conditions, wx.ConditionSynced)))
		} else if why := s.inFlight(v, l); why != "" {
			left = append(left, name+" ("+why+")")
		}
	}
	if n := len(v.links) + len(s.deleted); n != len(s.epochs) {
		left = append(left, fmt.Sprintf("%d links declared or deleted, want %d", n, len(s.epochs)))
	}
	ids := s.fleet.appIDs()
	for name, o := range v.oas {
		if used := monthUsed(o); used != v.month[ids[name]] {
			left = append(left, fmt.Sprintf("%s month %d, platform %d", name, used, v.month[ids[name]]))
		}
	}
	slices.Sort(left)
	return len(left) == 0, fmt.Sprintf("reasons %v; %d unsettled: %s", reasons, len(left), strings.Join(first(left, 8), "; "))
}

// confirmPending plays the admins: every link pending on the platform is confirmed.
func (s *scene) confirmPending(v *view) {
	for _, l := range v.snap.Links {
		if l.Status == sim.LinkWaitingOA || l.Status == sim.LinkWaitingMP {
			_ = s.api.confirm(l.OfficialAccount, l.MiniProgram) // a person acts; a failure is retried next poll
		}
	}
}

// queued reports whether a live link waits in wxlink's queue.
func queued(v *view, name string) bool {
	l, ok := v.links[name]
	return ok && l.Status.Admission != nil && l.Status.Admission.State == wx.AdmissionQueued
}

// containsCode reports whether a Synced message names an errcode.
func containsCode(conds []metav1.Condition, code string) bool {
	return strings.Contains(message(conds, wx.ConditionSynced), code)
}

// inFlight says why a settled-looking link is still moving: a request recorded and not yet answered, or an
// admission its status has not caught up with (queued while the platform lists it, admitted while it does
// not). The invariants then hold only once it settles.
func (s *scene) inFlight(v *view, l wx.AssociationLink) string {
	if pending, ok := l.Annotations[wx.AnnotationRequestPending]; ok {
		p := l.Status.Platform
		if at, err := time.Parse(time.RFC3339, pending); err == nil && (p == nil || p.RequestedTime == nil || p.RequestedTime.Time.Before(at)) {
			return "a request recorded at " + pending + " is unanswered"
		}
	}
	_, listed := v.plat[s.pairOf(s.declOf(l.Name))]
	admitted := l.Status.Admission != nil && l.Status.Admission.State == wx.AdmissionAdmitted
	if admitted != listed {
		return fmt.Sprintf("admitted %v, listed by the platform %v", admitted, listed)
	}
	return ""
}

// monthUsed reads "used/limit" of an Official Account's status.quota.thisMonth (-1 when absent).
func monthUsed(o wx.OfficialAccount) int {
	used, _, ok := strings.Cut(o.Status.Quota.ThisMonth, "/")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(used)
	if err != nil {
		return -1
	}
	return n
}

// convergedTwice is converged, true only on the second poll in a row that finds it (polls are a second
// apart): a reconcile may be between its platform call and its status write at the first.
func (s *scene) convergedTwice() func(ctx context.Context) (bool, string) {
	last := false
	return func(ctx context.Context) (bool, string) {
		ok, state := s.converged(ctx)
		both := ok && last
		last = ok
		return both, state
	}
}

func first(xs []string, n int) []string { return xs[:min(n, len(xs))] }

// waitConverged waits at most timeout for convergence and returns how long it took.
func (s *scene) waitConverged(what string, timeout time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	s.must(waitFor(s.ctx, timeout, time.Second, s.convergedTwice()), "waiting for convergence "+what)
	s.logf("converged %s in %.1fs", what, time.Since(start).Seconds())
	return time.Since(start)
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

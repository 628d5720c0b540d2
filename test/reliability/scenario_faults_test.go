// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

const (
	pathStableToken    = "/cgi-bin/stable_token"
	pathComponentToken = "/cgi-bin/component/api_component_token"
	pathAuthorizer     = "/cgi-bin/component/api_authorizer_token"
)

// matrix is the fault matrix's kinds, one phase each.
func matrix() []sim.Fault {
	return []sim.Fault{
		{ErrCode: -1}, {ErrCode: 45009}, {ErrCode: 40001}, {ErrCode: 42001}, {ErrCode: 61023}, {HTTPStatus: 503},
		{Latency: requestTimeout + 500*time.Millisecond}, {Drop: true}, {DropAfterApply: true},
	}
}

// firedOn are the API paths on which every kind of the matrix must have fired: the link request, the unlink,
// and the token of the OwnSecret route (the third-party slice's token paths are reported, not required: its
// one Official Account is not busy in every phase).
var firedOn = []string{pathLink, pathUnlink, pathStableToken}

// TestFaultMatrix: errcodes -1, 45009, 40001, 42001 and 61023, HTTP 503, latency beyond the request timeout,
// and dropped connections before and after the platform applies a call. Each kind has its phase, in which
// it answers 20% of the calls to each API path (the simulator's Rate: exactly that share of each path's
// calls, its first included) while a slice of the fleet is declared and the previous phase's slice is half
// deleted; every token is expired at the start of each phase so that the token paths are called in it. The
// first kind comes back for a last phase that deletes the last slice's half. A 45009's phase runs just before
// the platform's midnight in Beijing (the simulator's clock is set so), and the same manager process must ask
// again once the day has turned (the next phases go on meanwhile; the scenario checks that the day turned
// before it converged): no restart stands in for the next day. Then the faults stop and everything must
// converge. Each phase's time is in the figures.
func TestFaultMatrix(t *testing.T) {
	parallel(t)
	start := time.Now()
	// Each phase needs a link to unlink: 3 per Official Account. The simulator's day ends 10 minutes into the
	// scenario: the 45009 phase moves it by minutes only, which no token (2 h) or verify ticket (12 h) notices.
	s := newScene(t, "faults", max(*size, 3), func(s *scene) { s.setClockBeforeMidnight(10 * time.Minute) })
	first := s.startManager()
	s.waitAccountsReady()
	kinds := matrix()
	slices := s.fleet.slices(len(kinds))
	window := scaled(6*time.Second, 20*time.Second)
	var midnight time.Time
	for i := 0; i <= len(kinds); i++ {
		var create, del []linkDecl
		if i < len(kinds) {
			create = slices[i]
		}
		if i > 0 {
			del = deletedHalf(slices[i-1])
		}
		if m := s.phase(kinds[i%len(kinds)], create, del, window); !m.IsZero() {
			midnight = m
		}
	}
	s.checkFaultsFired()
	// The objects the 45009s stopped are asked again, by the same manager, once the platform's day has turned:
	// the later phases run meanwhile, and the day has turned by the time the fleet converges.
	s.waitNextDay(midnight)
	s.figures.Convergence = s.waitConverged("after the faults stopped", scaled(2*time.Minute, 4*time.Minute))
	s.mu.Lock()
	started := s.nManager
	s.mu.Unlock()
	if started != 1 || first.exited() {
		t.Errorf("%d managers started (exited: %v), want the first one to have converged alone, with no restart", started,
			first.exited())
	}
	s.checkInvariants()
	s.figures.Wall = time.Since(start)
	s.print()
}

// phaseLimit bounds a phase: long enough for an account that a fault stopped to be asked again at the
// manager's poll interval and meet the kind on the paths it must fire on.
func phaseLimit(window time.Duration) time.Duration {
	return max(3*window, pollInterval()+10*time.Second)
}

// phase runs one kind of the matrix at the fault rate, in two steps. First on the unlink alone, while it
// deletes del (once they are linked on the platform): a deletion reads the platform's list before it unlinks,
// and a kind that stops the caller (45009) would otherwise keep the unlink from the phase whenever it meets
// the list first (for 45009, the link request likewise has its own step, while it declares create). Then on
// every API path while it declares create and, once the link requests have met it, expires every token so
// that the token paths meet it too. The second step ends once the fleet has converged
// (or a window has passed) and the kind has fired on the paths of firedOn that the phase calls, at the latest
// after phaseLimit. It records the kind's firings by path. A 45009's phase returns the platform's midnight
// that its objects wait for (the zero time for the other kinds).
func (s *scene) phase(f sim.Fault, create, del []linkDecl, window time.Duration) time.Time {
	s.t.Helper()
	began := time.Now()
	defer func() {
		s.figures.Phases = append(s.figures.Phases, phaseTime{Kind: faultKind(f), Wall: time.Since(began)})
	}()
	if len(del) > 0 {
		// An account that a fault stopped (an invalid credential) is asked again at the poll interval.
		s.waitLinked(del, phaseLimit(window))
	}
	start := time.Now()
	end := start.Add(phaseLimit(window))
	var midnight time.Time
	stops := f.ErrCode == 45009
	if stops {
		// The daily quota resets at the platform's midnight in Beijing: the phase ends just before it (no 45009
		// after it, which would wait a whole day), so that the objects its 45009s stopped are asked again, by
		// the same manager, once the day has turned; the next phases do not wait for it. Each step of the
		// phase ends by then.
		end = start.Add(2 * window)
		midnight = s.setClockBeforeMidnight(2*window + 3*time.Second)
	}
	f.Rate = *faultPct
	if len(del) > 0 {
		s.faultOnPath(f, pathUnlink, func() { s.deleteLinks(del) }, earliest(time.Now().Add(2*window), end))
	}
	if len(create) > 0 && stops {
		// Likewise for the link request: a 45009 that a new link meets first on the list, or on its Official
		// Account's calls, stops it before its request.
		s.faultOnPath(f, pathLink, func() { s.createLinks(create) }, earliest(time.Now().Add(window), end))
	}
	f.Path = "*"
	s.must(s.api.inject(f), "injecting "+faultKind(f))
	if len(create) > 0 && !stops {
		s.createLinks(create)
		s.waitFired(map[string]bool{pathLink: true}, nil, time.Now().Add(window))
	}
	s.must(s.api.expireTokens(), "expiring the tokens")
	converged := s.convergedTwice()
	s.waitFired(map[string]bool{pathStableToken: true}, func(ctx context.Context) (bool, string) {
		ok, state := converged(ctx) // not converging with faults on is no failure
		return ok || time.Since(start) > window, state
	}, end)
	s.endFault()
	if stops {
		s.figures.DailyQuotaWaits = s.dailyQuotaWaits()
	}
	s.logf("phase %s: %d links declared, %d deleted, fired %v (%.1fs)", faultKind(f), len(create), len(del),
		s.figures.FaultsByKindPath[faultKind(f)], time.Since(began).Seconds())
	return midnight
}

// faultOnPath injects the kind on one API path alone, does what calls it, waits until it fired there (at the
// latest until end), and clears it.
func (s *scene) faultOnPath(f sim.Fault, path string, do func(), end time.Time) {
	s.t.Helper()
	f.Path = path
	s.must(s.api.inject(f), "injecting "+faultKind(f))
	do()
	s.waitFired(map[string]bool{path: true}, nil, end)
	s.endFault()
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// waitFired waits until the active fault has fired on each path of need and then (when not nil) holds,
// at the latest until end. Not firing is checked at the end of the scenario.
func (s *scene) waitFired(need map[string]bool, then func(context.Context) (bool, string), end time.Time) {
	_ = waitFor(s.ctx, time.Until(end), 500*time.Millisecond, func(ctx context.Context) (bool, string) {
		fs, err := s.api.faults()
		if err != nil || len(fs) != 1 {
			return false, fmt.Sprint("listing the faults: ", err)
		}
		for p := range need {
			if fs[0].FiredByPath[p] == 0 {
				return false, "not fired on " + p + " yet"
			}
		}
		if then == nil {
			return true, ""
		}
		return then(ctx)
	})
}

// endFault clears the active fault and records its firings.
func (s *scene) endFault() []sim.Fault {
	fs, err := s.api.faults()
	s.must(err, "listing the faults")
	s.must(s.api.clearFaults(), "clearing the faults")
	s.recordFired(fs)
	return fs
}

// recordFired adds a phase's firings to the figures, by kind and path.
func (s *scene) recordFired(fs []sim.Fault) {
	if s.figures.FaultsByKind == nil {
		s.figures.FaultsByKind, s.figures.FaultsByKindPath = map[string]int{}, map[string]map[string]int{}
	}
	for _, f := range fs {
		k := faultKind(f)
		s.figures.FaultsByKind[k] += f.Fired
		if s.figures.FaultsByKindPath[k] == nil {
			s.figures.FaultsByKindPath[k] = map[string]int{}
		}
		for p, n := range f.FiredByPath {
			s.figures.FaultsByKindPath[k][p] += n
		}
	}
}

// checkFaultsFired: every kind of the matrix fired on the link request, the unlink and the token path.
func (s *scene) checkFaultsFired() {
	for _, f := range matrix() {
		k := faultKind(f)
		for _, p := range firedOn {
			if s.figures.FaultsByKindPath[k][p] == 0 {
				s.t.Errorf("%s: %s never fired on %s (fired: %v)", s.name, k, p, s.figures.FaultsByKindPath[k])
			}
		}
	}
}

// setClockBeforeMidnight sets the simulator's clock to lead before a midnight in Beijing that does not start
// a month (the manager counts months on its own clock): the next one, or, on a month's last day, the last
// one (the clock then goes back less than a day).
func (s *scene) setClockBeforeMidnight(lead time.Duration) time.Time {
	s.t.Helper()
	b := time.Now().In(beijing)
	midnight := time.Date(b.Year(), b.Month(), b.Day()+1, 0, 0, 0, 0, beijing)
	if midnight.Day() == 1 {
		midnight = time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, beijing)
	}
	at := midnight.Add(-lead)
	s.must(s.api.setClock(at), "setting the simulator's clock")
	s.logf("the simulator's clock set to %s (Beijing), %s before its midnight", at.Format(time.DateTime), lead)
	return midnight
}

// waitNextDay waits until the simulator's clock has passed midnight: the day the 45009s wait for.
func (s *scene) waitNextDay(midnight time.Time) {
	s.t.Helper()
	s.must(waitFor(s.ctx, time.Minute, 200*time.Millisecond, func(context.Context) (bool, string) {
		now, err := s.api.clock()
		return err == nil && !now.Before(midnight), fmt.Sprintf("the simulator's time %s (%v)", now, err)
	}), "waiting for the simulator's next day")
	s.logf("the simulator's day has turned")
}

// waitLinked waits at most timeout until each link of del that the platform should have is linked on it.
func (s *scene) waitLinked(del []linkDecl, timeout time.Duration) {
	_ = waitFor(s.ctx, timeout, 500*time.Millisecond, func(ctx context.Context) (bool, string) {
		v, err := s.read(ctx)
		if err != nil {
			return false, err.Error()
		}
		s.confirmPending(v)
		for _, d := range del {
			if pl, ok := v.plat[s.pairOf(d)]; (!ok || pl.Status != sim.LinkLinked) && !queued(v, d.name) {
				return false, d.name + " is not linked yet"
			}
		}
		return true, ""
	})
}

// deletedHalf is the part of a slice that scenarios delete.
func deletedHalf(ls []linkDecl) []linkDecl {
	var out []linkDecl
	for _, l := range ls {
		if l.deleteHalf {
			out = append(out, l)
		}
	}
	return out
}

// scaled picks a duration by the run's size: small for the short run, large for the default size.
func scaled(short, full time.Duration) time.Duration {
	if *size <= 5 {
		return short
	}
	return full
}

// dailyQuotaWaits counts the links and Official Accounts whose last reconcile met a 45009 (their Synced
// message says so): the objects that wait for the platform's next day.
func (s *scene) dailyQuotaWaits() int {
	v, err := s.read(s.ctx)
	if err != nil {
		return 0
	}
	n := 0
	for _, l := range v.links {
		n += b2i(containsCode(l.Status.Conditions, "45009"))
	}
	for _, o := range v.oas {
		n += b2i(containsCode(o.Status.Conditions, "45009"))
	}
	return n
}

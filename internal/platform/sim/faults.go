// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
)

// InjectFault adds a fault and returns its id. Faults are matched in the order they were added; the first one
// that matches the path and passes its probability fires (and uses up one of its Count).
func (s *Simulator) InjectFault(f Fault) (string, error) {
	if f.Path == "" {
		return "", errors.New("fault: path is required (an API path, or \"*\")")
	}
	if f.Path != "*" {
		if _, ok := apiRoutes()[f.Path]; !ok {
			return "", fmt.Errorf("fault: %q is not an API path the simulator serves", f.Path)
		}
	}
	if f.Probability < 0 || f.Probability > 1 {
		return "", errors.New("fault: probability must be within 0..1 (0 means always)")
	}
	if f.Rate < 0 || f.Rate > 1 || (f.Rate > 0 && f.Probability > 0) {
		return "", errors.New("fault: rate must be within 0..1, and not with a probability")
	}
	if f.Count < 0 {
		return "", errors.New("fault: count must be >= 0 (0 means unlimited)")
	}
	if f.HTTPStatus != 0 && (f.HTTPStatus < 500 || f.HTTPStatus > 599) {
		return "", errors.New("fault: httpStatus must be 500..599")
	}
	if f.Latency < 0 {
		return "", errors.New("fault: latency must be >= 0")
	}
	effects := 0
	for _, b := range []bool{f.ErrCode != 0, f.Drop, f.DropAfterApply, f.HTTPStatus != 0} {
		if b {
			effects++
		}
	}
	if effects > 1 {
		return "", errors.New("fault: choose one of errcode, drop, dropAfterApply and httpStatus (latency combines with any)")
	}
	if effects == 0 && f.Latency == 0 {
		return "", errors.New("fault: it does nothing (set errcode, drop, dropAfterApply, httpStatus or latency)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) >= s.opts.Limits.Faults {
		return "", fmt.Errorf("fault: at most %d faults", s.opts.Limits.Faults)
	}
	s.faultN++
	f.ID = "f" + strconv.Itoa(s.faultN)
	f.Remaining = f.Count
	f.Fired, f.FiredByPath, f.seen = 0, map[string]int{}, map[string]int{}
	s.faults = append(s.faults, &f)
	return f.ID, nil
}

// ClearFaults removes faults: all of them without arguments, else those with the given ids or paths.
// It returns how many were removed.
func (s *Simulator) ClearFaults(idsOrPaths ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(idsOrPaths) == 0 {
		n := len(s.faults)
		s.faults = nil
		return n
	}
	keep := s.faults[:0]
	n := 0
	for _, f := range s.faults {
		match := false
		for _, k := range idsOrPaths {
			if f.ID == k || f.Path == k {
				match = true
			}
		}
		if match {
			n++
		} else {
			keep = append(keep, f)
		}
	}
	s.faults = keep
	return n
}

// Faults lists the active faults.
func (s *Simulator) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultsLocked()
}

func (s *Simulator) faultsLocked() []Fault {
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		c := *f
		c.FiredByPath, c.seen = maps.Clone(f.FiredByPath), nil
		out = append(out, c)
	}
	return out
}

// pickFault counts the call and returns the fault that fires for it, if any.
func (s *Simulator) pickFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statsFor(path)
	st.Total++
	// A Rate fault counts every call of the paths it matches, also those an earlier fault fired on: its share
	// is of all the calls, and it catches up on the next call that reaches it.
	for _, f := range s.faults {
		if f.Rate > 0 && f.matches(path) {
			f.seen[path]++
		}
	}
	for i, f := range s.faults {
		if !f.matches(path) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && s.rng.Float64() >= f.Probability {
			continue
		}
		if f.Rate > 0 && !f.rateFires(path) {
			continue
		}
		f.Fired++
		f.FiredByPath[path]++
		fired := *f
		fired.FiredByPath, fired.seen = nil, nil
		if f.Count > 0 {
			f.Remaining--
			if f.Remaining <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &fired
	}
	return nil
}

// matches reports whether the fault applies to calls of path.
func (f *Fault) matches(path string) bool { return f.Path == "*" || f.Path == path }

// rateFires reports whether the fault's Rate is due on a call of path (counted in seen already): when the
// path's firings so far fall short of Rate times its calls (rounded up), so the first call fires and then
// every 1/Rate-th.
func (f *Fault) rateFires(path string) bool {
	return float64(f.FiredByPath[path]) < math.Ceil(f.Rate*float64(f.seen[path])-1e-9)
}

func (s *Simulator) statsFor(path string) *EndpointStats {
	st := s.calls[path]
	if st == nil {
		st = &EndpointStats{ByErrcode: map[int]int{}}
		s.calls[path] = st
	}
	return st
}

func (s *Simulator) recordErrcode(path string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statsFor(path).ByErrcode[code]++
}

func (s *Simulator) recordDrop(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statsFor(path).Dropped++
}

func (s *Simulator) recordAppliedUnanswered(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statsFor(path).AppliedUnanswered++
}

// recordDelay counts a call a latency fault held, and whether its caller gave up meanwhile.
func (s *Simulator) recordDelay(path string, abandoned bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statsFor(path)
	st.Delayed++
	if abandoned {
		st.Abandoned++
	}
}

func (s *Simulator) recordHTTPError(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statsFor(path).HTTPErrors++
}

// Calls returns how many times each API path was called (faulted calls included).
func (s *Simulator) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for p, st := range s.calls {
		out[p] = st.Total
	}
	return out
}

// CallStats returns the per-path counters, with answers by errcode.
func (s *Simulator) CallStats() map[string]EndpointStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callStatsLocked()
}

func (s *Simulator) callStatsLocked() map[string]EndpointStats {
	out := make(map[string]EndpointStats, len(s.calls))
	for p, st := range s.calls {
		c := *st
		c.ByErrcode = maps.Clone(st.ByErrcode)
		out[p] = c
	}
	return out
}

// ResetCalls zeroes the call counters.
func (s *Simulator) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]*EndpointStats{}
	s.callLog, s.callLogDropped = nil, 0
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

const (
	pathLink   = "/cgi-bin/wxopen/wxamplink"
	pathUnlink = "/cgi-bin/wxopen/wxampunlink"
)

// quotaRefusals are the platform's answers to a link request over a quota: wxlink must queue instead.
var quotaRefusals = map[int]bool{89016: true, 89407: true, 89017: true, 1005: true, 89009: true, 89030: true}

// pairCalls are one pair's link calls that reached the platform.
type pairCalls struct {
	applied, ambiguous, alreadyThere, unlinked int
}

// tally sums the call log by pair, and counts the quota refusals.
func tally(log []sim.LinkCall) (map[[2]string]*pairCalls, int) {
	out, refusals := map[[2]string]*pairCalls{}, 0
	for _, c := range log {
		k := [2]string{c.OfficialAccount, c.MiniProgram}
		if out[k] == nil {
			out[k] = &pairCalls{}
		}
		p := out[k]
		if c.Path == pathLink && c.Unanswered && c.Errcode == 0 {
			// The platform applied the request, and the caller never heard it: an ambiguous failure. A refusal
			// whose answer was dropped changed nothing, and excuses nothing.
			p.ambiguous++
		}
		switch {
		case c.Path == pathUnlink && c.Errcode == 0:
			p.unlinked++
		case c.Path != pathLink:
		case c.Errcode == 0:
			p.applied++
		case c.Errcode == 89015 || c.Errcode == 89010:
			p.alreadyThere++
		case quotaRefusals[c.Errcode]:
			refusals++
		}
	}
	return out, refusals
}

// checkInvariants reads both sides once the scenario has converged and fills the figures; every broken
// invariant is a test error.
func (s *scene) checkInvariants() {
	s.t.Helper()
	v, err := s.read(s.ctx)
	s.must(err, "reading the final state")
	log, err := s.api.callLog()
	s.must(err, "reading the call log")
	if b, err := json.MarshalIndent(log, "", " "); err == nil {
		_ = os.WriteFile(filepath.Join(s.dir, "calllog.json"), b, 0o600)
	}
	pairs, refusals := tally(log)
	f := &s.figures
	f.QuotaRefusals = refusals
	s.checkRequests(pairs)
	s.checkPlatformMatches(v)
	s.checkMonth(v)
	s.checkQueues(v)
	f.SecretHits = s.checkSecrets()
	for _, msg := range f.Violations {
		s.t.Errorf("%s: %s", s.name, msg)
	}
	if f.QuotaRefusals > 0 {
		s.t.Errorf("%s: the platform refused %d link requests for a quota", s.name, f.QuotaRefusals)
	}
}

// pairOf is the (OA AppID, MP AppID) of a declared link.
func (s *scene) pairOf(l linkDecl) [2]string {
	ids := s.fleet.appIDs()
	return [2]string{ids[l.oa], ids[l.mp]}
}

// checkRequests: wxamplink applied each link at most once per declaration; a request for a link the platform
// already had is a duplicate, forgiven once per ambiguous failure of that pair; an Orphan link is never
// unlinked.
func (s *scene) checkRequests(pairs map[[2]string]*pairCalls) {
	f := &s.figures
	for _, l := range s.fleet.links {
		p := pairs[s.pairOf(l)]
		if p == nil {
			continue
		}
		f.Requests += p.applied
		f.Ambiguous += p.ambiguous
		dups := max(0, p.applied-s.epochs[l.name]) + p.alreadyThere
		if beyond := dups - p.ambiguous; beyond > 0 {
			f.Duplicates += beyond
			f.violate("%s: %d duplicate requests beyond its %d ambiguous ones (%d applied for %d declarations, %d answered 'already there')",
				l.name, beyond, p.ambiguous, p.applied, s.epochs[l.name], p.alreadyThere)
		}
		if l.policy == wx.DeletionPolicyOrphan && p.unlinked > 0 {
			f.Orphans++
			f.violate("%s (deletionPolicy Orphan) was unlinked on the platform %d times", l.name, p.unlinked)
		}
	}
}

// checkPlatformMatches: each admitted live link is linked on the platform, no queued one is there, a link
// deleted with Delete is gone, and the platform holds nothing else of the fleet (an Orphan link deleted after
// its request stays).
func (s *scene) checkPlatformMatches(v *view) {
	f := &s.figures
	expected := map[[2]string]string{}
	for name, l := range v.links {
		d := s.declOf(name)
		k := s.pairOf(d)
		pl, onPlat := v.plat[k]
		admitted := l.Status.Admission != nil && l.Status.Admission.State == wx.AdmissionAdmitted
		available := reason(l.Status.Conditions, wx.ConditionReady) == wx.ReasonAvailable
		// wxlink's admission is one side; its Ready reason is another, and checkQueues checks the queue
		// against the platform's pools: a link that is neither admitted nor queued, or says Available without
		// being linked on the platform, breaks the promise whatever its admission says.
		switch {
		case (admitted || available) && (!onPlat || pl.Status != sim.LinkLinked):
			f.Lost++
			f.violate("%s is admitted (%v) or Available (%v) but the platform has it as %v (status %d)", name, admitted,
				available, onPlat, pl.Status)
		case !admitted && onPlat:
			f.violate("%s is not admitted, yet the platform lists it (status %d)", name, pl.Status)
		case !admitted && !queued(v, name):
			f.violate("%s is neither admitted nor queued (admission %+v)", name, l.Status.Admission)
		}
		expected[k] = name
	}
	for name, d := range s.deleted {
		k := s.pairOf(d)
		if _, there := v.plat[k]; there && d.policy == wx.DeletionPolicyDelete {
			f.Orphans++
			f.violate("%s was deleted with deletionPolicy Delete, but the platform still lists it", name)
		} else if there {
			expected[k] = name
		}
	}
	for k, pl := range v.plat {
		if _, ok := expected[k]; !ok && pl.Origin == sim.LinkOriginAPI {
			f.Orphans++
			f.violate("the platform lists %s -> %s (status %d), which no link declares", k[0], k[1], pl.Status)
		}
	}
}

// checkMonth: each Official Account's count of this month's new links equals the platform's.
func (s *scene) checkMonth(v *view) {
	ids := s.fleet.appIDs()
	for name, o := range v.oas {
		used, plat := monthUsed(o), v.month[ids[name]]
		if used != plat {
			s.figures.Drift += abs(used - plat)
			s.figures.violate("%s counts %d new links this month, the platform %d", name, used, plat)
		}
	}
}

// checkQueues: a link waits in the queue only while its Official Account's pool is full on the platform (10
// same-subject, 3 other-subject) or its month is used up (13): none is left behind a free slot.
func (s *scene) checkQueues(v *view) {
	ids := s.fleet.appIDs()
	used := map[string][2]int{} // OA AppID -> same, other occupied on the platform
	for _, l := range v.snap.Links {
		if l.Status == sim.LinkRejected {
			continue
		}
		u := used[l.OfficialAccount]
		if l.SameSubject {
			u[0]++
		} else {
			u[1]++
		}
		used[l.OfficialAccount] = u
	}
	for name, l := range v.links {
		if l.Status.Admission == nil || l.Status.Admission.State != wx.AdmissionQueued {
			continue
		}
		d := s.declOf(name)
		oa := ids[d.oa]
		full := (d.same && used[oa][0] >= sim.SameSubjectLinkQuota) || (!d.same && used[oa][1] >= sim.DifferentSubjectLinkQuota) ||
			v.month[oa] >= sim.OfficialAccountMonthly
		if !full {
			s.figures.violate("%s is queued, yet its Official Account has room on the platform (%v, month %d)", name, used[oa], v.month[oa])
		}
	}
}

// declOf finds a link's declaration by name.
func (s *scene) declOf(name string) linkDecl {
	for _, l := range s.fleet.links {
		if l.name == name {
			return l
		}
	}
	s.t.Fatalf("%s: no declared link %s", s.name, name)
	return linkDecl{}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (f *figures) violate(format string, args ...any) {
	f.Violations = append(f.Violations, fmt.Sprintf(format, args...))
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// badCase is one entry of the catalogue in badinput/.
type badCase struct {
	name, file, setup string
	refused           bool
	object, reason    string // for a status case: Kind/name and the Ready reason
	fragment          string
}

// loadCatalogue reads badinput/*.yaml and the .want beside each.
func loadCatalogue(t *testing.T) []badCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "test", "reliability", "badinput", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []badCase
	for _, f := range files {
		if strings.HasSuffix(f, ".setup.yaml") {
			continue
		}
		base := strings.TrimSuffix(f, ".yaml")
		want, err := os.ReadFile(base + ".want")
		if err != nil {
			t.Fatalf("%s has no .want beside it: %v", f, err)
		}
		c, err := parseWant(strings.TrimSpace(string(want)))
		if err != nil {
			t.Fatalf("%s.want: %v", base, err)
		}
		c.name, c.file = filepath.Base(base), f
		if _, err := os.Stat(base + ".setup.yaml"); err == nil {
			c.setup = base + ".setup.yaml"
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b badCase) int { return strings.Compare(a.name, b.name) })
	return out
}

// parseWant reads "refused: <fragment>" or "status: <Kind>/<name> <Reason>: <fragment>".
func parseWant(w string) (badCase, error) {
	var c badCase
	if frag, ok := strings.CutPrefix(w, "refused: "); ok {
		c.refused, c.fragment = true, frag
		return c, nil
	}
	rest, ok := strings.CutPrefix(w, "status: ")
	head, frag, ok2 := strings.Cut(rest, ": ")
	fields := strings.Fields(head)
	if !ok || !ok2 || len(fields) != 2 || !strings.Contains(fields[0], "/") {
		return c, fmt.Errorf("want %q: not \"refused: <fragment>\" nor \"status: <Kind>/<name> <Reason>: <fragment>\"", w)
	}
	c.object, c.reason, c.fragment = fields[0], fields[1], frag
	return c, nil
}

// TestBadInputCatalogue applies each wrong manifest of badinput/ with kubectl: it must be refused at apply
// with a message that says what to fix, or reported in status with a reason.
func TestBadInputCatalogue(t *testing.T) {
	parallel(t)
	start := time.Now()
	cases := loadCatalogue(t)
	if len(cases) < 40 {
		t.Fatalf("the catalogue has %d cases, want at least 40", len(cases))
	}
	s := newScene(t, "badinput", 1)
	b, err := os.ReadFile(filepath.Join(root, "test", "reliability", "badinput", "seed.json"))
	s.must(err, "reading badinput/seed.json")
	var seed sim.SeedFile
	s.must(json.Unmarshal(b, &seed), "decoding badinput/seed.json")
	s.must(s.api.seed(seed), "seeding the simulator")
	s.startManager()
	s.waitAccountsReady()
	var refused, reported atomic.Int32
	t.Run("cases", func(t *testing.T) { // returns once every parallel case has ended
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				switch ok := s.applyBad(t, c); {
				case ok && c.refused:
					refused.Add(1)
				case ok:
					reported.Add(1)
				}
			})
		}
	})
	s.checkDuplicateMadeNoCall("dup-a", "oa-000", "mp-same-2")
	s.checkCatalogueCalls()
	s.figures.SecretHits = s.checkSecrets()
	for _, msg := range s.figures.Violations {
		t.Errorf("%s: %s", s.name, msg)
	}
	fmt.Printf("\n=== figures: badinput (%s) ===\n  %-40s %d\n  %-40s %d\n  %-40s %d\n  %-40s %d\n  %-40s %d\n  %-40s %d\n  %-40s %s\n",
		s.fleet.ns, "cases", len(cases), "refused at apply as expected", refused.Load(), "reported in status as expected",
		reported.Load(), "link requests applied (wxamplink)", s.figures.Requests, "platform quota refusals", s.figures.QuotaRefusals,
		fmt.Sprintf("secret hits in logs (%d values)", s.figures.SecretsChecked), s.figures.SecretHits,
		"wall time", time.Since(start).Round(time.Second))
}

// checkDuplicateMadeNoCall: once the first of two links that declare the same association is linked on the
// platform, its pair has met exactly one wxamplink call: the duplicate (57-link-duplicate) made none.
func (s *scene) checkDuplicateMadeNoCall(first, oa, mp string) {
	s.t.Helper()
	ids := s.fleet.appIDs()
	pair := [2]string{ids[oa], ids[mp]}
	s.must(waitFor(s.ctx, time.Minute, 300*time.Millisecond, func(context.Context) (bool, string) {
		snap, err := s.api.state()
		if err != nil {
			return false, err.Error()
		}
		for _, l := range snap.Links {
			if l.OfficialAccount == pair[0] && l.MiniProgram == pair[1] {
				return true, ""
			}
		}
		return false, first + " is not on the platform yet"
	}), "waiting for "+first+" on the platform")
	log, err := s.api.callLog()
	s.must(err, "reading the call log")
	calls := 0
	for _, c := range log {
		if c.Path == pathLink && c.OfficialAccount == pair[0] && c.MiniProgram == pair[1] {
			calls++
		}
	}
	if calls != 1 {
		s.figures.violate("%s -> %s met %d wxamplink calls, want 1 (%s's): a duplicate link called the platform", oa, mp, calls, first)
	}
}

// checkCatalogueCalls: no wrong manifest made the platform refuse a link for a quota, or apply one twice.
func (s *scene) checkCatalogueCalls() {
	log, err := s.api.callLog()
	s.must(err, "reading the call log")
	pairs, refusals := tally(log)
	s.figures.QuotaRefusals = refusals
	if refusals > 0 {
		s.figures.violate("the platform refused %d link requests for a quota", refusals)
	}
	for k, p := range pairs {
		s.figures.Requests += p.applied
		if beyond := max(0, p.applied-1) + p.alreadyThere - p.ambiguous; beyond > 0 {
			s.figures.violate("%s -> %s: %d duplicate link requests", k[0], k[1], beyond)
		}
	}
}

// applyBad applies one case and checks what happened; it reports whether the case passed.
func (s *scene) applyBad(t *testing.T, c badCase) bool {
	t.Helper()
	if c.setup != "" {
		if out, err := command(timeoutKubectl, nil, kubectl, "apply", "-n", s.fleet.ns, "-f", c.setup); err != nil {
			t.Fatalf("the setup of %s was refused: %v\n%s", c.name, err, out)
		}
	}
	out, err := command(timeoutKubectl, nil, kubectl, "apply", "-n", s.fleet.ns, "-f", c.file)
	path := filepath.Join(s.dir, "kubectl-apply-"+c.name+".txt") // for the secret check
	if werr := os.WriteFile(path, []byte(out), 0o600); werr != nil {
		t.Fatal(werr)
	}
	s.addLog(path)
	switch {
	case c.refused && err == nil:
		t.Errorf("kubectl apply accepted %s: %s", c.name, out)
	case c.refused && !strings.Contains(out, c.fragment):
		t.Errorf("kubectl apply refused %s, saying:\n%s\nwant it to say %q", c.name, out, c.fragment)
	case !c.refused && err != nil:
		t.Errorf("kubectl apply refused %s, which status should report: %v\n%s", c.name, err, out)
	case !c.refused:
		return s.waitReported(t, c)
	default:
		return true
	}
	return false
}

// waitReported waits until the object's Ready condition has the expected reason and message fragment.
func (s *scene) waitReported(t *testing.T, c badCase) bool {
	t.Helper()
	kind, name, _ := strings.Cut(c.object, "/")
	path := `{.status.conditions[?(@.type=="Ready")].reason}{"\n"}{.status.conditions[?(@.type=="Ready")].message}`
	last := ""
	defer func() { // what the user read, for the secret check
		file := filepath.Join(s.dir, "kubectl-status-"+c.name+".txt")
		if os.WriteFile(file, []byte(last), 0o600) == nil {
			s.addLog(file)
		}
	}()
	err := waitFor(s.ctx, time.Minute, 300*time.Millisecond, func(ctx context.Context) (bool, string) {
		out, err := command(timeoutKubectl, nil, kubectl, "get", strings.ToLower(kind), name, "-n", s.fleet.ns, "-o", "jsonpath="+path)
		last = out
		if err != nil {
			return false, out
		}
		r, msg, _ := strings.Cut(out, "\n")
		return r == c.reason && strings.Contains(msg, c.fragment), out
	})
	if err != nil {
		t.Errorf("%s: %s never reported Ready reason %s with %q: %v", c.name, c.object, c.reason, c.fragment, err)
		return false
	}
	return true
}

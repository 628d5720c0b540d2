// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

const timeoutKubectl = 2 * time.Minute

// figures are what a scenario prints at its end (and writes as JSON beside its logs).
type figures struct {
	Scenario          string                    `json:"scenario"`
	Links             int                       `json:"links"`
	FaultsByKind      map[string]int            `json:"faultsByKind,omitempty"`
	FaultsByKindPath  map[string]map[string]int `json:"faultsByKindAndPath,omitempty"`
	Restarts          int                       `json:"managerRestarts"`
	NextDayRestarts   int                       `json:"nextDayRestarts,omitempty"`
	DailyQuotaWaits   int                       `json:"dailyQuotaWaits,omitempty"`
	APIServerRestarts int                       `json:"apiserverRestarts,omitempty"`
	Requests          int                       `json:"requestsApplied"`
	Ambiguous         int                       `json:"ambiguous"`
	Duplicates        int                       `json:"duplicatesBeyondAmbiguous"`
	Orphans           int                       `json:"orphans"`
	Lost              int                       `json:"lost"`
	Drift             int                       `json:"counterDrift"`
	QuotaRefusals     int                       `json:"quotaRefusals"`
	SecretHits        int                       `json:"secretHits"`
	SecretsChecked    int                       `json:"secretsChecked"`
	RacingWrites      int                       `json:"racingWritesBySuite,omitempty"`
	ManagerConflicts  int                       `json:"managerConflicts,omitempty"`
	Outstanding       int                       `json:"requestsOutstandingAtDisruption,omitempty"`
	Phases            []phaseTime               `json:"phases,omitempty"`
	Convergence       time.Duration             `json:"convergenceAfterFaults"`
	FailoverGap       time.Duration             `json:"failoverGap,omitempty"`
	Wall              time.Duration             `json:"wall"`
	Violations        []string                  `json:"violations,omitempty"`
}

// phaseTime is how long one phase of the fault matrix took, for finding where the scenario's time goes.
type phaseTime struct {
	Kind string        `json:"kind"`
	Wall time.Duration `json:"wall"`
}

func faultKind(f sim.Fault) string {
	switch {
	case f.ErrCode != 0:
		return fmt.Sprintf("errcode %d", f.ErrCode)
	case f.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d", f.HTTPStatus)
	case f.DropAfterApply:
		return "dropAfterApply"
	case f.Drop:
		return "drop"
	default:
		return "latency " + f.Latency.String()
	}
}

// byPath names the firings of one kind on the link request, the unlink, the token paths and the rest.
func byPath(m map[string]int) string {
	names := map[string]string{pathLink: "wxamplink", pathUnlink: "wxampunlink", pathStableToken: "stable_token",
		pathComponentToken: "component_token", pathAuthorizer: "authorizer_token"}
	var parts []string
	other := 0
	for _, p := range sortedKeys(m) {
		if n, ok := names[p]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", n, m[p]))
		} else {
			other += m[p]
		}
	}
	return strings.Join(append(parts, fmt.Sprintf("other APIs %d", other)), ", ")
}

// print writes the figures as a table to stdout and as JSON to the scenario's directory.
func (s *scene) print() {
	f := s.figures
	var b strings.Builder
	fmt.Fprintf(&b, "\n=== figures: %s (%s, %d links over %d Official Accounts) ===\n", f.Scenario, s.fleet.ns, f.Links, len(s.fleet.oas))
	row := func(k string, v any) { fmt.Fprintf(&b, "  %-40s %v\n", k, v) }
	for _, k := range sortedKeys(f.FaultsByKind) {
		row("faults injected: "+k, fmt.Sprintf("%d (%s)", f.FaultsByKind[k], byPath(f.FaultsByKindPath[k])))
	}
	row("manager restarts (SIGKILL)", f.Restarts)
	if f.FaultsByKind != nil {
		row("objects waiting for the next day (45009)", f.DailyQuotaWaits)
	}
	if f.APIServerRestarts > 0 {
		row("kube-apiserver restarts", f.APIServerRestarts)
		row("writes racing the manager's (the suite's)", f.RacingWrites)
		row("the manager's writes refused (409 Conflict)", f.ManagerConflicts)
	}
	if f.Outstanding > 0 {
		row("requests outstanding at the disruption", f.Outstanding)
	}
	row("link requests applied (wxamplink)", f.Requests)
	row("ambiguous (handled, answer dropped)", f.Ambiguous)
	row("duplicate requests beyond ambiguous", f.Duplicates)
	row("orphans on the platform", f.Orphans)
	row("admitted links missing on the platform", f.Lost)
	row("monthly counter drift", f.Drift)
	row("platform quota refusals", f.QuotaRefusals)
	row(fmt.Sprintf("secret hits in logs (%d values)", f.SecretsChecked), f.SecretHits)
	for i, p := range f.Phases {
		row(fmt.Sprintf("phase %d (%s)", i+1, p.Kind), p.Wall.Round(100*time.Millisecond))
	}
	row("convergence after the last fault", f.Convergence.Round(100*time.Millisecond))
	if f.FailoverGap > 0 {
		row("failover gap (last renewal to new leader)", f.FailoverGap.Round(100*time.Millisecond))
	}
	row("wall time", f.Wall.Round(time.Second))
	row("invariant violations", len(f.Violations))
	fmt.Print(b.String())
	if j, err := json.MarshalIndent(f, "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(s.dir, "figures.json"), j, 0o600)
	}
}

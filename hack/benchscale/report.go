// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	dto "github.com/prometheus/client_model/go"
)

const (
	pathLink    = "/cgi-bin/wxopen/wxamplink"
	pathLinkGet = "/cgi-bin/wxopen/wxamplinkget"
)

// result is one run's figures; its JSON is what bench/ keeps.
type result struct {
	Config  map[string]any `json:"config"`
	Floor   phaseResult    `json:"floor"`
	Fleet   fleetResult    `json:"fleet"`
	Ratio   float64        `json:"ratio"`
	Rest    restResult     `json:"rest"`
	Freed   freedResult    `json:"freedSlots"`
	Manager procStats      `json:"manager"`
}

type phaseResult struct {
	Seconds float64 `json:"seconds"` // first create to the last link at its milestone
	Created float64 `json:"created"` // first create to the last create
}

type fleetResult struct {
	phaseResult
	WritesPerLink     float64            `json:"writesPerLink"`     // the manager's POST, PUT, PATCH and DELETE requests
	WritesByResource  map[string]float64 `json:"writesByResource"`  // per link, by verb and resource
	ReadsPerLink      float64            `json:"readsPerLink"`      // the manager's GET and LIST requests
	CallsPerLink      map[string]float64 `json:"callsPerLink"`      // WeChat calls by API
	LinkCallsPerLink  float64            `json:"wxamplinkPerLink"`  // must be 1.000
	ReconcilesPerLink map[string]float64 `json:"reconcilesPerLink"` // by controller
	// ReconcileSeconds and QueueSeconds are the mean time of a reconcile, and of a wait in the work queue,
	// by controller.
	ReconcileSeconds map[string]float64 `json:"reconcileSeconds"`
	QueueSeconds     map[string]float64 `json:"queueSeconds"`
	// APIWrites are the apiserver's own counts of writes while the fleet converged, per link, by verb and
	// resource (the harness's creates of the links included: POST associationlinks is 1).
	APIWrites map[string]float64 `json:"apiserverWritesPerLink"`
	// CPUSeconds is the CPU each process spent while the fleet converged: where the machine's time went.
	CPUSeconds map[string]float64 `json:"cpuSeconds"`
	// FloorCPUSeconds is the same for the floor.
	FloorCPUSeconds map[string]float64 `json:"floorCPUSeconds"`
}

type restResult struct {
	Polls               int                `json:"polls"`
	CallsPerPoll        map[string]float64 `json:"callsPerPoll"`
	LinkGetPerOAPerPoll float64            `json:"wxamplinkgetPerOAPerPoll"`
}

type freedResult struct {
	Samples     int     `json:"samples"`
	AdmittedP50 float64 `json:"admittedP50"`
	AdmittedP99 float64 `json:"admittedP99"`
	ReadyP50    float64 `json:"readyP50"`
	ReadyP99    float64 `json:"readyP99"`
}

func resultConfig(c config, w *world) map[string]any {
	return map[string]any{
		"officialAccounts": c.size, "miniPrograms": c.miniPrograms(), "links": c.links(), "writers": c.writers,
		"poll": c.poll.String(), "unrelatedSecrets": c.unrelated, "managerFlags": c.extraFlags,
		"cpus": runtime.NumCPU(), "date": w.started.UTC().Format(time.RFC3339),
	}
}

// snapshot is what the manager, the apiserver and the simulator had counted at one moment.
type snapshot struct {
	metrics   map[string]*dto.MetricFamily
	calls     map[string]int
	apiWrites map[string]float64 // "VERB resource[/subresource]"
	cpu       map[string]float64 // CPU seconds by process
}

// cpu is the CPU seconds so far of the manager, the apiserver, etcd and this harness (the simulator's
// process).
func (w *world) cpu() map[string]float64 {
	out := map[string]float64{"manager": cpuSeconds(w.mgr.cmd.Process.Pid), "harness+simulator": cpuSeconds(os.Getpid())}
	for name, pid := range childPIDs("kube-apiserver", "etcd") {
		out[name] = cpuSeconds(pid)
	}
	return out
}

func (w *world) snapshot(ctx context.Context) (snapshot, error) {
	m, err := w.mgr.scrape(ctx)
	if err != nil {
		return snapshot{}, err
	}
	writes, err := w.apiserverWrites(ctx)
	return snapshot{metrics: m, calls: w.sim.Calls(), apiWrites: writes, cpu: w.cpu()}, err
}

// fill takes the fleet's costs from two snapshots.
func (f *fleetResult) fill(before, after snapshot, links int) {
	n := float64(links)
	isWrite := func(l map[string]string) bool {
		switch l["method"] {
		case "POST", "PUT", "PATCH", "DELETE":
			return true
		}
		return false
	}
	delta := func(name string, match func(map[string]string) bool) float64 {
		return sum(after.metrics, name, match) - sum(before.metrics, name, match)
	}
	f.WritesPerLink = delta("rest_client_requests_total", isWrite) / n
	f.ReadsPerLink = delta("rest_client_requests_total", func(l map[string]string) bool { return l["method"] == "GET" }) / n
	f.CallsPerLink = map[string]float64{}
	for api, c := range after.calls {
		if d := c - before.calls[api]; d > 0 {
			f.CallsPerLink[api] = float64(d) / n
		}
	}
	f.LinkCallsPerLink = f.CallsPerLink[pathLink]
	f.ReconcilesPerLink, f.ReconcileSeconds, f.QueueSeconds = map[string]float64{}, map[string]float64{}, map[string]float64{}
	for _, ctrl := range []string{"associationlink", "officialaccount", "miniprogram"} {
		is := func(l map[string]string) bool { return l["controller"] == ctrl || l["name"] == ctrl }
		f.ReconcilesPerLink[ctrl] = delta("controller_runtime_reconcile_total", is) / n
		f.ReconcileSeconds[ctrl] = meanDelta(before.metrics, after.metrics, "controller_runtime_reconcile_time_seconds", is)
		f.QueueSeconds[ctrl] = meanDelta(before.metrics, after.metrics, "workqueue_queue_duration_seconds", is)
	}
	f.CPUSeconds = map[string]float64{}
	for k, v := range after.cpu {
		f.CPUSeconds[k] = v - before.cpu[k]
	}
	f.APIWrites = map[string]float64{}
	for k, v := range after.apiWrites {
		if d := v - before.apiWrites[k]; d > 0 {
			f.APIWrites[k] = d / n
		}
	}
}

// meanDelta is the mean of a histogram's observations between two scrapes.
func meanDelta(before, after map[string]*dto.MetricFamily, name string, match func(map[string]string) bool) float64 {
	s1, c1 := histogramMean(before, name, match)
	s2, c2 := histogramMean(after, name, match)
	if c2 <= c1 {
		return 0
	}
	return (s2 - s1) / float64(c2-c1)
}

func (r *result) print(out io.Writer) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(k, v, goal string) { _, _ = fmt.Fprintf(tw, "%s\t%s\t%s\n", k, v, goal) }
	row("measure", "value", "goal")
	row("links (Official Accounts × Mini Programs)", fmt.Sprintf("%v (%v × %v)", r.Config["links"], r.Config["officialAccounts"],
		r.Config["miniPrograms"]), "")
	row("floor: paused links, create to status", fmt.Sprintf("%.1f s", r.Floor.Seconds), "")
	row("fleet: create to every link Ready", fmt.Sprintf("%.1f s", r.Fleet.Seconds), "")
	row("fleet / floor", fmt.Sprintf("%.2f×", r.Ratio), "≤ 1.6×")
	row("apiserver writes per link (manager)", fmt.Sprintf("%.2f", r.Fleet.WritesPerLink), "")
	row("apiserver reads per link (manager)", fmt.Sprintf("%.2f", r.Fleet.ReadsPerLink), "")
	row("wxamplink per link", fmt.Sprintf("%.3f", r.Fleet.LinkCallsPerLink), "1.000")
	row("WeChat calls per link", formatMap(r.Fleet.CallsPerLink, "%.2f"), "")
	row("reconciles per link", formatMap(r.Fleet.ReconcilesPerLink, "%.2f"), "")
	row("mean reconcile / queue wait (s)", formatMap(r.Fleet.ReconcileSeconds, "%.3f")+" / "+formatMap(r.Fleet.QueueSeconds, "%.3f"), "")
	row("apiserver writes per link (all clients)", formatMap(r.Fleet.APIWrites, "%.2f"), "")
	row("CPU seconds: floor / fleet", formatMap(r.Fleet.FloorCPUSeconds, "%.1f")+" / "+formatMap(r.Fleet.CPUSeconds, "%.1f"), "")
	row("at rest: wxamplinkget per Official Account per poll", fmt.Sprintf("%.2f", r.Rest.LinkGetPerOAPerPoll), "1")
	row("at rest: WeChat calls per poll", formatMap(r.Rest.CallsPerPoll, "%.0f"), "")
	row("freed slot → Admitted, p50 / p99", fmt.Sprintf("%.2f s / %.2f s (%d slots)", r.Freed.AdmittedP50, r.Freed.AdmittedP99,
		r.Freed.Samples), "p99 ≤ 2 s")
	row("freed slot → Ready, p50 / p99", fmt.Sprintf("%.2f s / %.2f s", r.Freed.ReadyP50, r.Freed.ReadyP99), "")
	row("manager peak RSS", fmt.Sprintf("%.0f MiB", r.Manager.PeakRSSMiB), "≤ 150 MiB")
	row("manager CPU", fmt.Sprintf("%.0f s", r.Manager.CPUSeconds), "")
	_ = tw.Flush()
}

func formatMap(m map[string]float64, format string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, strings.TrimPrefix(k, "/cgi-bin/")+"="+fmt.Sprintf(format, m[k]))
	}
	return strings.Join(parts, " ")
}

// save writes the result as JSON under dir, named by size and time.
func (r *result) save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	date, _ := r.Config["date"].(string)
	path := filepath.Join(dir, fmt.Sprintf("scale-%v-%s.json", r.Config["links"], strings.NewReplacer(":", "", "-", "").Replace(date)))
	return path, os.WriteFile(path, append(data, '\n'), 0o600)
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// managerProcess is the manager binary, run as a user runs it, with its metrics served on loopback.
type managerProcess struct {
	cmd     *exec.Cmd
	metrics string // the URL of its /metrics
	pprof   string // the address of its profiler
	logPath string
	done    chan error
}

// startManager runs the manager against the control plane and the simulator, and waits until it serves
// metrics.
func (w *world) startManager(ctx context.Context) (*managerProcess, error) {
	metricsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--platform-endpoint=" + w.sim.URL, "--metrics-bind-address=" + metricsAddr, "--metrics-secure=false",
		"--health-probe-bind-address=0", "--poll-interval=" + w.c.poll.String(),
	}
	pprofAddr := ""
	if w.c.profile != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		args = append(args, "--pprof-bind-address="+pprofAddr)
	}
	args = append(args, strings.Fields(w.c.extraFlags)...)
	m := &managerProcess{metrics: "http://" + metricsAddr + "/metrics", pprof: pprofAddr, logPath: filepath.Join(w.dir, "manager.log"),
		done: make(chan error, 1)}
	logFile, err := os.Create(m.logPath)
	if err != nil {
		return nil, err
	}
	m.cmd = exec.CommandContext(ctx, w.c.manager, args...) //nolint:gosec // the binary and flags are the harness's own
	m.cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(w.dir, "kubeconfig"))
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", w.c.manager, err)
	}
	go func() { m.done <- m.cmd.Wait(); _ = logFile.Close() }()
	w.logf("manager: %s %s", w.c.manager, strings.Join(args, " "))
	return m, m.waitServing(ctx)
}

func (m *managerProcess) waitServing(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := m.scrape(ctx); err == nil {
			return nil
		}
		select {
		case err := <-m.done:
			return fmt.Errorf("the manager exited: %w (log %s)", err, m.logPath)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("the manager did not serve metrics within a minute (log %s)", m.logPath)
}

func (m *managerProcess) stop() {
	if m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-m.done:
		_ = err // it stopped; how, its log says
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
	}
}

// profileCPU writes a CPU profile of the manager over d to path, in the background; wait blocks until it
// is written.
func (m *managerProcess) profileCPU(ctx context.Context, d time.Duration, path string) (wait func() error) {
	done := make(chan error, 1)
	go func() {
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", m.pprof, int(d.Seconds()))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			done <- err
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err
			return
		}
		defer func() { _ = resp.Body.Close() }()
		f, err := os.Create(path) //nolint:gosec // the harness's own output file, named by its flag
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		done <- errors.Join(err, f.Close())
	}()
	return func() error { return <-done }
}

// scrape reads the manager's metrics.
func (m *managerProcess) scrape(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.metrics, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("metrics: HTTP %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// sum adds the values of one counter (or gauge) family over the series whose labels match.
func sum(families map[string]*dto.MetricFamily, name string, match func(labels map[string]string) bool) float64 {
	f := families[name]
	if f == nil {
		return 0
	}
	total := 0.0
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if match != nil && !match(labels) {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			total += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			total += m.GetGauge().GetValue()
		}
	}
	return total
}

// histogramMean is the mean of one histogram family over the series whose labels match: its sum over its
// count.
func histogramMean(families map[string]*dto.MetricFamily, name string, match func(labels map[string]string) bool) (sum float64, count uint64) {
	f := families[name]
	if f == nil {
		return 0, 0
	}
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if h := m.GetHistogram(); h != nil && (match == nil || match(labels)) {
			sum += h.GetSampleSum()
			count += h.GetSampleCount()
		}
	}
	return sum, count
}

// procStats are the manager's peak and current RSS and its CPU seconds, from /proc.
type procStats struct {
	PeakRSSMiB float64 `json:"peakRSSMiB"`
	RSSMiB     float64 `json:"rssMiB"`
	CPUSeconds float64 `json:"cpuSeconds"`
}

func (m *managerProcess) proc() (procStats, error) {
	return procOf(m.cmd.Process.Pid)
}

// cpuSeconds is a process's CPU time so far.
func cpuSeconds(pid int) float64 {
	s, err := procOf(pid)
	if err != nil {
		return 0
	}
	return s.CPUSeconds
}

// childPIDs are the processes this one started whose command name is one of names (etcd, kube-apiserver).
func childPIDs(names ...string) map[string]int {
	out := map[string]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		open, closing := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
		if open < 0 || closing < open {
			continue
		}
		comm, rest := string(stat[open+1:closing]), strings.Fields(string(stat[closing+1:]))
		if len(rest) > 1 && rest[1] == strconv.Itoa(os.Getpid()) {
			for _, n := range names {
				if strings.HasPrefix(comm, n) {
					out[n] = pid
				}
			}
		}
	}
	return out
}

func procOf(pid int) (procStats, error) {
	var s procStats
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmHWM:":
			s.PeakRSSMiB = kb / 1024
		case "VmRSS:":
			s.RSSMiB = kb / 1024
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The fields after the command name (which may hold spaces) start after its closing parenthesis;
	// utime and stime are the 14th and 15th fields of the line, in clock ticks (100 a second on Linux).
	rest := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, _ := strconv.ParseFloat(rest[11], 64)
	stime, _ := strconv.ParseFloat(rest[12], 64)
	s.CPUSeconds = (utime + stime) / 100
	return s, nil
}

// freeAddr is a free loopback address.
func freeAddr() (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

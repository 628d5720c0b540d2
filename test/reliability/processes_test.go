// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// process is a built binary of the repository, run as a user runs it; its output goes to a log file that the
// secret check reads at the end of the scenario.
type process struct {
	name, logPath string
	cmd           *exec.Cmd
	done          chan struct{}
}

// startProcess runs bin/<binary> with args; the log is <dir>/<name>.log.
func startProcess(dir, binary, name string, env []string, args ...string) (*process, error) {
	p := &process{name: name, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	// Not tied to a context: the scenario stops or kills it, and a SIGKILL is part of the test.
	p.cmd = exec.CommandContext(context.Background(), filepath.Join(root, "bin", binary), args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	// Its own process group (a kill reaches anything it started), and SIGKILL when the test binary dies (a
	// timeout's panic runs no cleanup): no manager outlives the run to reconcile the next run's objects. Go
	// delivers Pdeathsig when the OS thread that started the process ends; the runtime does not end its
	// threads while the test runs (none is locked), so in practice it fires when the test binary dies.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	go func() { _ = p.cmd.Wait(); _ = logFile.Close(); close(p.done) }()
	return p, nil
}

// kill sends SIGKILL to the process's group and waits until the process is gone.
func (p *process) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// stop asks the process to end (SIGTERM), and kills it after 20 s.
func (p *process) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.kill()
	}
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// freeAddrErr asks the kernel for a free loopback address, for the manager's health probe: the manager does
// not say which port it bound, so it cannot be given port 0 as the simulator is. Another process could take
// the port before the manager binds it; the manager then fails to start, which the suite reports.
func freeAddrErr() (string, error) {
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// waitFor polls cond every interval until it holds or timeout passes (or ctx ends): a bounded wait on a
// condition. cond gets the wait's context, so that its own calls end with the wait.
func waitFor(ctx context.Context, timeout, interval time.Duration, cond func(context.Context) (bool, string)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := ""
	for {
		ok, state := cond(ctx)
		if ctx.Err() != nil && !ok {
			return fmt.Errorf("not within %s; last: %s", timeout, state)
		}
		if ok {
			return nil
		}
		last = state
		select {
		case <-ctx.Done():
			return fmt.Errorf("not within %s; last: %s", timeout, last)
		case <-time.After(interval):
		}
	}
}

// httpOK reports whether GET url answers 200.
func httpOK(ctx context.Context, url string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

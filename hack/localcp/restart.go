// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// apiserverRestarter restarts kube-apiserver in place, with the same command line, while etcd keeps running
// (SIGUSR1 to localcp): the reliability suite's "the apiserver restarts mid-run". Its certificates and
// ports are those of the first start, so every kubeconfig stays valid.
type apiserverRestarter struct {
	current *exec.Cmd // the restarted process, once there is one (envtest owns the first)
	log     *os.File
}

// restart kills the running kube-apiserver (SIGKILL: a crash, and no wait for its graceful shutdown, which
// holds open watches for a long time) and starts it again.
func (a *apiserverRestarter) restart() error {
	pid, err := a.pid()
	if err != nil {
		return err
	}
	argv, err := cmdline(pid)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("killing kube-apiserver (pid %d): %w", pid, err)
	}
	// Wait until the process is reaped, not merely a zombie: the leader thread of a dying process turns
	// zombie while its other threads still hold the listening socket.
	if a.current != nil {
		_ = a.current.Wait()
	} else if err := waitReaped(pid, 30*time.Second); err != nil {
		return err
	}
	// Not tied to a context: it runs until stop, like the process it replaces.
	cmd := exec.CommandContext(context.Background(), argv[0], argv[1:]...) //nolint:gosec // the command line of the process it replaces
	cmd.Stdout, cmd.Stderr = a.log, a.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-apiserver again: %w", err)
	}
	a.current = cmd
	return nil
}

// stop ends the restarted kube-apiserver, if any, before envtest stops etcd: SIGTERM, then SIGKILL after 20 s.
func (a *apiserverRestarter) stop() {
	if a.current == nil || a.current.Process == nil {
		return
	}
	_ = a.current.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = a.current.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = a.current.Process.Kill()
		<-done
	}
}

// pid finds the kube-apiserver this process runs: the restarted one, or envtest's child.
func (a *apiserverRestarter) pid() (int, error) {
	if a.current != nil {
		return a.current.Process.Pid, nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		rest := strings.Fields(s[closing+1:])
		if open >= 0 && closing > open && s[open+1:closing] == "kube-apiserver" && len(rest) > 1 &&
			rest[1] == strconv.Itoa(os.Getpid()) {
			return pid, nil
		}
	}
	return 0, errors.New("no kube-apiserver child process found")
}

// cmdline reads a process's argument vector.
func cmdline(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	args := strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
	if len(args) == 0 || args[0] == "" {
		return nil, fmt.Errorf("process %d has an empty command line", pid)
	}
	return args, nil
}

// waitReaped polls until /proc has no entry for pid (its parent reaped it), for at most wait.
func waitReaped(pid int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			return nil
		}
		time.Sleep(50 * time.Millisecond) // polls the process table, bounded by wait
	}
	return fmt.Errorf("kube-apiserver (pid %d) was not reaped within %s", pid, wait)
}

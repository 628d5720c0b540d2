// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
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

// restart stops the running kube-apiserver (SIGTERM, then SIGKILL after 20 s) and starts it again.
func (a *apiserverRestarter) restart() error {
	pid, err := a.pid()
	if err != nil {
		return err
	}
	argv, err := cmdline(pid)
	if err != nil {
		return err
	}
	if err := stopPID(pid, 20*time.Second); err != nil {
		return err
	}
	if a.current != nil {
		_ = a.current.Wait()
	}
	cmd := exec.Command(argv[0], argv[1:]...) //nolint:gosec // the command line of the process it replaces
	cmd.Stdout, cmd.Stderr = a.log, a.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-apiserver again: %w", err)
	}
	a.current = cmd
	return nil
}

// stop ends the restarted kube-apiserver, if any, before envtest stops etcd.
func (a *apiserverRestarter) stop() {
	if a.current != nil && a.current.Process != nil {
		_ = stopPID(a.current.Process.Pid, 20*time.Second)
		_ = a.current.Wait()
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

// stopPID sends SIGTERM, waits up to grace for the process to go, then sends SIGKILL.
func stopPID(pid int, grace time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stopping kube-apiserver (pid %d): %w", pid, err)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond) // polls the process's exit, bounded by grace
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return nil
}

// alive reports whether pid runs and is not a zombie waiting to be reaped.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(rest) > 0 && rest[0] != "Z"
}

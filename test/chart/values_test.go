// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package chart

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSchemaRefusesBadValues: each bad values file fails `helm template` (as it fails `helm install`) with
// the schema's word on the value, and the good ones pass.
func TestSchemaRefusesBadValues(t *testing.T) {
	for _, tc := range []struct{ name, values, want string }{
		{"unknown scope", "installScope: everywhere", "installScope"},
		{"namespace scope without namespaces", "installScope: namespace", "watchNamespaces"},
		{"namespace scope with an empty list", "installScope: namespace\nwatchNamespaces: []", "watchNamespaces"},
		{"cluster scope with namespaces", "watchNamespaces: [team-a]", "watchNamespaces"},
		{"a namespace that is no name", "installScope: namespace\nwatchNamespaces: [Team_A]", "watchNamespaces"},
		{"a duration in words", "reconcile: {pollInterval: 10 minutes}", "pollInterval"},
		{"a duration without unit", "reconcile: {timeout: \"120\"}", "timeout"},
		{"qps as a word", "platform: {qps: fast}", "qps"},
		{"zero qps", "platform: {qps: 0}", "qps"},
		{"concurrency zero", "reconcile: {maxConcurrentReconciles: 0}", "maxConcurrentReconciles"},
		{"negative replicas", "replicaCount: -1", "replicaCount"},
		{"replicas without leader election", "replicaCount: 2\nleaderElection: {enabled: false}", "enabled"},
		{"a misspelt key", "replicas: 2", "replicas"},
		{"an endpoint that is no origin", "platform: {allowedEndpoints: [api.weixin.qq.com]}", "allowedEndpoints"},
		{"a port out of range", "metrics: {port: 70000}", "port"},
		{"an extra argument that is no flag", "extraArgs: [verbose]", "extraArgs"},
		{"a pull policy", "image: {pullPolicy: Sometimes}", "pullPolicy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := helmTemplate(t, "-f", valuesFile(t, tc.values))
			if err == nil {
				t.Fatalf("helm template accepted %q", tc.values)
			}
			if msg := err.Error(); !strings.Contains(msg, "schema") || !strings.Contains(msg, tc.want) {
				t.Errorf("helm template refused %q with %q: want the schema to name %s", tc.values, msg, tc.want)
			}
		})
	}
	for _, good := range []string{
		"installScope: namespace\nwatchNamespaces: [team-a]",
		"replicaCount: 3\nreconcile: {pollInterval: 1h30m, pendingPollInterval: 500ms, timeout: 90s}\nplatform: {qps: 2.5}",
		"monitoring: {enabled: true, serviceMonitor: {enabled: true, interval: 1m}, prometheusRule: {thresholds: {quotaFullFor: 2h}}}",
	} {
		if _, err := helmTemplate(t, "-f", valuesFile(t, good)); err != nil {
			t.Errorf("helm template refused good values %q: %v", good, err)
		}
	}
}

func valuesFile(t *testing.T, values string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(path, []byte(values+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestValuesBecomeFlags: the manager's arguments follow the values, and unset values leave its defaults.
func TestValuesBecomeFlags(t *testing.T) {
	args := managerArgs(t)
	for _, want := range []string{"--leader-elect", "--leader-election-namespace=wxlink-system", "--metrics-bind-address=:8443",
		"--health-probe-bind-address=:8081"} {
		if !slices.Contains(args, want) {
			t.Errorf("default args %v lack %s", args, want)
		}
	}
	for _, a := range args {
		for _, unset := range []string{"--namespaces", "--poll-interval", "--qps", "--platform-endpoint", "--callback", "--max-clock-skew"} {
			if strings.HasPrefix(a, unset) {
				t.Errorf("default args set %s: an unset value must leave the manager's default", a)
			}
		}
	}
	args = managerArgs(t, append(namespaceValues, "--set", "reconcile.pollInterval=5m", "--set", "platform.qps=50", "--set", "platform.maxClockSkew=1h",
		"--set", "platform.allowedEndpoints={https://api.weixin.qq.com,https://wx.example.com}",
		"--set", "leaderElection.enabled=false", "--set", "extraArgs={--zap-log-level=debug}", "--set", "callback.enabled=true")...)
	for _, want := range []string{"--namespaces=team-a,team-b", "--poll-interval=5m", "--qps=50", "--max-clock-skew=1h",
		"--allowed-endpoints=https://api.weixin.qq.com,https://wx.example.com", "--callback-bind-address=:9443"} {
		if !slices.Contains(args, want) {
			t.Errorf("args %v lack %s", args, want)
		}
	}
	if slices.Contains(args, "--leader-elect") {
		t.Errorf("leaderElection.enabled=false still renders --leader-elect")
	}
	if args[len(args)-1] != "--zap-log-level=debug" {
		t.Errorf("extraArgs must come last (the last of a repeated flag wins): %v", args)
	}
}

// managerArgs renders the chart and returns the manager container's arguments.
func managerArgs(t *testing.T, set ...string) []string {
	t.Helper()
	d := deployment(t, mustTemplate(t, set...), "wxlink-system/wxlink")
	if d.Spec.Template.Spec.ServiceAccountName != "wxlink" {
		t.Errorf("the manager runs as %q, want the chart's ServiceAccount wxlink", d.Spec.Template.Spec.ServiceAccountName)
	}
	return d.Spec.Template.Spec.Containers[0].Args
}

// TestNumbersRenderAsTheManagerParsesThem: a values file gives Helm every number as a float: whole ones must
// still reach the integer flags as integers (1000000, not 1e+06, which the manager refuses) and fractions in
// plain decimal; `--set platform.qps=0.5` (a string to Helm) is accepted too.
func TestNumbersRenderAsTheManagerParsesThem(t *testing.T) {
	args := managerArgs(t, "-f", valuesFile(t, "platform: {qps: 1000000, burst: 1000000, accountQPS: 0.25, accountBurst: 3000000}\n"+
		"reconcile: {maxConcurrentReconciles: 16}\nlogging: {level: 10}"))
	for _, want := range []string{"--qps=1000000", "--burst=1000000", "--account-qps=0.25", "--account-burst=3000000",
		"--max-concurrent-reconciles=16", "--zap-log-level=10"} {
		if !slices.Contains(args, want) {
			t.Errorf("args %v lack %s", args, want)
		}
	}
	args = managerArgs(t, "--set", "platform.qps=0.5", "--set", "platform.accountQPS=2", "--set", "logging.level=3")
	for _, want := range []string{"--qps=0.5", "--account-qps=2", "--zap-log-level=3"} {
		if !slices.Contains(args, want) {
			t.Errorf("--set: args %v lack %s", args, want)
		}
	}
}

// TestLogLevelIsWhatTheManagerAccepts: logging.level takes exactly what --zap-log-level (controller-runtime's
// zap options) accepts: debug, info, error, panic in any case, or an integer above 0, as a number or a string.
func TestLogLevelIsWhatTheManagerAccepts(t *testing.T) {
	for _, good := range []string{"debug", "INFO", "error", "panic", "1", "12"} {
		if _, err := helmTemplate(t, "--set-string", "logging.level="+good); err != nil {
			t.Errorf("logging.level %q refused: %v", good, err)
		}
	}
	if _, err := helmTemplate(t, "--set", "logging.level=2"); err != nil {
		t.Errorf("--set logging.level=2 (a number) refused: %v", err)
	}
	for _, bad := range []string{"0", "-1", "warn", "dpanic", "1.5", "verbose"} {
		for _, flag := range []string{"--set", "--set-string"} {
			if _, err := helmTemplate(t, flag, "logging.level="+bad); err == nil || !strings.Contains(err.Error(), "level") {
				t.Errorf("%s logging.level=%s: %v, want the schema to refuse it", flag, bad, err)
			}
		}
	}
}

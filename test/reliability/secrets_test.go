// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"bufio"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// kubectlViews are what a user reads with kubectl: the objects, their descriptions and the Events.
var kubectlViews = map[string][]string{
	"kubectl-get.yaml":        {"get", wxKinds, "-o", "yaml"},
	"kubectl-describe.txt":    {"describe", wxKinds},
	"kubectl-events.txt":      {"get", "events", "-o", "wide"},
	"kubectl-get-secrets.txt": {"get", "secrets", "--show-labels"},
	"kubectl-get-wide.txt":    {"get", wxKinds, "-o", "wide"},
}

// wxKinds are the kinds the scenarios declare, named rather than by their category: kubectl's discovery
// cache may predate the CRDs of a fresh control plane on a reused port.
const wxKinds = "associationlinks,officialaccounts,miniprograms,platformconfigs"

// checkSecrets greps the logs of the manager and the simulator, and kubectl's output, for the run's actual
// secrets, each as it is and in base64 (as a Secret's data shows it): the AppSecrets, the authorizer refresh
// tokens, the component's secret, callback token and EncodingAESKey, and the tokens and verify tickets the
// simulator issued. It returns the number of lines that hold one. It stops the simulator first: the simulator
// writes its state file behind its changes, and only a stopped one has written them all.
func (s *scene) checkSecrets() int {
	for file, args := range kubectlViews {
		out, err := command(timeoutKubectl, nil, kubectl, append(args, "-n", s.fleet.ns)...)
		if err != nil {
			s.figures.violate("kubectl %s: %v: %.300s", strings.Join(args, " "), err, out)
		}
		path := filepath.Join(s.dir, file)
		if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
			s.t.Fatal(err)
		}
		s.addLog(path)
	}
	s.sim.stop()
	issued, err := issuedSecrets(s.simState)
	s.must(err, "reading the secrets in the simulator's state file")
	if len(issued) == 0 {
		s.figures.violate("the simulator's state file lists no token: the secret check would prove nothing")
	}
	var values []string
	for _, v := range append(s.fleet.secrets(), issued...) {
		if len(v) >= 8 { // shorter is no secret of the run (empty: not in play)
			values = append(values, v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)))
		}
	}
	slices.Sort(values)
	values = slices.Compact(values)
	s.figures.SecretsChecked = len(values)
	hits := 0
	s.mu.Lock()
	logs := slices.Clone(s.logs)
	s.mu.Unlock()
	for _, path := range logs {
		hits += s.grepFile(path, values)
	}
	return hits
}

// addLog adds a file to those the secret check greps.
func (s *scene) addLog(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs = append(s.logs, path)
}

// grepFile counts the lines of a file that hold any of the values, reporting each.
func (s *scene) grepFile(path string, values []string) int {
	f, err := os.Open(path)
	if err != nil {
		s.figures.violate("reading %s: %v", path, err)
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	hits, n := 0, 0
	for sc.Scan() {
		n++
		line := sc.Text()
		for _, v := range values {
			if v != "" && strings.Contains(line, v) {
				hits++
				s.figures.violate("%s:%d holds a secret of the run (%.4s…)", filepath.Base(path), n, v)
				break
			}
		}
	}
	return hits
}

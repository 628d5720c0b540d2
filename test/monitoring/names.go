// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package monitoring

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// histogramSuffixes are the series a histogram (or summary) named x serves besides x itself.
var histogramSuffixes = []string{"_bucket", "_sum", "_count"}

// UsedMetrics reads a metrics-used.txt: one metric name a line, # comments.
func UsedMetrics(path string) ([]string, error) {
	f, err := os.Open(path) //nolint:gosec // a file of the repository
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var names []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); line != "" && !strings.HasPrefix(line, "#") {
			names = append(names, line)
		}
	}
	return names, s.Err()
}

// FamilyOf is the metric family a series name belongs to, given the families that exist: the name itself,
// or, for x_bucket, x_sum and x_count, x when x exists. Whether x is a histogram is not checked here: a
// registry does not tell a family's type before it has series (test/e2e checks the scraped TYPE).
func FamilyOf(name string, exists func(string) bool) (string, bool) {
	if exists(name) {
		return name, true
	}
	for _, s := range histogramSuffixes {
		if base, ok := strings.CutSuffix(name, s); ok && exists(base) {
			return base, true
		}
	}
	return "", false
}

// Family is a metric family's type (counter, gauge, histogram) and its series' label names, sorted.
type Family struct {
	Type   string
	Labels []string
}

// FamilyLabels reads a metric-labels.txt: "<family> <type> <label>,<label>..." a line (no labels: nothing
// after the type), # comments.
func FamilyLabels(path string) (map[string]Family, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // a file of the repository
	if err != nil {
		return nil, err
	}
	out := map[string]Family{}
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("%s:%d: want <family> <type> [<label>,...]: %q", path, i+1, line)
		}
		fam := Family{Type: f[1]}
		if len(f) == 3 {
			fam.Labels = strings.Split(f[2], ",")
		}
		out[f[0]] = fam
	}
	return out, nil
}

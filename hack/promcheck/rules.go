// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// promqlParser is the parser, with Prometheus's default options (no experimental functions).
var promqlParser = parser.NewParser(parser.Options{})

// loadRules loads the groups of a PrometheusRule as Prometheus loads a rule file.
func loadRules(path string) (*rulefmt.RuleGroups, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // a file of the repository
	if err != nil {
		return nil, err
	}
	var pr struct {
		Kind string         `yaml:"kind"`
		Spec map[string]any `yaml:"spec"`
	}
	if err := yaml.Unmarshal(raw, &pr); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pr.Kind != "PrometheusRule" || pr.Spec["groups"] == nil {
		return nil, fmt.Errorf("%s: not a PrometheusRule with groups", path)
	}
	groups, err := yaml.Marshal(pr.Spec)
	if err != nil {
		return nil, err
	}
	rgs, errs := rulefmt.Parse(groups, false, model.UTF8Validation, promqlParser, slog.Default())
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", path, errors.Join(errs...))
	}
	return rgs, nil
}

// checkRules loads the groups of a PrometheusRule, checks the labels of each alert (its expression's, and
// those its annotations name) against fs, and adds the metrics each alert selects to used. It returns the
// number of alerts.
func checkRules(path string, fs families, used map[string]bool) (int, error) {
	rgs, err := loadRules(path)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				return 0, fmt.Errorf("%s: group %s: a rule without alert (recording rules are not expected)", path, g.Name)
			}
			if err := addNames(r.Expr, used); err != nil {
				return 0, fmt.Errorf("%s: %s: %w", path, r.Alert, err)
			}
			result, err := fs.checkLabels(r.Expr)
			if err != nil {
				return 0, fmt.Errorf("%s: %s: %w", path, r.Alert, err)
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[a] == "" {
					return 0, fmt.Errorf("%s: %s has no %s annotation", path, r.Alert, a)
				}
				if err := checkTemplateLabels(r.Annotations[a], result); err != nil {
					return 0, fmt.Errorf("%s: %s: %s: %w", path, r.Alert, a, err)
				}
			}
			n++
		}
	}
	return n, nil
}

// addNames parses expr and adds the name of every metric it selects to used. A selector without a metric
// name would match whatever any exporter serves: it is refused, unless its __name__ matcher is an
// alternation of plain names ({__name__=~"a|b"}, as a dashboard variable over several metrics has).
func addNames(expr string, used map[string]bool) error {
	e, err := promqlParser.ParseExpr(expr)
	if err != nil {
		return fmt.Errorf("%q: %w", expr, err)
	}
	var missing error
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		names := selectedNames(vs)
		if len(names) == 0 {
			missing = fmt.Errorf("%q: the selector %s names no metric", expr, vs)
		}
		for _, n := range names {
			used[n] = true
		}
		return nil
	})
	return missing
}

// plainNames is an alternation of metric names, with nothing a regular expression would widen.
var plainNames = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\|[a-zA-Z_:][a-zA-Z0-9_:]*)*$`)

// selectedNames are the metric names a selector selects: its name, or the names of a __name__=~"a|b"
// matcher; nil when it does not name them.
func selectedNames(vs *parser.VectorSelector) []string {
	if vs.Name != "" {
		return []string{vs.Name}
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && (m.Type == labels.MatchRegexp || m.Type == labels.MatchEqual) && plainNames.MatchString(m.Value) {
			return strings.Split(m.Value, "|")
		}
	}
	return nil
}

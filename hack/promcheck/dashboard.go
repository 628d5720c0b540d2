// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// grafanaVariables are Grafana's built-in interval variables, replaced by a duration of the kind Grafana puts
// there before a query is parsed. Dashboard variables in label matchers ("$namespace") are inside strings and
// parse as they are.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1d")

// labelValues is a query variable's label_values(<selector>, <label>): Grafana's, not PromQL; its selector is.
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

type dashboard struct {
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// checkDashboard parses every query of a Grafana dashboard (panels' targets and query variables), checks
// their labels against fs, and adds the metrics they select to used. It returns the number of queries.
func checkDashboard(path string, fs families, used map[string]bool) (int, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // a file of the repository
	if err != nil {
		return 0, err
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	n, err := checkPanels(d.Panels, fs, used)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			return 0, fmt.Errorf("%s: variable %s: %w", path, v.Name, err)
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			return 0, fmt.Errorf("%s: variable %s: %q is not label_values(<selector>, <label>)", path, v.Name, q.Query)
		}
		if err := addNames(m[1], used); err != nil {
			return 0, fmt.Errorf("%s: variable %s: %w", path, v.Name, err)
		}
		have, err := fs.checkLabels(m[1])
		if err != nil {
			return 0, fmt.Errorf("%s: variable %s: %w", path, v.Name, err)
		}
		if !have[m[2]] {
			return 0, fmt.Errorf("%s: variable %s: the values of %s, which %s do not have", path, v.Name, m[2], have)
		}
		n++
	}
	return n, nil
}

func checkPanels(panels []panel, fs families, used map[string]bool) (int, error) {
	n := 0
	for _, p := range panels {
		for _, t := range p.Targets {
			expr := grafanaVariables.Replace(t.Expr)
			if err := addNames(expr, used); err != nil {
				return 0, fmt.Errorf("panel %q: %w", p.Title, err)
			}
			if _, err := fs.checkLabels(expr); err != nil {
				return 0, fmt.Errorf("panel %q: %w", p.Title, err)
			}
			n++
		}
		m, err := checkPanels(p.Panels, fs, used)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

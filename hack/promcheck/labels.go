// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// targetLabels are the labels Prometheus gives every series it scrapes from a ServiceMonitor's target
// (honorLabels keeps a series' own namespace where it has one).
var targetLabels = []string{"job", "instance", "namespace", "service", "pod", "container", "endpoint"}

// labelSet is a set of label names.
type labelSet map[string]bool

func setOf(names ...string) labelSet {
	s := labelSet{}
	for _, n := range names {
		s[n] = true
	}
	return s
}

func (s labelSet) String() string { return "(" + strings.Join(slices.Sorted(maps.Keys(s)), ", ") + ")" }

// family is a metric family's type and its series' own label names (test/monitoring/metric-labels.txt).
type family struct {
	typ    string
	labels []string
}

// families are the manager's metric families by name. The file is the one test/monitoring and test/e2e
// check against the manager's registry and its scrape; this module cannot import the operator's.
type families map[string]family

func loadFamilies(path string) (families, error) {
	raw, err := os.ReadFile(path) //nolint:gosec // a file of the repository
	if err != nil {
		return nil, err
	}
	fs := families{}
	for i, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 2 || len(f) > 3 {
			return nil, fmt.Errorf("%s:%d: want <family> <type> [<label>,...]", path, i+1)
		}
		fam := family{typ: f[1]}
		if len(f) == 3 {
			fam.labels = strings.Split(f[2], ",")
		}
		fs[f[0]] = fam
	}
	return fs, nil
}

// seriesLabels are the label names a series called name has once scraped: its family's, the target's, and
// le on a histogram's _bucket series.
func (fs families) seriesLabels(name string) (labelSet, error) {
	if f, ok := fs[name]; ok {
		return setOf(append(f.labels, targetLabels...)...), nil
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if f, known := fs[base]; ok && known && f.typ == "histogram" {
			s := setOf(append(f.labels, targetLabels...)...)
			if suffix == "_bucket" {
				s["le"] = true
			}
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s is no series of a family in the labels file", name)
}

// checkLabels parses expr and checks every label it names (matchers, by/without, on/ignoring,
// group_left/right, label_replace's source, histogram_quantile's le) against the labels the series it
// works on have at that point. It returns the labels of the result.
func (fs families) checkLabels(expr string) (labelSet, error) {
	e, err := promqlParser.ParseExpr(expr)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", expr, err)
	}
	s, err := fs.labelsOf(e)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", expr, err)
	}
	return s, nil
}

func (fs families) labelsOf(node parser.Expr) (labelSet, error) {
	switch n := node.(type) {
	case *parser.VectorSelector:
		return fs.selectorLabels(n)
	case *parser.MatrixSelector:
		return fs.labelsOf(n.VectorSelector)
	case *parser.SubqueryExpr:
		return fs.labelsOf(n.Expr)
	case *parser.ParenExpr:
		return fs.labelsOf(n.Expr)
	case *parser.StepInvariantExpr:
		return fs.labelsOf(n.Expr)
	case *parser.UnaryExpr:
		return fs.labelsOf(n.Expr)
	case *parser.NumberLiteral, *parser.StringLiteral:
		return labelSet{}, nil
	case *parser.AggregateExpr:
		return fs.aggregateLabels(n)
	case *parser.Call:
		return fs.callLabels(n)
	case *parser.BinaryExpr:
		return fs.binaryLabels(n)
	}
	return nil, fmt.Errorf("%s: a %T, which the label check does not know", node, node)
}

func (fs families) selectorLabels(vs *parser.VectorSelector) (labelSet, error) {
	names := selectedNames(vs)
	if len(names) == 0 {
		return nil, fmt.Errorf("the selector %s names no metric", vs)
	}
	s := labelSet{}
	for _, name := range names {
		ls, err := fs.seriesLabels(name)
		if err != nil {
			return nil, err
		}
		maps.Copy(s, ls)
	}
	for _, m := range vs.LabelMatchers {
		if m.Name != model.MetricNameLabel && !s[m.Name] {
			return nil, fmt.Errorf("%s matches on %s, which its series %s do not have", vs, m.Name, s)
		}
	}
	return s, nil
}

func (fs families) aggregateLabels(n *parser.AggregateExpr) (labelSet, error) {
	inner, err := fs.labelsOf(n.Expr)
	if err != nil {
		return nil, err
	}
	for _, l := range n.Grouping {
		if !inner[l] {
			return nil, fmt.Errorf("%s groups by %s, which its series %s do not have", n.Op, l, inner)
		}
	}
	switch {
	case n.Without:
		out := maps.Clone(inner)
		for _, l := range n.Grouping {
			delete(out, l)
		}
		return out, nil
	case n.Op == parser.TOPK || n.Op == parser.BOTTOMK || n.Op == parser.LIMITK || n.Op == parser.LIMIT_RATIO:
		return inner, nil
	case n.Op == parser.COUNT_VALUES:
		out := setOf(n.Grouping...)
		if p, ok := n.Param.(*parser.StringLiteral); ok {
			out[p.Val] = true
		}
		return out, nil
	}
	return setOf(n.Grouping...), nil
}

func (fs families) callLabels(n *parser.Call) (labelSet, error) {
	args := make([]labelSet, len(n.Args))
	var vector labelSet // the labels of the first vector argument
	for i, a := range n.Args {
		s, err := fs.labelsOf(a)
		if err != nil {
			return nil, err
		}
		args[i] = s
		if vector == nil && (a.Type() == parser.ValueTypeVector || a.Type() == parser.ValueTypeMatrix) {
			vector = s
		}
	}
	if vector == nil {
		vector = labelSet{}
	}
	switch n.Func.Name {
	case "histogram_quantile":
		if !args[1]["le"] {
			return nil, fmt.Errorf("histogram_quantile over series without le %s: keep le (sum by (le, ...))", args[1])
		}
		out := maps.Clone(args[1])
		delete(out, "le")
		return out, nil
	case "label_replace", "label_join":
		out := maps.Clone(args[0])
		if dst, ok := n.Args[1].(*parser.StringLiteral); ok {
			out[dst.Val] = true
		}
		return out, nil
	}
	return vector, nil
}

func (fs families) binaryLabels(n *parser.BinaryExpr) (labelSet, error) {
	l, err := fs.labelsOf(n.LHS)
	if err != nil {
		return nil, err
	}
	r, err := fs.labelsOf(n.RHS)
	if err != nil {
		return nil, err
	}
	lv, rv := n.LHS.Type() == parser.ValueTypeVector, n.RHS.Type() == parser.ValueTypeVector
	switch {
	case !lv && !rv:
		return labelSet{}, nil
	case !rv:
		return l, nil
	case !lv:
		return r, nil
	}
	m := n.VectorMatching
	if m == nil {
		return l, nil
	}
	for _, x := range m.MatchingLabels {
		if m.On && (!l[x] || !r[x]) || !m.On && !l[x] && !r[x] {
			return nil, fmt.Errorf("%s matches on %s, which its sides %s and %s do not both have", n.Op, x, l, r)
		}
	}
	one, many := r, l // group_left: the right side is the "one"
	if m.Card == parser.CardOneToMany {
		one, many = l, r
	}
	for _, x := range m.Include {
		if !one[x] {
			return nil, fmt.Errorf("%s copies %s from the side %s, which does not have it", n.Op, x, one)
		}
	}
	return matchedLabels(n.Op, m, l, r, many), nil
}

// matchedLabels are the labels of a binary operation's result between vectors (Prometheus's resultMetric).
func matchedLabels(op parser.ItemType, m *parser.VectorMatching, l, r, many labelSet) labelSet {
	switch {
	case op == parser.LOR:
		out := maps.Clone(l)
		maps.Copy(out, r)
		return out
	case op == parser.LAND || op == parser.LUNLESS:
		return l
	case m.Card == parser.CardManyToOne || m.Card == parser.CardOneToMany:
		out := maps.Clone(many)
		for _, x := range m.Include {
			out[x] = true
		}
		return out
	case m.On:
		return setOf(m.MatchingLabels...)
	}
	out := maps.Clone(l)
	for _, x := range m.MatchingLabels {
		delete(out, x)
	}
	return out
}

// templateLabels finds $labels.x in an alert's annotation templates.
var templateLabels = regexp.MustCompile(`\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)`)

// checkTemplateLabels fails when an annotation names a label the alert's series do not have.
func checkTemplateLabels(text string, have labelSet) error {
	for _, m := range templateLabels.FindAllStringSubmatch(text, -1) {
		if !have[m[1]] {
			return fmt.Errorf("$labels.%s: the alert's series %s do not have it", m[1], have)
		}
	}
	return nil
}

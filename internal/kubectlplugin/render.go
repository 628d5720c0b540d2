// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Printer renders trace, quota and plan output.
type Printer struct {
	Wide bool
	Now  func() time.Time
	// Age, when set, renders an object's age instead of its time since creation (golden tests fix it).
	Age func(*metav1.Time) string
}

func (p Printer) age(t *metav1.Time) string {
	if p.Age != nil {
		return p.Age(t)
	}
	if t == nil || t.IsZero() {
		return "-"
	}
	return duration.HumanDuration(p.Now().Sub(t.Time))
}

// shorten cuts a message for the default output (-o wide prints it whole).
func (p Printer) shorten(s string, n int) string {
	if p.Wide {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// WriteJSON prints v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Trace prints a trace as a tree, one object a line.
func (p Printer) Trace(w io.Writer, root *Node) error {
	tw := newTable(w)
	header := "NAME\tREADY\tSYNCED\tREASON\tAGE\tMESSAGE"
	if p.Wide {
		header = "NAME\tREADY\tSYNCED\tREASON\tAGE\tDETAIL\tMESSAGE"
	}
	fmt.Fprintln(tw, header)
	p.traceLines(tw, root, "", "")
	return tw.Flush()
}

func (p Printer) traceLines(tw io.Writer, n *Node, prefix, childPrefix string) {
	name := prefix + n.Kind + "/" + n.Name
	if n.Relation == RelationUsedBy {
		name = prefix + "used by " + n.Kind + "/" + n.Name
	}
	cols := []string{name, n.Ready, n.Synced, dash(n.Reason), p.age(n.Created)}
	if p.Wide {
		cols = append(cols, dash(n.Detail))
	}
	cols = append(cols, p.shorten(oneLine(n.Message), 72))
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for i, c := range n.Children {
		last := i == len(n.Children)-1
		branch, next := "├─ ", "│  "
		if last {
			branch, next = "└─ ", "   "
		}
		p.traceLines(tw, c, childPrefix+branch, childPrefix+next)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

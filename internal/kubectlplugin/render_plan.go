// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"fmt"
	"io"
	"strings"
)

var actionSigns = map[Action]string{ActionCreate: "+", ActionChange: "~", ActionDelete: "-", ActionUnchanged: "=", ActionInvalid: "!"}

// Plan prints what applying would do: objects, then every link's verdict, then a summary line.
func (p Printer) Plan(w io.Writer, plan *Plan) error {
	fmt.Fprintln(w, "Objects:")
	tw := newTable(w)
	for _, o := range plan.Objects {
		if o.Action == ActionUnchanged && !p.Wide {
			continue
		}
		name := o.Kind + "/" + o.Name
		if o.Namespace != "" && plan.namespaces() > 1 {
			name = o.Namespace + "/" + name
		}
		fmt.Fprintf(tw, "  %s %s\t%s", actionSigns[o.Action], name, o.Action)
		if len(o.Errors) > 0 {
			fmt.Fprintf(tw, "\t%s", strings.Join(o.Errors, "; "))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nLinks:")
	tw = newTable(w)
	// A plan of several namespaces says which each link is in.
	nsCol := func(string) string { return "" }
	if plan.namespaces() > 1 {
		nsCol = func(ns string) string { return ns + "\t" }
	}
	fmt.Fprintln(tw, "  "+nsCol("NAMESPACE")+"LINK\tFROM -> TO\tOBJECT\tVERDICT\tREASON\tNOW\tMESSAGE")
	for _, l := range plan.Links {
		now := "-"
		if l.Current != nil {
			now = verdictWord(*l.Current)
		}
		verdict := verdictWord(l.Verdict)
		if l.Unchanged {
			verdict = "unchanged (" + verdict + ")"
		}
		fmt.Fprintf(tw, "  %s%s\t%s -> %s\t%s\t%s\t%s\t%s\t%s\n", nsCol(l.Namespace), l.Name, l.From, l.To, l.Action, verdict,
			dash(l.Verdict.Reason), now, p.shorten(oneLine(l.Verdict.Message), 80))
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\n"+plan.Summary())
	return nil
}

// verdictWord is a verdict in a word: admitted, queued #2 by OfficialAccount, refused, ...
func verdictWord(v Verdict) string {
	switch v.Outcome {
	case OutcomeQueued:
		return fmt.Sprintf("queued #%d by %s", v.QueuePosition, v.QueuedBy)
	case OutcomeNoQuota:
		return "no quota"
	}
	return strings.ToLower(string(v.Outcome))
}

// Summary counts the plan: objects to create, change, delete, invalid; links by verdict.
func (plan *Plan) Summary() string {
	n := map[Action]int{}
	for _, o := range plan.Objects {
		n[o.Action]++
	}
	v := map[Outcome]int{}
	unchanged := 0
	for _, l := range plan.Links {
		if l.Unchanged {
			unchanged++
			continue
		}
		v[l.Verdict.Outcome]++
	}
	s := fmt.Sprintf("Plan: %d to create, %d to change, %d to delete, %d invalid. Links: %d admitted, %d queued, %d refused, %d waiting, %d unchanged.",
		n[ActionCreate], n[ActionChange], n[ActionDelete], n[ActionInvalid], v[OutcomeAdmitted], v[OutcomeQueued], v[OutcomeRefused],
		v[OutcomeWaiting], unchanged)
	return s
}

// namespaces counts the namespaces of the plan's links.
func (plan *Plan) namespaces() int {
	seen := map[string]bool{}
	for _, l := range plan.Links {
		seen[l.Namespace] = true
	}
	return len(seen)
}

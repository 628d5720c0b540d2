// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"fmt"
	"io"
	"strings"
)

// Quota prints an owner's quota: the figures, the links holding slots, the queue, and the links that do not
// compete.
func (p Printer) Quota(w io.Writer, r *QuotaReport) error {
	fmt.Fprintf(w, "%s %s/%s (%s)\n", r.Kind, r.Namespace, r.Name, r.AppID)
	if r.Total == "" {
		fmt.Fprintf(w, "  same-subject slots:   %s\n  other-subject slots:  %s\n", r.SameSubject, r.OtherSubject)
	} else {
		fmt.Fprintf(w, "  linked-by slots:      %s\n", r.Total)
	}
	fmt.Fprintf(w, "  new links this month: %s (%s; resets %s)\n", r.ThisMonth, r.Month, r.Resets)
	p.quotaTable(w, fmt.Sprintf("\nHolding slots (%d):", len(r.Holding)), r.Holding, false)
	p.quotaTable(w, fmt.Sprintf("\nQueue, in admission order (%d):", len(r.Queue)), r.Queue, true)
	if len(r.NotCounted) > 0 {
		p.quotaTable(w, fmt.Sprintf("\nNot competing for a slot (%d):", len(r.NotCounted)), r.NotCounted, false)
	}
	return nil
}

func (p Printer) quotaTable(w io.Writer, title string, entries []QuotaEntry, queue bool) {
	fmt.Fprintln(w, title)
	if len(entries) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	tw := newTable(w)
	header := []string{"  LINK", "OTHER END", "POOL", "STATE"}
	if queue {
		header = append([]string{"  POS"}, append([]string{"LINK"}, header[1:]...)...)
	}
	if p.Wide || queue {
		header = append(header, "MESSAGE")
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, e := range entries {
		cols := []string{"  " + dash(e.Link), e.Other, dash(e.Pool), e.State}
		if queue {
			cols = append([]string{fmt.Sprintf("  %d", e.QueuePosition), dash(e.Link)}, cols[1:]...)
		}
		if p.Wide || queue {
			cols = append(cols, p.shorten(e.Message, 90))
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	_ = tw.Flush()
}

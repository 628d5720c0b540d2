// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// progress watches the links of a namespace and records when each first met each of the milestones it is
// asked about: one watch, whatever the number of links, so that watching costs the apiserver the same in
// every phase (a list every few hundred milliseconds would not).
type progress struct {
	mu         sync.Mutex
	milestones map[string]func(*wx.AssociationLink) bool
	reached    map[string]map[string]time.Time // milestone -> link name -> first time
	changed    chan struct{}
	stop       context.CancelFunc
}

// watchLinks starts a watch of the namespace's links for the given milestones.
func (w *world) watchLinks(ctx context.Context, ns string, milestones map[string]func(*wx.AssociationLink) bool) (*progress, error) {
	c, err := cache.New(w.cfg, cache.Options{Scheme: w.k8s.Scheme(), DefaultNamespaces: map[string]cache.Config{ns: {}}})
	if err != nil {
		return nil, err
	}
	p := &progress{milestones: milestones, reached: map[string]map[string]time.Time{}, changed: make(chan struct{}, 1)}
	for name := range milestones {
		p.reached[name] = map[string]time.Time{}
	}
	inf, err := c.GetInformer(ctx, &wx.AssociationLink{})
	if err != nil {
		return nil, err
	}
	record := func(o any) {
		if l, ok := o.(*wx.AssociationLink); ok {
			p.see(l)
		}
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: record,
		UpdateFunc: func(_, n any) { record(n) }}); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(ctx)
	p.stop = cancel
	go func() { _ = c.Start(cctx) }()
	if !c.WaitForCacheSync(cctx) {
		cancel()
		return nil, fmt.Errorf("the watch of %s did not sync", ns)
	}
	return p, nil
}

func (p *progress) see(l *wx.AssociationLink) {
	now := time.Now()
	p.mu.Lock()
	for name, met := range p.milestones {
		if _, seen := p.reached[name][l.Name]; !seen && met(l) {
			p.reached[name][l.Name] = now
		}
	}
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// at is when the link first met the milestone.
func (p *progress) at(milestone, link string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.reached[milestone][link]
	return t, ok
}

// count is how many links met the milestone.
func (p *progress) count(milestone string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.reached[milestone])
}

// last is when the last of the links that met the milestone met it.
func (p *progress) last(milestone string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var last time.Time
	for _, t := range p.reached[milestone] {
		if t.After(last) {
			last = t
		}
	}
	return last
}

// wait blocks until n links met the milestone, logging the count every 10 s, for at most timeout.
func (p *progress) wait(ctx context.Context, w *world, milestone string, n int, timeout time.Duration) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for p.count(milestone) < n {
		select {
		case <-p.changed:
		case <-tick.C:
			w.logf("  %s: %d of %d", milestone, p.count(milestone), n)
		case <-deadline:
			return fmt.Errorf("%d of %d links %s after %s", p.count(milestone), n, milestone, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Milestones.
func readyWith(reason string) func(*wx.AssociationLink) bool {
	return func(l *wx.AssociationLink) bool {
		c := meta.FindStatusCondition(l.Status.Conditions, wx.ConditionReady)
		return c != nil && c.Reason == reason && c.ObservedGeneration == l.Generation
	}
}

func admittedIs(state wx.AdmissionState) func(*wx.AssociationLink) bool {
	return func(l *wx.AssociationLink) bool {
		return l.Status.Admission != nil && l.Status.Admission.State == state
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

var company = wx.Subject{Name: "深圳市云杉科技有限公司", Type: wx.SubjectEnterprise}

// links is the number of links of the fleet (and of the floor).
func (c config) links() int { return c.size * c.linksPerOA }

// miniPrograms is how many Mini Programs the fleet links to: at most 400 links each (the platform allows
// 500), and at least one more than an Official Account links, for the freed-slot phase's queued links.
func (c config) miniPrograms() int {
	return max(c.linksPerOA+1, (c.links()+399)/400)
}

func oaName(i int) string { return fmt.Sprintf("oa-%05d", i) }
func mpName(j int) string { return fmt.Sprintf("mp-%03d", j) }

// linkTo names the k-th link of Official Account i and its Mini Program: (i+k) mod M, so that each Official
// Account links distinct Mini Programs and each Mini Program gets the same share.
func (c config) linkTo(i, k int) (name, mp string) {
	j := (i + k) % c.miniPrograms()
	return fmt.Sprintf("%s-%s", oaName(i), mpName(j)), mpName(j)
}

// appID derives a valid AppID from a name.
func appID(name string) string {
	h := sha256.Sum256([]byte(name))
	return "wx" + hex.EncodeToString(h[:8])
}

// measureFloor creates the links paused, naming no account: each costs its create and the manager's one
// status write (Ready=False, Paused). The time runs from the first create to the last status write seen.
func measureFloor(ctx context.Context, w *world, r *result) error {
	p, err := w.watchLinks(ctx, floorNS, map[string]func(*wx.AssociationLink) bool{"paused": readyWith(wx.ReasonPaused)})
	if err != nil {
		return err
	}
	defer p.stop()
	cpuBefore := w.cpu()
	start := time.Now()
	err = parallel(ctx, w.c.writers, w.c.links(), func(ctx context.Context, n int) error {
		l := newLink(floorNS, fmt.Sprintf("floor-%05d", n), "none", "none")
		l.Annotations = map[string]string{wx.PauseAnnotation: "true"}
		return w.k8s.Create(ctx, l)
	})
	if err != nil {
		return err
	}
	r.Floor.Created = time.Since(start).Seconds()
	if err := p.wait(ctx, w, "paused", w.c.links(), w.c.timeout); err != nil {
		return err
	}
	r.Floor.Seconds = p.last("paused").Sub(start).Seconds()
	r.Fleet.FloorCPUSeconds = map[string]float64{}
	for k, v := range w.cpu() {
		r.Fleet.FloorCPUSeconds[k] = v - cpuBefore[k]
	}
	w.logf("floor: %d links in %.1fs (created in %.1fs)", w.c.links(), r.Floor.Seconds, r.Floor.Created)
	// Paused links hold no finalizer: they go at once, and leave the manager's cache. One delete each (a
	// deletecollection of 10,000 outlasts the apiserver's request timeout).
	return parallel(ctx, w.c.writers, w.c.links(), func(ctx context.Context, n int) error {
		l := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: floorNS, Name: fmt.Sprintf("floor-%05d", n)}}
		return client.IgnoreNotFound(w.k8s.Delete(ctx, l))
	})
}

func newLink(ns, name, oa, mp string) *wx.AssociationLink {
	return &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: wx.AssociationLinkSpec{Type: wx.OfficialAccountToMiniProgram,
			From: wx.AccountReference{Kind: wx.KindOfficialAccount, Name: oa},
			To:   wx.AccountReference{Kind: wx.KindMiniProgram, Name: mp}}}
}

// setUpAccounts declares the fleet's accounts (and seeds the simulator with them), and waits until every
// one is Ready. It is set-up, not measured.
func setUpAccounts(ctx context.Context, w *world, r *result) error {
	if err := w.k8s.Create(ctx, &wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Namespace: fleetNS, Name: "wechat"}}); err != nil {
		return err
	}
	total := w.c.size + w.c.miniPrograms()
	err := parallel(ctx, w.c.writers, total, func(ctx context.Context, n int) error {
		if n < w.c.size {
			return w.declare(ctx, oaName(n), sim.OfficialAccount)
		}
		return w.declare(ctx, mpName(n-w.c.size), sim.MiniProgram)
	})
	if err != nil {
		return err
	}
	start := time.Now()
	for time.Since(start) < w.c.timeout {
		ready, err := w.readyAccounts(ctx)
		if err != nil {
			return err
		}
		if ready == total {
			w.logf("accounts: %d Ready in %.1fs", total, time.Since(start).Seconds())
			return nil
		}
		w.logf("  accounts: %d of %d Ready", ready, total)
		if err := sleep(ctx, 5*time.Second); err != nil {
			return err
		}
	}
	return fmt.Errorf("the accounts were not Ready within %s", w.c.timeout)
}

// declare seeds one account in the simulator and declares it: its credentials Secret and its object.
func (w *world) declare(ctx context.Context, name string, typ sim.AccountType) error {
	id := appID(name)
	if err := w.sim.Seed(sim.Account{AppID: id, Secret: "secret-" + id, Type: typ, Verification: sim.Verified,
		Released: true, Nickname: name, Subject: sim.Subject{Name: company.Name, Type: sim.SubjectType(company.Type)}}); err != nil {
		return err
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: fleetNS, Name: name + "-credentials",
		Labels: map[string]string{"wechat.wxlink.dev/credentials": "true"}}, StringData: map[string]string{"appSecret": "secret-" + id}}
	if err := w.k8s.Create(ctx, secret); err != nil {
		return err
	}
	spec := wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: company,
		Credentials: &wx.AccountCredentials{SecretName: name + "-credentials", AppSecretKey: "appSecret"}}
	meta := metav1.ObjectMeta{Namespace: fleetNS, Name: name}
	if typ == sim.OfficialAccount {
		return w.k8s.Create(ctx, &wx.OfficialAccount{ObjectMeta: meta, Spec: wx.OfficialAccountSpec{AppID: wx.AppID(id), AccountSpec: spec}})
	}
	return w.k8s.Create(ctx, &wx.MiniProgram{ObjectMeta: meta, Spec: wx.MiniProgramSpec{AppID: wx.AppID(id), AccountSpec: spec}})
}

func (w *world) readyAccounts(ctx context.Context) (int, error) {
	oas, mps := &wx.OfficialAccountList{}, &wx.MiniProgramList{}
	if err := w.k8s.List(ctx, oas, client.InNamespace(fleetNS)); err != nil {
		return 0, err
	}
	if err := w.k8s.List(ctx, mps, client.InNamespace(fleetNS)); err != nil {
		return 0, err
	}
	n := 0
	for i := range oas.Items {
		n += isReady(oas.Items[i].Status.Conditions)
	}
	for i := range mps.Items {
		n += isReady(mps.Items[i].Status.Conditions)
	}
	return n, nil
}

func isReady(conds []metav1.Condition) int {
	for _, c := range conds {
		if c.Type == wx.ConditionReady && c.Status == metav1.ConditionTrue {
			return 1
		}
	}
	return 0
}

// measureFleet creates every link of the fleet and waits until every one is Ready, counting the manager's
// writes to the apiserver and its calls to the platform meanwhile.
func measureFleet(ctx context.Context, w *world, r *result) error {
	p, err := w.watchLinks(ctx, fleetNS, map[string]func(*wx.AssociationLink) bool{"ready": readyWith(wx.ReasonAvailable)})
	if err != nil {
		return err
	}
	defer p.stop()
	before, err := w.snapshot(ctx)
	if err != nil {
		return err
	}
	if w.c.profile != "" {
		defer func(wait func() error) {
			if err := wait(); err != nil {
				w.logf("profile: %v", err)
			}
		}(w.mgr.profileCPU(ctx, 20*time.Second, w.c.profile))
		defer func(wait func() error) {
			if err := wait(); err != nil {
				w.logf("apiserver profile: %v", err)
			}
		}(w.profileAPIServer(ctx, 20*time.Second, w.c.profile+".apiserver"))
	}
	start := time.Now()
	err = parallel(ctx, w.c.writers, w.c.links(), func(ctx context.Context, n int) error {
		name, mp := w.c.linkTo(n/w.c.linksPerOA, n%w.c.linksPerOA)
		return w.k8s.Create(ctx, newLink(fleetNS, name, oaName(n/w.c.linksPerOA), mp))
	})
	if err != nil {
		return err
	}
	r.Fleet.Created = time.Since(start).Seconds()
	if err := p.wait(ctx, w, "ready", w.c.links(), w.c.timeout); err != nil {
		return err
	}
	r.Fleet.Seconds = p.last("ready").Sub(start).Seconds()
	after, err := w.snapshot(ctx)
	if err != nil {
		return err
	}
	r.Fleet.fill(before, after, w.c.links())
	r.Ratio = r.Fleet.Seconds / r.Floor.Seconds
	w.logf("fleet: %d links Ready in %.1fs, %.2f× the floor", w.c.links(), r.Fleet.Seconds, r.Ratio)
	return nil
}

// measureRest counts the platform calls over a few poll intervals once everything is Ready. The wall clock
// is the measurement's window, not a wait for something to happen.
func measureRest(ctx context.Context, w *world, r *result) error {
	before := w.sim.Calls()
	window := time.Duration(w.c.restPolls) * w.c.poll
	w.logf("rest: counting calls for %s", window)
	if err := sleep(ctx, window); err != nil {
		return err
	}
	after := w.sim.Calls()
	r.Rest.Polls = w.c.restPolls
	r.Rest.CallsPerPoll = map[string]float64{}
	for api, n := range after {
		if d := n - before[api]; d > 0 {
			r.Rest.CallsPerPoll[api] = float64(d) / float64(w.c.restPolls)
		}
	}
	r.Rest.LinkGetPerOAPerPoll = r.Rest.CallsPerPoll[pathLinkGet] / float64(w.c.size)
	return nil
}

// measureFreedSlots gives some Official Accounts one more link, which waits behind the full same-subject
// quota, then deletes one admitted link of each, one every 100 ms, and takes, per freed slot, the time from
// the delete until the queued link is Admitted and until it is Ready.
func measureFreedSlots(ctx context.Context, w *world, r *result) error {
	k := min(w.c.freed, w.c.size)
	queued := func(i int) string { name, _ := w.c.linkTo(i, w.c.linksPerOA); return name }
	p, err := w.watchLinks(ctx, fleetNS, map[string]func(*wx.AssociationLink) bool{
		"queued": admittedIs(wx.AdmissionQueued), "admitted": admittedIs(wx.AdmissionAdmitted),
		"ready": readyWith(wx.ReasonAvailable)})
	if err != nil {
		return err
	}
	defer p.stop()
	err = parallel(ctx, w.c.writers, k, func(ctx context.Context, i int) error {
		_, mp := w.c.linkTo(i, w.c.linksPerOA)
		return w.k8s.Create(ctx, newLink(fleetNS, queued(i), oaName(i), mp))
	})
	if err != nil {
		return err
	}
	if err := p.wait(ctx, w, "queued", k, w.c.timeout); err != nil {
		return err
	}
	deleted := make([]time.Time, k)
	for i := range k {
		victim, _ := w.c.linkTo(i, 0)
		deleted[i] = time.Now()
		l := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: fleetNS, Name: victim}}
		if err := w.k8s.Delete(ctx, l); err != nil {
			return err
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return r.Freed.collect(ctx, w, p, k, deleted, queued)
}

// collect waits until every queued link is Ready and takes the latencies.
func (f *freedResult) collect(ctx context.Context, w *world, p *progress, k int, deleted []time.Time, queued func(int) string) error {
	deadline := time.Now().Add(w.c.timeout)
	var admitted, ready []float64
	for i := 0; i < k; {
		a, okA := p.at("admitted", queued(i))
		rd, okR := p.at("ready", queued(i))
		if okA && a.Before(deleted[i]) {
			return fmt.Errorf("the queued link %s was admitted before a slot freed", queued(i))
		}
		if okA && okR {
			admitted, ready = append(admitted, a.Sub(deleted[i]).Seconds()), append(ready, rd.Sub(deleted[i]).Seconds())
			i++
			continue
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the queued link %s was not Ready within %s", queued(i), w.c.timeout)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	f.Samples = k
	f.AdmittedP50, f.AdmittedP99 = percentile(admitted, 50), percentile(admitted, 99)
	f.ReadyP50, f.ReadyP99 = percentile(ready, 50), percentile(ready, 99)
	return nil
}

// measureManager reads the manager's peak RSS and CPU seconds.
func measureManager(_ context.Context, w *world, r *result) error {
	s, err := w.mgr.proc()
	r.Manager = s
	return err
}

// percentile is the nearest-rank percentile (rounded): of 50 samples, p50 is the 25th smallest (the upper
// middle) and p99 the 49th (the second largest).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(float64(len(s)-1)*p/100 + 0.5)
	return s[i]
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// Monthly allowances that cannot drift. A link records its own new associations of the month
// (status.monthlyRequests) in the status write that follows the request, after recording the request as
// pending before the call (the annotations of link_intent.go, written with the finalizer); an answer lost to a
// crash or a dropped connection is settled from the platform's list. An owner's use of the month is the sum over its links,
// plus a ledger of its links deleted this month (written only then), plus what this manager counted that
// its cache may not show yet. No counter shared by many links is written per link.

// monthExpectations are the new links this manager counted, by owner, that its cache may not show yet: the
// expectations of Kubernetes' ReplicaSet controller, for monthly counts. The manager is the only writer
// (leader-elected), and a new leader starts from a fresh cache, so nothing here needs to outlive the process.
type monthExpectations struct {
	mu      sync.Mutex
	byOwner map[string]map[string]wx.MonthlyCount // owner lock key -> link UID -> count
}

// record notes a link's count of the month under each of its owners.
func (e *monthExpectations) record(owners []string, uid string, c wx.MonthlyCount) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byOwner == nil {
		e.byOwner = map[string]map[string]wx.MonthlyCount{}
	}
	for _, o := range owners {
		if e.byOwner[o] == nil {
			e.byOwner[o] = map[string]wx.MonthlyCount{}
		}
		e.byOwner[o][uid] = c
	}
}

// records returns an owner's expectations of the month of now, forgetting those of other months.
func (e *monthExpectations) records(owner string, now time.Time) []rules.MonthRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	month := rules.MonthOf(now)
	var out []rules.MonthRecord
	for uid, c := range e.byOwner[owner] {
		if c.Month != month {
			delete(e.byOwner[owner], uid)
			continue
		}
		out = append(out, rules.MonthRecord{Key: uid, Month: c.Month, Count: int(c.Count)})
	}
	if len(e.byOwner[owner]) == 0 {
		delete(e.byOwner, owner)
	}
	return out
}

// monthRecords are the records of the month that links and a ledger hold.
func monthRecords(links []*wx.AssociationLink, ledger []wx.LedgerEntry) []rules.MonthRecord {
	out := make([]rules.MonthRecord, 0, len(links)+len(ledger))
	for _, l := range links {
		if c := monthlyRequests(l); c != nil {
			out = append(out, rules.MonthRecord{Key: string(l.UID), Month: c.Month, Count: int(c.Count)})
		}
	}
	for _, e := range ledger {
		out = append(out, rules.MonthRecord{Key: e.UID, Month: e.Month, Count: int(e.Count)})
	}
	return out
}

// monthlyRequests is a link's count of new associations, with a request whose answer it never recorded
// counted as made: the platform may have made (and counted) it, and a count too high for a moment queues a
// link where one too low lets the platform refuse it. settleIntent corrects it from the platform's list.
func monthlyRequests(l *wx.AssociationLink) *wx.MonthlyCount {
	intent := unsettledIntent(l)
	if intent == nil {
		return l.Status.MonthlyRequests
	}
	next := monthlyUsage(l.Status.MonthlyRequests).Record(intent.Time, 1)
	return &wx.MonthlyCount{Month: next.Month, Count: int32(next.Count)} //nolint:gosec // at most 500
}

func monthlyUsage(c *wx.MonthlyCount) rules.MonthlyUsage {
	if c == nil {
		return rules.MonthlyUsage{}
	}
	return rules.MonthlyUsage{Month: c.Month, Count: int(c.Count)}
}

// ownerMonth is what an owner's use of the month is made of.
type ownerMonth struct {
	key    string // the owner's lock key, which keys the expectations
	legacy *wx.MonthlyCount
	ledger []wx.LedgerEntry
}

// monthUsed is an owner's use of its monthly allowance, over its links (siblings, with the deciding link as
// this reconcile holds it).
func (r *AssociationLinkReconciler) monthUsed(s *linkScope, owner wx.AccountKind, siblings []wx.AssociationLink) int {
	m := r.ownerMonth(s, owner)
	links := make([]*wx.AssociationLink, 0, len(siblings))
	for i := range siblings {
		links = append(links, current(&siblings[i], s))
	}
	now := r.now()
	recs := append(monthRecords(links, m.ledger), r.months.records(m.key, now)...)
	return rules.NewLinksThisMonth(now, monthlyUsage(m.legacy), recs)
}

func (r *AssociationLinkReconciler) ownerMonth(s *linkScope, owner wx.AccountKind) ownerMonth {
	ns := s.link.Namespace
	if owner == wx.KindMiniProgram {
		return ownerMonth{miniProgramLock(ns, string(s.mp.Spec.AppID)), s.mp.Status.MonthlyLinks, s.mp.Status.MonthlyLedger}
	}
	return ownerMonth{officialAccountLock(ns, string(s.oa.Spec.AppID)), s.oa.Status.MonthlyLinks, s.oa.Status.MonthlyLedger}
}

// recordMonth records the link's count of the month (nil: none) in both owners' expectations: a request
// about to be made (counted as made until it is answered), or what its answer showed.
func (r *AssociationLinkReconciler) recordMonth(s *linkScope, c *wx.MonthlyCount) {
	count := wx.MonthlyCount{Month: rules.MonthOf(r.now())}
	if c != nil {
		count = *c
	}
	r.months.record([]string{r.ownerMonth(s, wx.KindOfficialAccount).key, r.ownerMonth(s, wx.KindMiniProgram).key},
		string(s.link.UID), count)
}

// countRequest counts a new association, made by a request at the given time, in the link's own record and
// in the expectations of both owners.
func (r *AssociationLinkReconciler) countRequest(s *linkScope, at time.Time) {
	next := monthlyUsage(s.link.Status.MonthlyRequests).Record(at, 1)
	c := wx.MonthlyCount{Month: next.Month, Count: int32(next.Count)} //nolint:gosec // at most 500
	s.link.Status.MonthlyRequests = &c
	r.recordMonth(s, &c)
}

// keepMonthlyCount writes a deleted link's count of the month into its owners' ledgers, before its
// finalizer goes: one entry per link (by UID), so a retry never counts it twice. It holds each owner's lock
// while it writes, so that no admission decides in between without the entry.
func (r *AssociationLinkReconciler) keepMonthlyCount(ctx context.Context, link *wx.AssociationLink) error {
	c := monthlyRequests(link)
	if link.Spec.Type != wx.OfficialAccountToMiniProgram || c == nil || c.Month != rules.MonthOf(r.now()) {
		return nil
	}
	entry := wx.LedgerEntry{UID: string(link.UID), Link: link.Name, Month: c.Month, Count: c.Count}
	ns := link.Namespace
	oa, mp := &wx.OfficialAccount{}, &wx.MiniProgram{}
	for _, o := range []ledgerOwner{
		{obj: oa, name: link.Spec.From.Name, ledger: func() *[]wx.LedgerEntry { return &oa.Status.MonthlyLedger },
			lock: func() string { return officialAccountLock(ns, string(oa.Spec.AppID)) }},
		{obj: mp, name: link.Spec.To.Name, ledger: func() *[]wx.LedgerEntry { return &mp.Status.MonthlyLedger },
			lock: func() string { return miniProgramLock(ns, string(mp.Spec.AppID)) }},
	} {
		if err := r.addToLedger(ctx, client.ObjectKey{Namespace: ns, Name: o.name}, o, entry); err != nil {
			return err
		}
	}
	return nil
}

// ledgerOwner is one owner of a link whose ledger is written: the object read into, its name, its ledger
// and its lock key (both read from obj).
type ledgerOwner struct {
	obj    client.Object
	name   string
	ledger func() *[]wx.LedgerEntry
	lock   func() string
}

// addToLedger adds the entry to one owner's ledger (pruning other months), under its lock, with an
// optimistic lock retried on conflict with backoff and jitter. An owner that is gone keeps nothing.
func (r *AssociationLinkReconciler) addToLedger(ctx context.Context, key client.ObjectKey, o ledgerOwner, entry wx.LedgerEntry) error {
	if err := r.APIReader.Get(ctx, key, o.obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	lockKey := o.lock()
	waitCtx, cancel := r.lockWait(ctx)
	unlock, err := r.owners.lock(waitCtx, lockKey)
	cancel()
	if err != nil {
		return err
	}
	defer unlock()
	err = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if err := r.APIReader.Get(ctx, key, o.obj); err != nil {
			return err
		}
		orig := o.obj.DeepCopyObject().(client.Object)
		kept := []wx.LedgerEntry{}
		for _, e := range *o.ledger() {
			if e.Month == entry.Month && e.UID != entry.UID {
				kept = append(kept, e)
			}
		}
		kept = append(kept, entry)
		*o.ledger() = kept
		return r.Status().Patch(ctx, o.obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
	})
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	r.months.record([]string{lockKey}, entry.UID, wx.MonthlyCount{Month: entry.Month, Count: entry.Count})
	return nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// delayedAdds records what a handler adds, and after how long.
type delayedAdds struct {
	requestQueue
	added []string
	after []time.Duration
}

func (q *delayedAdds) AddAfter(r reconcile.Request, d time.Duration) {
	q.added, q.after = append(q.added, r.Name), append(q.after, d)
}

// A link's change names its owner after ownerRecount, never at once: a burst is counted in one reconcile.
func TestLinkChangesRecountTheirOwnersAfterADelay(t *testing.T) {
	l := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: phaseNS, Name: "l1"},
		Spec: wx.AssociationLinkSpec{From: wx.AccountReference{Kind: wx.KindOfficialAccount, Name: "oa"},
			To: wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mp1"}}}
	q := &delayedAdds{}
	h := recountAfterABurst(linkOwner(wx.KindMiniProgram, true))
	h.Create(context.Background(), event.CreateEvent{Object: l}, q)
	h.Update(context.Background(), event.UpdateEvent{ObjectOld: l, ObjectNew: l}, q)
	if !slices.Equal(q.added, []string{"mp1", "mp1", "mp1"}) {
		t.Fatalf("added %v, want mp1 for the create and for each side of the update", q.added)
	}
	for _, d := range q.after {
		if d != ownerRecount {
			t.Errorf("added after %v, want %v", d, ownerRecount)
		}
	}
	q = &delayedAdds{}
	recountAfterABurst(linkOwner(wx.KindOfficialAccount, true)).Create(context.Background(), event.CreateEvent{Object: l}, q)
	if len(q.added) != 0 {
		t.Errorf("added %v for an end of another kind", q.added)
	}
}

// An Official Account's list change names only the Mini Programs that entered or left it.
func TestAListChangeNamesOnlyTheMiniProgramsThatMoved(t *testing.T) {
	oa := func(ids ...string) *wx.OfficialAccount {
		o := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: phaseNS, Name: "oa"}}
		o.Status.LinkedMiniPrograms = ids
		return o
	}
	var asked []string
	h := linkedMiniProgramsChanges(func(_ context.Context, _ string, ids []string) []reconcile.Request {
		asked = append(asked, ids...)
		return nil
	})
	h.Update(context.Background(), event.UpdateEvent{ObjectOld: oa("wxa", "wxb", "wxc"), ObjectNew: oa("wxa", "wxc", "wxd")}, &delayedAdds{})
	slices.Sort(asked)
	if !slices.Equal(asked, []string{"wxb", "wxd"}) {
		t.Errorf("asked for %v, want the two that moved: wxb, wxd", asked)
	}
}

// A link that may free a slot wakes the queued links of its owners, and those with no decision in the cache
// (one may have just decided to queue, its status not yet there): the admitted ones have their slot.
func TestAFreedSlotWakesQueuedAndUndecidedLinks(t *testing.T) {
	w := world(t)
	l1, l2, l3, l4 := w.link("l1", "mp1"), w.link("l2", "mp2"), w.link("l3", "mp1"), w.link("l4", "mp2")
	l1.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted}
	l2.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionQueued, QueuedBy: wx.KindOfficialAccount}
	l4.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted}
	w.save(l1)
	w.save(l2)
	w.save(l4)
	_ = l3 // no decision in the cache yet
	var got []string
	for _, r := range w.r.queueOf(context.Background(), w.get("l1")) {
		got = append(got, r.Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"l2", "l3"}) {
		t.Errorf("woke %v, want the queued l2 and the undecided l3 (not the admitted l4)", got)
	}
}

// immediateAdds records the requests a handler adds at once.
type immediateAdds struct {
	requestQueue
	added []string
}

func (q *immediateAdds) Add(r reconcile.Request) { q.added = append(q.added, r.Name) }

// An Official Account's poll that finds its platform list changed wakes the links of the Mini Programs that
// entered or left it (by the AppID a link resolved, or its Mini Program's AppID or original ID), and no
// other: a linked link's own resync is rare, and a link removed in the console is seen at the account's poll.
func TestAnAccountsPollWakesTheLinksWhoseEntryMoved(t *testing.T) {
	w := world(t)
	l1 := w.link("l1", "mp1")
	l1.Status.ToAppID = mpApp1
	w.save(l1)
	w.link("l2", "mp2") // never resolved: found by its Mini Program's AppID
	oa := func(ids ...string) *wx.OfficialAccount {
		o := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: phaseNS, Name: "oa"}}
		o.Status.LinkedMiniPrograms = ids
		return o
	}
	h := w.r.entriesMoved()
	for _, tc := range []struct {
		old, new []string
		want     []string
	}{
		{[]string{mpApp1, mpApp2}, []string{mpApp2}, []string{"l1"}},
		{[]string{mpApp1}, []string{mpApp1, mpApp2}, []string{"l2"}},
		{[]string{mpApp1, mpApp2}, []string{mpApp2, mpApp1}, nil},
	} {
		q := &immediateAdds{}
		h.Update(context.Background(), event.UpdateEvent{ObjectOld: oa(tc.old...), ObjectNew: oa(tc.new...)}, q)
		if !slices.Equal(q.added, tc.want) {
			t.Errorf("%v -> %v woke %v, want %v", tc.old, tc.new, q.added, tc.want)
		}
	}
}

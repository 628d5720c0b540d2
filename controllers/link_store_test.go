// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/fake"
)

const (
	storeApp = "wx0000000000000051"
	newsGh   = "gh_5107e0a1b2c3"
)

// storeWorld is a phase world with a Ready WeChat Store, a Ready Official Account whose original ID is
// observed, and a store partner link between them.
func storeWorld(t *testing.T) *phaseWorld {
	t.Helper()
	w := newPhaseWorld(t)
	w.officialAccount("oa", oaApp)
	oa := &wx.OfficialAccount{}
	if err := w.c.Get(context.Background(), keyOf("oa"), oa); err != nil {
		t.Fatal(err)
	}
	oa.Status.Username = newsGh
	if err := w.c.Status().Update(context.Background(), oa); err != nil {
		t.Fatal(err)
	}
	st := &wx.WeChatStore{ObjectMeta: metav1.ObjectMeta{Name: "store", Generation: 1}, Spec: wx.WeChatStoreSpec{AppID: storeApp,
		AccountSpec: wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: subjectA,
			Credentials: &wx.AccountCredentials{SecretName: "oa-credentials", AppSecretKey: "appSecret"}}}}
	w.create(st)
	st.Status.Conditions = []metav1.Condition{{Type: wx.ConditionReady, Status: metav1.ConditionTrue, Reason: wx.ReasonAvailable,
		ObservedGeneration: 1, LastTransitionTime: metav1.NewTime(phaseNow)}}
	if err := w.c.Status().Update(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	w.create(&wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Name: "store-news", Generation: 1},
		Spec: wx.AssociationLinkSpec{Type: wx.StoreToOfficialAccount, DeletionPolicy: wx.DeletionPolicyDelete,
			ManagementPolicy: wx.ManagementPolicyFull,
			From:             wx.AccountReference{Kind: wx.KindWeChatStore, Name: "store"},
			To:               wx.AccountReference{Kind: wx.KindOfficialAccount, Name: "oa"}}})
	return w
}

func (w *phaseWorld) storeScope(phases ...storePhase) (*storeScope, error) {
	w.t.Helper()
	s := &storeScope{link: w.get("store-news")}
	_, err := runScope(context.Background(), s, phases...)
	return s, err
}

func (w *phaseWorld) storePhases() []storePhase {
	return []storePhase{w.r.resolveStore, w.r.observeStore, w.r.inviteStore, w.r.reportStore}
}

func methods(calls []fake.Call) []string {
	out := make([]string, 0, len(calls))
	for _, c := range calls {
		out = append(out, c.Method)
	}
	return out
}

// The invitation is recorded as pending, with the finalizer, before the call; the record it made is read
// back; the QR code is in status; the partner's admin must act.
func TestStoreLinkInvites(t *testing.T) {
	w := storeWorld(t)
	s, err := w.storeScope(w.storePhases()...)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fake.MethodGetStorePartner, fake.MethodInviteStorePartner, fake.MethodGetStorePartner}
	if got := methods(w.plat.Calls()); !slices.Equal(got, want) {
		t.Fatalf("calls %v, want %v", got, want)
	}
	if c := w.plat.Calls()[1]; c.AppID != storeApp || c.Target != newsGh {
		t.Errorf("invited %+v, want store %s inviting %s", c, storeApp, newsGh)
	}
	stored := w.get("store-news")
	if !controllerutil.ContainsFinalizer(stored, wx.Finalizer) || stored.Annotations[wx.AnnotationRequestPending] == "" {
		t.Errorf("the intent and the finalizer were not written before the call: %v %v", stored.Finalizers, stored.Annotations)
	}
	p := s.link.Status.Platform
	if readyReason(s.link) != wx.ReasonAwaitingOfficialAccountAdmin || p.InvitationQRCode != fake.QRCodeFor(storeApp, newsGh) ||
		p.RequestedGeneration != 1 || s.link.Status.PartnerID != newsGh {
		t.Errorf("status %+v, Ready %s", s.link.Status, readyReason(s.link))
	}
	if ev := w.drainEvents(); !slices.Contains(ev, wx.EventPartnerInvited) {
		t.Errorf("events %v", ev)
	}
	if s.result.RequeueAfter > w.r.PendingPollInterval*2 {
		t.Errorf("a link waiting for an admin is checked at the pending interval, not %s", s.result.RequeueAfter)
	}
}

// A refused invitation clears its record, is reported with the platform's reason, and is not asked again
// before a poll interval.
func TestStoreLinkRefusedHoldsBack(t *testing.T) {
	w := storeWorld(t)
	w.plat.Fail(fake.MethodInviteStorePartner, fake.ErrcodeFor(fake.MethodInviteStorePartner, platform.CodeInvalidSharer))
	s, err := w.storeScope(w.storePhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if readyReason(s.link) != platform.ReasonInvalidSharer || s.link.Status.Platform.State != wx.LinkStateRefused {
		t.Fatalf("Ready %s, platform %+v", readyReason(s.link), s.link.Status.Platform)
	}
	if _, pending := w.get("store-news").Annotations[wx.AnnotationRequestPending]; pending {
		t.Error("a refused invitation left its record pending")
	}
	w.save(s.link)
	w.plat.Reset()
	w.now = w.now.Add(time.Minute)
	s, err = w.storeScope(w.storePhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodInviteStorePartner); n != 0 || readyReason(s.link) != platform.ReasonInvalidSharer {
		t.Errorf("asked again %d times within the poll interval; Ready %s", n, readyReason(s.link))
	}
	w.save(s.link)
	w.now = w.now.Add(w.r.PollInterval)
	if _, err := w.storeScope(w.storePhases()...); err != nil || w.plat.Count(fake.MethodInviteStorePartner) != 1 {
		t.Errorf("after the poll interval: %d invitations, %v", w.plat.Count(fake.MethodInviteStorePartner), err)
	}
}

// Deleting a link cancels a waiting invitation and unbinds a bound partner; Orphan leaves it.
func TestStoreLinkDeletion(t *testing.T) {
	for _, c := range []struct {
		status platform.PartnerStatus
		policy wx.DeletionPolicy
		want   string
	}{
		{platform.PartnerAccepting, wx.DeletionPolicyDelete, fake.MethodCancelStoreInvite},
		{platform.PartnerBound, wx.DeletionPolicyDelete, fake.MethodUnbindStorePartner},
		{platform.PartnerBound, wx.DeletionPolicyOrphan, ""},
		{platform.PartnerRefused, wx.DeletionPolicyDelete, ""},
	} {
		w := storeWorld(t)
		sharer := platform.StoreSharer{ID: newsGh, Type: 2}
		w.plat.Update(func(p *fake.Platform) {
			p.Partners[storeApp] = []platform.StorePartner{{Sharer: sharer, Status: c.status}}
		})
		l := w.get("store-news")
		l.Spec.DeletionPolicy, l.Status.PartnerID = c.policy, newsGh
		done, _, err := w.r.delete(context.Background(), l)
		if err != nil || !done {
			t.Fatalf("%d %s: delete = %v, %v", c.status, c.policy, done, err)
		}
		var got string
		for _, m := range methods(w.plat.Calls()) {
			if m == fake.MethodCancelStoreInvite || m == fake.MethodUnbindStorePartner {
				got = m
			}
		}
		if got != c.want {
			t.Errorf("%d %s: %q, want %q", c.status, c.policy, got, c.want)
		}
	}
}

func keyOf(name string) client.ObjectKey { return client.ObjectKey{Namespace: phaseNS, Name: name} }

// storeDuplicate creates a younger link declaring the same store and partner as store-news.
func (w *phaseWorld) storeDuplicate(name string) *wx.AssociationLink {
	w.t.Helper()
	l := w.get("store-news")
	d := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1,
		CreationTimestamp: metav1.NewTime(l.CreationTimestamp.Add(time.Second))}, Spec: *l.Spec.DeepCopy()}
	w.create(d)
	return w.get(name)
}

// A younger link that declares the same store and partner does nothing: no invitation, DuplicateLink.
func TestStoreLinkDuplicateDoesNothing(t *testing.T) {
	w := storeWorld(t)
	d := w.storeDuplicate("store-news-renamed")
	if _, err := w.r.reconcileStoreLink(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodInviteStorePartner); n != 0 || readyReason(d) != wx.ReasonDuplicateLink {
		t.Errorf("the duplicate invited %d times; Ready %s", n, readyReason(d))
	}
}

// Deleting a link whose partner another live link of the store still declares (a GitOps rename) neither
// cancels nor unbinds.
func TestStoreLinkDeletionKeepsPartnerDeclaredElsewhere(t *testing.T) {
	for _, status := range []platform.PartnerStatus{platform.PartnerAccepting, platform.PartnerBound} {
		w := storeWorld(t)
		w.storeDuplicate("store-news-renamed")
		sharer := platform.StoreSharer{ID: newsGh, Type: 2}
		w.plat.Update(func(p *fake.Platform) {
			p.Partners[storeApp] = []platform.StorePartner{{Sharer: sharer, Status: status}}
		})
		l := w.get("store-news")
		l.Status.PartnerID = newsGh
		done, _, err := w.r.delete(context.Background(), l)
		if err != nil || !done {
			t.Fatalf("%d: delete = %v, %v", status, done, err)
		}
		if n := w.plat.Count(fake.MethodCancelStoreInvite) + w.plat.Count(fake.MethodUnbindStorePartner); n != 0 {
			t.Errorf("%d: cancelled or unbound %d times a partner another link declares", status, n)
		}
	}
}

// An invitation sent again over an answered record (a timeout with reinviteAfterTimeout, a refusal at a new
// generation) creates no record until the store's admin scans its QR code (as the docs say): wxlink asks
// once, not at every poll, and keeps the QR code while that invitation is unanswered.
func TestStoreLinkReinviteOnce(t *testing.T) {
	for _, c := range []struct {
		name   string
		status platform.PartnerStatus
		spec   func(*wx.AssociationLink)
	}{
		{"timeout, reinviteAfterTimeout", platform.PartnerTimedOut, func(l *wx.AssociationLink) {
			l.Spec.Store = &wx.StoreLinkOptions{ReinviteAfterTimeout: true}
		}},
		{"refusal, new generation", platform.PartnerRefused, func(l *wx.AssociationLink) { l.Generation = 2 }},
	} {
		w := storeWorld(t)
		sharer := platform.StoreSharer{ID: newsGh, Type: 2}
		w.plat.Update(func(p *fake.Platform) {
			p.InviteAwaitsScan = true
			p.Partners[storeApp] = []platform.StorePartner{{Sharer: sharer, Status: c.status}}
		})
		l := w.get("store-news")
		c.spec(l)
		if err := w.c.Update(context.Background(), l); err != nil {
			t.Fatal(err)
		}
		l = w.get("store-news")
		c.spec(l) // the fake client keeps the generation it is given
		asked := metav1.NewTime(w.now.Add(-time.Hour))
		l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateTimedOut, RequestedTime: &asked, RequestedGeneration: 1}
		w.save(l)
		for poll := 0; poll < 3; poll++ {
			s := &storeScope{link: w.get("store-news")}
			c.spec(s.link)
			if _, err := runScope(context.Background(), s, w.storePhases()...); err != nil {
				t.Fatalf("%s, poll %d: %v", c.name, poll, err)
			}
			if n := w.plat.Count(fake.MethodInviteStorePartner); n != 1 {
				t.Errorf("%s, poll %d: %d invitations, want 1", c.name, poll, n)
			}
			p := s.link.Status.Platform
			if p.InvitationQRCode != fake.QRCodeFor(storeApp, newsGh) || readyReason(s.link) != wx.ReasonAwaitingStoreAdmin {
				t.Errorf("%s, poll %d: QR code %q, Ready %s (%s)", c.name, poll, p.InvitationQRCode, readyReason(s.link), p.State)
			}
			w.save(s.link)
			w.now = w.now.Add(w.r.PollInterval)
		}
	}
}

// A change of spec.store.sharerType does not orphan the partner bound under the old type: the link keeps
// the record it made (no invitation under the new type), and its deletion unbinds that record.
func TestStoreLinkSharerTypeChangeKeepsPartner(t *testing.T) {
	w := storeWorld(t)
	old := platform.StoreSharer{ID: newsGh, Type: 2}
	w.plat.Update(func(p *fake.Platform) {
		p.Partners[storeApp] = []platform.StorePartner{{Sharer: old, Status: platform.PartnerBound}}
	})
	first, err := w.storeScope(w.storePhases()...)
	if err != nil {
		t.Fatal(err)
	}
	w.save(first.link)
	l := w.get("store-news")
	if l.Status.PartnerSharerType == nil || *l.Status.PartnerSharerType != 2 {
		t.Fatalf("status.partnerSharerType %v, want 2", l.Status.PartnerSharerType)
	}
	three := int32(3)
	l.Spec.Store = &wx.StoreLinkOptions{SharerType: &three}
	if err := w.c.Update(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	s, err := w.storeScope(w.storePhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodInviteStorePartner); n != 0 || readyReason(s.link) != wx.ReasonAvailable {
		t.Errorf("after the change of sharerType: %d invitations, Ready %s", n, readyReason(s.link))
	}
	w.save(s.link)
	l = w.get("store-news")
	if done, _, err := w.r.delete(context.Background(), l); err != nil || !done {
		t.Fatalf("delete = %v, %v", done, err)
	}
	w.plat.Update(func(p *fake.Platform) {
		if st := p.Partners[storeApp][0].Status; st != platform.PartnerUnbound {
			t.Errorf("the partner bound under sharer_type 2 was left with status %d", st)
		}
	})
}

// A deletion that comes after the invitation but before any status write (lost) still cancels it: the
// intent annotation, written before the call, names the partner.
func TestStoreLinkDeletionAfterLostStatusWrite(t *testing.T) {
	w := storeWorld(t)
	if _, err := w.storeScope(w.storePhases()...); err != nil { // the status it reached is never written
		t.Fatal(err)
	}
	l := w.get("store-news")
	if l.Status.PartnerID != "" {
		t.Fatalf("status was written: %+v", l.Status)
	}
	if done, _, err := w.r.delete(context.Background(), l); err != nil || !done {
		t.Fatalf("delete = %v, %v", done, err)
	}
	if n := w.plat.Count(fake.MethodCancelStoreInvite); n != 1 {
		t.Errorf("the invitation was cancelled %d times, want 1", n)
	}
}

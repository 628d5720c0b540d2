// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/fake"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

const (
	oaApp  = "wx00000000000000a1"
	mpApp1 = "wx00000000000000b1"
	mpApp2 = "wx00000000000000b2"
)

// world has one Official Account and two Mini Programs: mp1 of the same subject, mp2 of another.
func world(t *testing.T) *phaseWorld {
	w := newPhaseWorld(t)
	w.officialAccount("oa", oaApp)
	w.miniProgram("mp1", mpApp1, subjectA)
	w.miniProgram("mp2", mpApp2, subjectB)
	return w
}

func (w *phaseWorld) linkPhases() []linkPhase { return w.r.linkPhases() }

func TestAdmitQueuesBehindConsoleLinksWithoutAskingThePlatform(t *testing.T) {
	w := world(t)
	// Three other-subject links made in the console fill the Official Account's other-subject pool.
	for _, app := range []string{"wx00000000000000c1", "wx00000000000000c2", "wx00000000000000c3"} {
		w.onPlatform(app, platform.LinkLinked)
	}
	w.link("l2", "mp2")
	s, done, err := w.scope("l2", w.linkPhases()...)
	if err != nil || !done {
		t.Fatalf("phases = done %v, %v; want the admit phase to end the reconcile", done, err)
	}
	a := s.link.Status.Admission
	if a == nil || a.State != wx.AdmissionQueued || a.QueuedBy != wx.KindOfficialAccount || a.QueuePosition != 1 {
		t.Fatalf("admission = %+v, want queued at 1 by the OfficialAccount", a)
	}
	if got := readyReason(s.link); got != wx.ReasonQuotaExceeded {
		t.Errorf("Ready reason = %q, want %q", got, wx.ReasonQuotaExceeded)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 0 {
		t.Errorf("a queued link asked the platform %d times", n)
	}
	if got := w.drainEvents(); !slices.Equal(got, []string{wx.EventQueued}) {
		t.Errorf("events = %v, want [Queued]", got)
	}
}

func TestRequestAsksOnceCountsTheMonthAndReports(t *testing.T) {
	w := world(t)
	w.link("l1", "mp1")
	s, done, err := w.scope("l1", w.linkPhases()...)
	if err != nil || !done {
		t.Fatalf("phases = done %v, %v", done, err)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 1 {
		t.Fatalf("LinkMiniProgram called %d times, want 1", n)
	}
	if got := readyReason(s.link); got != wx.ReasonAvailable || s.link.Status.Platform.State != wx.LinkStateLinked {
		t.Errorf("Ready reason %q, state %q; want Available, Linked", got, s.link.Status.Platform.State)
	}
	if c := s.link.Status.MonthlyRequests; c == nil || c.Count != 1 || c.Month != rules.MonthOf(phaseNow) {
		t.Errorf("the link's own record of the month = %+v, want 1 in %s", c, rules.MonthOf(phaseNow))
	}
	if oaUsed, mpUsed := w.r.monthUsed(s, wx.KindOfficialAccount, nil), w.r.monthUsed(s, wx.KindMiniProgram, nil); oaUsed != 1 || mpUsed != 1 {
		t.Errorf("the owners' use of the month: Official Account %d, Mini Program %d; want 1 each (before any cache shows it)", oaUsed, mpUsed)
	}
	oa := &wx.OfficialAccount{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	if oa.Status.MonthlyLinks != nil || len(oa.Status.MonthlyLedger) != 0 {
		t.Errorf("a request wrote its owner's status: %+v %+v", oa.Status.MonthlyLinks, oa.Status.MonthlyLedger)
	}
	if got := w.drainEvents(); !slices.Equal(got, []string{wx.EventLinked}) {
		t.Errorf("events = %v, want [Linked]: a link made at once has one Event", got)
	}
}

func TestRequestRefusedIsTerminalUncountedAndNotAskedAgainSoon(t *testing.T) {
	w := world(t)
	w.plat.FailAlways(fake.MethodLinkMiniProgram, fake.ErrcodeFor(fake.MethodLinkMiniProgram, 89009))
	w.link("l1", "mp1")
	s, _, err := w.scope("l1", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if s.link.Status.Platform == nil || s.link.Status.Platform.State != wx.LinkStateRefused {
		t.Fatalf("platform status = %+v, want Refused", s.link.Status.Platform)
	}
	if s.result.RequeueAfter != w.r.PollInterval {
		t.Errorf("requeue after %v, want the poll interval", s.result.RequeueAfter)
	}
	if s.link.Status.MonthlyRequests != nil || w.r.monthUsed(s, wx.KindOfficialAccount, nil) != 0 {
		t.Errorf("a refused request was counted: %+v", s.link.Status.MonthlyRequests)
	}
	w.save(s.link)
	if _, _, err := w.scope("l1", w.linkPhases()...); err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 1 {
		t.Errorf("asked %d times within a poll interval of a refusal, want 1", n)
	}
}

func TestRequestWaitsOutTheDailyQuota(t *testing.T) {
	w := world(t)
	w.plat.Fail(fake.MethodLinkMiniProgram, platform.Classify(fake.API(fake.MethodLinkMiniProgram), 45009, "quota", phaseNow))
	w.link("l1", "mp1")
	s, done, err := w.scope("l1", w.linkPhases()...)
	if err != nil || !done {
		t.Fatalf("phases = done %v, %v; want a wait, not an error", done, err)
	}
	// 2026-11-18 04:00 UTC is 12:00 in Beijing: the quota resets at midnight there, 12 hours later.
	if s.result.RequeueAfter != 12*time.Hour {
		t.Errorf("requeue after %v, want 12h (the next day in Beijing)", s.result.RequeueAfter)
	}
	if c := synced(s.link); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Synced = %+v, want False", c)
	}
}

func TestAStaleReadIsRefreshedBeforeAsking(t *testing.T) {
	w := world(t)
	w.link("l1", "mp1")
	// The shared read is taken while the platform lists nothing; then the link is made in the console, and
	// the read is more than recentRead old when the link reconciles.
	if _, _, err := w.r.Observer.List(context.Background(), w.plat, platform.Account{AppID: oaApp, Credential: "s-" + oaApp}, time.Hour); err != nil {
		t.Fatal(err)
	}
	w.onPlatform(mpApp1, platform.LinkLinked)
	w.now = w.now.Add(recentRead + time.Second)
	s, _, err := w.scope("l1", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 0 {
		t.Errorf("asked for a link the platform already lists (%d calls)", n)
	}
	if n := w.plat.Count(fake.MethodListMiniProgramLinks); n != 2 {
		t.Errorf("listed %d times, want 2 (the shared read, then a fresh one before acting)", n)
	}
	if !slices.Contains(w.get("l1").Finalizers, wx.Finalizer) {
		t.Errorf("an adopted link has no finalizer: its deletion (deletionPolicy Delete) would not unlink it")
	}
	if got := w.drainEvents(); !slices.Contains(got, wx.EventAdopted) || readyReason(s.link) != wx.ReasonAvailable {
		t.Errorf("events %v, Ready %q: want the link adopted and Available", got, readyReason(s.link))
	}
}

func TestObserveEndsOnARejectionOfThisRequest(t *testing.T) {
	w := world(t)
	l := w.link("l2", "mp2")
	requested := metav1.NewTime(phaseNow.Add(-time.Hour))
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateAwaitingMiniProgramAdmin, RequestedTime: &requested, RequestedGeneration: 1}
	l.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted}
	w.save(l)
	w.onPlatform(mpApp2, platform.LinkRejected)
	s, done, err := w.scope("l2", w.r.resolve, w.r.lockOwners, w.r.refuseDuplicate, w.r.observe)
	if err != nil || !done {
		t.Fatalf("observe = done %v, %v; want it to end the reconcile", done, err)
	}
	if s.link.Status.Admission != nil || readyReason(s.link) != wx.ReasonRejected {
		t.Errorf("admission %+v, Ready %q: want no slot and Rejected", s.link.Status.Admission, readyReason(s.link))
	}
}

func TestAdmitSkipsALinkQueuedByItsMiniProgram(t *testing.T) {
	w := world(t)
	w.miniProgram("mp3", "wx00000000000000b3", subjectB)
	w.miniProgram("mp4", "wx00000000000000b4", subjectB)
	w.onPlatform("wx00000000000000c1", platform.LinkLinked)
	w.onPlatform("wx00000000000000c2", platform.LinkLinked)
	// An older other-subject link waits for its Mini Program's quota: it must not hold the last slot of the
	// Official Account's other-subject pool.
	held := w.link("held", "mp3")
	held.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionQueued, QueuedBy: wx.KindMiniProgram}
	w.save(held)
	w.link("next", "mp4")
	s, _, err := w.scope("next", w.r.resolve, w.r.lockOwners, w.r.refuseDuplicate, w.r.observe)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.r.decide(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if !s.decision.Admitted {
		t.Errorf("decision = %+v; want the younger link admitted to the free slot", s.decision)
	}
}

func TestEveryPhasePathReleasesTheOwnersLocks(t *testing.T) {
	w := world(t)
	w.link("ok", "mp1")
	w.link("dup", "mp1")
	w.link("missing", "nope")
	w.plat.Fail(fake.MethodListMiniProgramLinks, fake.NetworkError(fake.MethodListMiniProgramLinks))
	held := 0
	var probe linkPhase = func(context.Context, *linkScope) (bool, error) {
		held = w.r.owners.size()
		return false, nil
	}
	for _, name := range []string{"ok", "dup", "missing", "ok"} {
		s := &linkScope{link: w.get(name)}
		_, err := func() (ctrl.Result, error) {
			defer s.unlock()
			return runPhases(context.Background(), s, w.r.resolve, w.r.lockOwners, probe, w.r.refuseDuplicate, w.r.observe, w.r.admit)
		}()
		t.Logf("%s: %v", name, err)
		if name != "missing" && held != 2 {
			t.Errorf("%s: %d owner locks held inside the phases, want 2 (the Official Account's and the Mini Program's)", name, held)
		}
		if n := w.r.owners.size(); n != 0 {
			t.Fatalf("after reconciling %s, %d owner locks are still held", name, n)
		}
	}
	// The deletion path locks the Official Account too, and lets it go.
	l := w.link("solo", "mp2")
	l.Status.FromAppID, l.Status.ToAppID = oaApp, mpApp2
	w.save(l)
	w.onPlatform(mpApp2, platform.LinkLinked)
	if _, _, err := w.r.delete(context.Background(), w.get("solo")); err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodUnlinkMiniProgram); n != 1 {
		t.Fatalf("the deletion made %d unlink calls, want 1", n)
	}
	if n := w.r.owners.size(); n != 0 {
		t.Fatalf("after a deletion, %d owner locks are still held", n)
	}
}

// thisMonth is an owner's monthly counter with used new links in the month of phaseNow.
func thisMonth(used int32) *wx.MonthlyCount {
	return &wx.MonthlyCount{Month: rules.MonthOf(phaseNow), Count: used}
}

// setMonthly sets the Mini Program's monthly counter.
func (w *phaseWorld) setMonthly(name string, used int32) {
	w.t.Helper()
	mp := &wx.MiniProgram{}
	if err := w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: name}, mp); err != nil {
		w.t.Fatal(err)
	}
	mp.Status.MonthlyLinks = thisMonth(used)
	if err := w.c.Status().Update(context.Background(), mp); err != nil {
		w.t.Fatal(err)
	}
}

// decideFor resolves and observes the named link, then runs admission for it.
func (w *phaseWorld) decideFor(name string) *linkScope {
	w.t.Helper()
	s, _, err := w.scope(name, w.r.resolve, w.r.lockOwners, w.r.refuseDuplicate, w.r.observe)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.r.decide(context.Background(), s); err != nil {
		w.t.Fatal(err)
	}
	return s
}

// On the Mini Program's side, an older link queued behind its Official Account's quota holds no slot.
func TestMiniProgramSideSkipsALinkQueuedByItsOfficialAccount(t *testing.T) {
	w := world(t)
	w.setMonthly("mp1", 499) // one new link left this month
	held := w.link("held", "mp1")
	held.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionQueued, QueuedBy: wx.KindOfficialAccount}
	w.save(held)
	w.officialAccount2()
	w.linkFrom("next", "oa2", "mp1")
	if s := w.decideFor("next"); !s.decision.Admitted {
		t.Errorf("decision = %+v; the Mini Program's last slot this month went to a link its Official Account queued", s.decision)
	}
}

// On the Mini Program's side, a younger duplicate of a link holds no slot of its own.
func TestMiniProgramSideSkipsAYoungerDuplicate(t *testing.T) {
	w := world(t)
	w.setMonthly("mp1", 498) // two new links left this month
	w.officialAccount2()
	w.linkFrom("first", "oa2", "mp1")
	w.linkFrom("first-again", "oa2", "mp1")
	w.link("next", "mp1")
	if s := w.decideFor("next"); !s.decision.Admitted {
		t.Errorf("decision = %+v; a duplicate declaration took a slot of the Mini Program", s.decision)
	}
}

// A stale record of this link joining an account to itself does not keep it from a decision.
func TestTheDecidingLinkIsJudgedOnItsFreshResolution(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Status.FromAppID, l.Status.ToAppID = oaApp, oaApp // from an earlier, since corrected, misconfiguration
	w.save(l)
	if s := w.decideFor("l1"); !s.decision.Admitted {
		t.Errorf("decision = %+v, want admitted", s.decision)
	}
}

func TestDeleteReadsFreshAndUnlinks(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Status.FromAppID, l.Status.ToAppID = oaApp, mpApp1
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateLinked}
	w.save(l)
	// A shared read from before the link existed must not hide it from the unlink.
	acct := platform.Account{AppID: oaApp, Credential: "s-" + oaApp}
	if _, _, err := w.r.Observer.List(context.Background(), w.plat, acct, time.Hour); err != nil {
		t.Fatal(err)
	}
	w.onPlatform(mpApp1, platform.LinkLinked)
	done, _, err := w.r.delete(context.Background(), w.get("l1"))
	if err != nil || !done {
		t.Fatalf("delete = %v, %v; want done", done, err)
	}
	if calls := w.plat.CallsTo(fake.MethodUnlinkMiniProgram); len(calls) != 1 || calls[0].Target != mpApp1 {
		t.Errorf("unlink calls = %+v, want one for %s", calls, mpApp1)
	}
	// The write forgot the shared read: the next read asks the platform.
	before := w.plat.Count(fake.MethodListMiniProgramLinks)
	if _, _, err := w.r.Observer.List(context.Background(), w.plat, acct, time.Hour); err != nil {
		t.Fatal(err)
	}
	if w.plat.Count(fake.MethodListMiniProgramLinks) != before+1 {
		t.Error("a read from before the unlink was served after it")
	}
}

func TestDeleteLeavesALinkAnotherObjectDeclares(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Status.FromAppID, l.Status.ToAppID = oaApp, mpApp1
	w.save(l)
	w.link("l1-again", "mp1")
	w.onPlatform(mpApp1, platform.LinkLinked)
	done, _, err := w.r.delete(context.Background(), w.get("l1"))
	if err != nil || !done {
		t.Fatalf("delete = %v, %v", done, err)
	}
	if n := w.plat.Count(fake.MethodUnlinkMiniProgram); n != 0 {
		t.Errorf("unlinked an association another link declares (%d calls)", n)
	}
}

// The other declarer may name the same association through other objects (another MiniProgram object with
// the same AppID, or one since renamed: only its resolved AppIDs say so); a link to another Mini Program is
// no declarer (the deletion finds declarers through the indexes, not a list of the namespace's every link).
func TestDeleteLeavesALinkDeclaredThroughAnotherObjectOfTheSameAppID(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Status.FromAppID, l.Status.ToAppID = oaApp, mpApp1
	w.save(l)
	other := w.link("l1-alias", "mp1-renamed") // its MiniProgram object is gone; its status still says mp1's AppID
	other.Status.FromAppID, other.Status.ToAppID = oaApp, mpApp1
	w.save(other)
	unrelated := w.link("l2", "mp2")
	unrelated.Status.FromAppID, unrelated.Status.ToAppID = oaApp, mpApp2
	w.save(unrelated)
	w.onPlatform(mpApp1, platform.LinkLinked)
	w.onPlatform(mpApp2, platform.LinkLinked)
	if done, _, err := w.r.delete(context.Background(), w.get("l1")); err != nil || !done {
		t.Fatalf("delete l1 = %v, %v", done, err)
	}
	if n := w.plat.Count(fake.MethodUnlinkMiniProgram); n != 0 {
		t.Errorf("unlinked an association l1-alias declares by its AppIDs (%d calls)", n)
	}
	if done, _, err := w.r.delete(context.Background(), w.get("l2")); err != nil || !done {
		t.Fatalf("delete l2 = %v, %v", done, err)
	}
	if n := w.plat.Count(fake.MethodUnlinkMiniProgram); n != 1 {
		t.Errorf("deleting l2, which no other link declares, made %d unlink calls, want 1", n)
	}
}

func TestDeleteHoldsTheFinalizerWhileCredentialsAreMissing(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Status.FromAppID, l.Status.ToAppID = oaApp, mpApp1
	w.save(l)
	if err := w.c.Delete(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: phaseNS, Name: "oa-credentials"}}); err != nil {
		t.Fatal(err)
	}
	l = w.get("l1")
	done, res, err := w.r.delete(context.Background(), l)
	if err != nil || done {
		t.Fatalf("delete = done %v, %v; want the finalizer held", done, err)
	}
	if res.RequeueAfter == 0 || readyReason(l) != wx.ReasonDeletionBlocked {
		t.Errorf("requeue after %v, Ready %q; want a requeue and DeletionBlocked", res.RequeueAfter, readyReason(l))
	}
	if c := readyCondition(l.Status.Conditions, wx.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Stalled = %+v; a deletion that waits for a person does not finish unaided", c)
	}
	if n := w.plat.Count(fake.MethodUnlinkMiniProgram); n != 0 {
		t.Errorf("unlinked without credentials (%d calls)", n)
	}
}

// synced returns the Synced condition.
func synced(l *wx.AssociationLink) *metav1.Condition {
	for i := range l.Status.Conditions {
		if l.Status.Conditions[i].Type == wx.ConditionSynced {
			return &l.Status.Conditions[i]
		}
	}
	return nil
}

// hangingPlatform never answers a link request until its caller gives up.
type hangingPlatform struct{ *fake.Platform }

func (h hangingPlatform) LinkMiniProgram(ctx context.Context, _ platform.Account, _ string, _ platform.LinkOptions) (platform.LinkOutcome, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// A platform call that never answers holds the owners' locks no longer than a locked call may take.
func TestALockIsNotHeldAcrossAHangingCall(t *testing.T) {
	w := world(t)
	w.r.LockedCallTimeout = 50 * time.Millisecond
	w.r.Platforms = fakeProvider{p: hangingPlatform{w.plat}, c: w.c}
	w.link("l1", "mp1")
	done := make(chan error, 1)
	go func() {
		_, err := w.r.reconcileOfficialAccountLink(context.Background(), w.get("l1"))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("reconcile = %v, want the locked call's deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a reconcile held its owners' locks across a platform call that never answered")
	}
	if n := w.r.owners.size(); n != 0 {
		t.Errorf("%d owner locks still held", n)
	}
}

// Owners' locks are per namespace: two tenants that declare the same AppIDs never wait for each other.
func TestOwnerLocksArePerNamespace(t *testing.T) {
	if officialAccountLock("tenant-a", oaApp) == officialAccountLock("tenant-b", oaApp) ||
		miniProgramLock("tenant-a", mpApp1) == miniProgramLock("tenant-b", mpApp1) {
		t.Fatal("two namespaces share an owner's lock")
	}
	var locks ownerLocks
	unlock, _ := locks.lock(context.Background(), officialAccountLock("tenant-a", oaApp))
	defer unlock()
	got := make(chan struct{})
	go func() {
		if u, err := locks.lock(context.Background(), officialAccountLock("tenant-b", oaApp)); err == nil {
			u()
		}
		close(got)
	}()
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("tenant-b waited for tenant-a's lock")
	}
}

// An error reading the platform is classified like one writing it: a terminal errcode shows its own reason
// on the link, a daily quota waits for its reset once, not in an exponential backoff.
func TestReadErrorsAreClassifiedLikeWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		code       int
		wantReason string
		wantWait   time.Duration
	}{
		{61023, platform.ReasonReauthorize, 0},
		{45009, wx.ReasonReconcileError, 12 * time.Hour},
	} {
		w := world(t)
		w.link("l1", "mp1")
		w.plat.FailAlways(fake.MethodListMiniProgramLinks,
			platform.Classify(fake.API(fake.MethodListMiniProgramLinks), tc.code, "injected", phaseNow))
		res, err := w.r.Reconcile(context.Background(), request("l1"))
		if err != nil {
			t.Fatalf("errcode %d: reconcile returned %v; want it classified, not returned for backoff", tc.code, err)
		}
		l := w.get("l1")
		if got := readyReason(l); got != tc.wantReason {
			t.Errorf("errcode %d: Ready reason %q, want %q", tc.code, got, tc.wantReason)
		}
		if tc.wantWait != 0 && res.RequeueAfter != tc.wantWait {
			t.Errorf("errcode %d: requeue after %v, want %v", tc.code, res.RequeueAfter, tc.wantWait)
		}
		if tc.wantWait == 0 && res.RequeueAfter < w.r.PollInterval*9/10 {
			t.Errorf("errcode %d: requeue after %v, want about the poll interval", tc.code, res.RequeueAfter)
		}
	}
}

// An ObserveOnly link the platform does not list takes no slot, is never queued, and is adopted, with an
// Event, once the platform lists it.
func TestAnObserveOnlyLinkTakesNoSlotUntilThePlatformListsIt(t *testing.T) {
	w := world(t)
	for _, app := range []string{"wx00000000000000c1", "wx00000000000000c2", "wx00000000000000c3"} {
		w.onPlatform(app, platform.LinkLinked) // the other-subject pool is full
	}
	l := w.link("watched", "mp2")
	l.Spec.ManagementPolicy = wx.ManagementPolicyObserveOnly
	if err := w.c.Update(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	s, _, err := w.scope("watched", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if s.link.Status.Admission != nil || readyReason(s.link) != wx.ReasonObserveOnly {
		t.Fatalf("admission %+v, Ready %q: want no slot and ObserveOnly", s.link.Status.Admission, readyReason(s.link))
	}
	if got := w.drainEvents(); len(got) != 0 || w.plat.Count(fake.MethodLinkMiniProgram) != 0 {
		t.Fatalf("events %v, %d link calls; want none", got, w.plat.Count(fake.MethodLinkMiniProgram))
	}
	w.save(s.link)
	w.onPlatform(mpApp2, platform.LinkLinked) // made in the console at last
	w.now = w.now.Add(time.Hour)
	s, _, err = w.scope("watched", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if readyReason(s.link) != wx.ReasonAvailable || !slices.Contains(w.drainEvents(), wx.EventAdopted) {
		t.Errorf("Ready %q: want the link adopted (with an Event) and Available", readyReason(s.link))
	}
}

// A link waiting for a person reads the platform at the pending interval; a settled one at the poll
// interval.
func TestALinkWaitingForAPersonReadsAtThePendingInterval(t *testing.T) {
	w := world(t)
	for _, tc := range []struct {
		name   string
		state  wx.LinkState
		listed platform.LinkStatus
		reads  int
	}{
		{"waiting", wx.LinkStateAwaitingMiniProgramAdmin, platform.LinkAwaitingMiniProgramAdmin, 2},
		{"settled", wx.LinkStateLinked, platform.LinkLinked, 1},
	} {
		w.plat.Reset()
		w.onPlatform(mpApp1, tc.listed)
		w.r.Observer = NewObserver(w.r.Now)
		l := w.link(tc.name, "mp1")
		l.Status.Platform = &wx.PlatformLinkStatus{State: tc.state}
		w.save(l)
		for range 2 {
			if _, _, err := w.scope(tc.name, w.r.resolve, w.r.lockOwners, w.r.observe); err != nil {
				t.Fatal(err)
			}
			w.now = w.now.Add(40 * time.Second) // more than half the pending interval, less than half a poll
		}
		if n := w.plat.Count(fake.MethodListMiniProgramLinks); n != tc.reads {
			t.Errorf("%s: %d reads of the platform in two reconciles 40s apart, want %d", tc.name, n, tc.reads)
		}
	}
}

// droppingPlatform makes the association and loses the answer, as a connection that drops after the
// platform applied the request.
type droppingPlatform struct{ *fake.Platform }

func (d droppingPlatform) LinkMiniProgram(ctx context.Context, oa platform.Account, mp string, opts platform.LinkOptions) (platform.LinkOutcome, error) {
	if _, err := d.Platform.LinkMiniProgram(ctx, oa, mp, opts); err != nil {
		return 0, err
	}
	return 0, fake.NetworkError(fake.MethodLinkMiniProgram)
}

// A request whose answer is lost is counted once, from the platform's list, and never asked again.
func TestALostAnswerIsSettledFromThePlatform(t *testing.T) {
	w := world(t)
	w.r.Platforms = fakeProvider{p: droppingPlatform{w.plat}, c: w.c}
	w.link("l1", "mp1")
	if _, _, err := w.scope("l1", w.linkPhases()...); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	// The reconcile's own status write never happened (as after a crash): only the recorded intent is there.
	if l := w.get("l1"); unsettledIntent(l) == nil || !slices.Contains(l.Finalizers, wx.Finalizer) {
		t.Fatalf("no intent (and finalizer) was recorded before the call: %v %v", l.Annotations, l.Finalizers)
	}
	w.r.Platforms = fakeProvider{p: w.plat, c: w.c}
	w.r.months = monthExpectations{} // a new manager remembers nothing
	w.now = w.now.Add(time.Second)
	s, _, err := w.scope("l1", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.link.Status.MonthlyRequests; c == nil || c.Count != 1 {
		t.Errorf("the link's record of the month = %+v, want 1", c)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 1 {
		t.Errorf("%d link requests, want the one whose answer was lost", n)
	}
	if readyReason(s.link) != wx.ReasonAvailable {
		t.Errorf("Ready %q, want Available", readyReason(s.link))
	}
}

// uncertainQuotaPlatform makes the association and loses the answer, and its retry meets the daily quota: the
// client's uncertain error, which keeps the 45009's wait.
type uncertainQuotaPlatform struct{ *fake.Platform }

func (d uncertainQuotaPlatform) LinkMiniProgram(ctx context.Context, oa platform.Account, mp string, opts platform.LinkOptions) (platform.LinkOutcome, error) {
	if _, err := d.Platform.LinkMiniProgram(ctx, oa, mp, opts); err != nil {
		return 0, err
	}
	e := platform.NetworkError(fake.API(fake.MethodLinkMiniProgram), "an attempt reached the platform without an answer "+
		"and its retry failed (errcode 45009)")
	e.RetryAfter = 12 * time.Hour
	return 0, e
}

// A request whose answer was lost and whose retry met the daily quota waits for the quota's reset, not in a
// backoff that would ask again (and meet 45009) at once, and keeps its intent: the first attempt may have
// made the link, which the platform's list settles.
func TestAnUncertainRequestThatMetTheDailyQuotaWaitsAndKeepsItsIntent(t *testing.T) {
	w := world(t)
	w.r.Platforms = fakeProvider{p: uncertainQuotaPlatform{w.plat}, c: w.c}
	w.link("l1", "mp1")
	s, done, err := w.scope("l1", w.linkPhases()...)
	if err != nil || !done {
		t.Fatalf("phases = done %v, %v; want a wait, not an error for backoff", done, err)
	}
	if s.result.RequeueAfter != 12*time.Hour {
		t.Errorf("requeue after %v, want 12h (the daily quota's wait)", s.result.RequeueAfter)
	}
	if unsettledIntent(s.link) == nil || unsettledIntent(w.get("l1")) == nil {
		t.Errorf("the intent was cleared: %v; want it kept for the platform's list to settle", w.get("l1").Annotations)
	}
	if c := synced(s.link); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("Synced = %+v, want False", c)
	}
}

// A request recorded as pending that the platform does not list is waited for, then asked again, uncounted.
func TestAnIntentThePlatformNeverSawIsAskedAgain(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateNotLinked}
	w.save(l)
	w.intend("l1", metav1.NewTime(w.now))
	w.now = w.now.Add(10 * time.Second)
	s, _, err := w.scope("l1", w.linkPhases()...)
	if err != nil || readyReason(s.link) != wx.ReasonProgressing || w.plat.Count(fake.MethodLinkMiniProgram) != 0 {
		t.Fatalf("moments after the intent: Ready %q, %d requests, %v; want a wait", readyReason(s.link),
			w.plat.Count(fake.MethodLinkMiniProgram), err)
	}
	w.now = w.now.Add(requestSettleTime)
	s, _, err = w.scope("l1", w.linkPhases()...)
	if err != nil || w.plat.Count(fake.MethodLinkMiniProgram) != 1 {
		t.Fatalf("after the settle time: %d requests, %v; want one", w.plat.Count(fake.MethodLinkMiniProgram), err)
	}
	if c := s.link.Status.MonthlyRequests; c == nil || c.Count != 1 {
		t.Errorf("the link's record of the month = %+v, want 1 (the new request only)", c)
	}
}

// A request counted in the owners' expectations before the call, then settled as never made, is given back:
// the owners do not lose one of their 13 links of the month until the manager restarts.
func TestARequestSettledAsNotMadeGivesItsCountBack(t *testing.T) {
	w := world(t)
	w.link("l1", "mp1")
	w.plat.Fail(fake.MethodLinkMiniProgram, fake.NetworkError(fake.MethodLinkMiniProgram))
	if _, _, err := w.scope("l1", w.linkPhases()...); err == nil {
		t.Fatal("the unanswered request was not reported")
	}
	s, _, _ := w.scope("l1", w.r.resolve)
	if used := w.r.monthUsed(s, wx.KindOfficialAccount, nil); used != 1 {
		t.Fatalf("while the request is unsettled the Official Account's month is %d, want 1", used)
	}
	w.now = w.now.Add(requestSettleTime + time.Second)
	s, _, err := w.scope("l1", w.r.resolve, w.r.refuseSelfLink, w.r.observe, w.r.settleIntent)
	if err != nil || unsettledIntent(s.link) != nil {
		t.Fatalf("the intent was not settled: %v, %v", err, s.link.Annotations)
	}
	if oaUsed, mpUsed := w.r.monthUsed(s, wx.KindOfficialAccount, nil), w.r.monthUsed(s, wx.KindMiniProgram, nil); oaUsed != 0 || mpUsed != 0 {
		t.Errorf("after the request was settled as not made: Official Account %d, Mini Program %d of the month; want 0", oaUsed, mpUsed)
	}
}

// The owners' locks are let go while a request is in flight; a sibling's admission must still count the
// slot the request fills, whatever the requesting link's last status said (here: refused before). Both while
// the cache shows its record of the request (an unsettled intent), and before the cache shows it at all.
func TestARequestInFlightHoldsItsSlotAgainstTheNextDecision(t *testing.T) {
	for _, cacheBehind := range []bool{false, true} {
		w := world(t)
		w.miniProgram("mp3", "wx00000000000000b3", subjectB)
		w.onPlatform("wx00000000000000c1", platform.LinkLinked) // two other-subject links made in the console
		w.onPlatform("wx00000000000000c2", platform.LinkLinked)
		r := w.link("r", "mp2")
		r.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted}
		r.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused}
		w.save(r)
		if cacheBehind {
			w.r.inFlight.note(w.get("r"), metav1.NewTime(w.now)) // recorded here; the cache has not caught up
		} else {
			w.intend("r", metav1.NewTime(w.now))
		}
		w.now = w.now.Add(time.Second)
		w.link("n", "mp3")
		s, _, err := w.scope("n", w.linkPhases()...)
		if err != nil {
			t.Fatal(err)
		}
		if a := s.link.Status.Admission; a == nil || a.State != wx.AdmissionQueued {
			t.Errorf("cache behind %v: n's admission %+v, want queued behind r's request in flight (3 of 3 other-subject slots)", cacheBehind, a)
		}
		if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 0 {
			t.Errorf("cache behind %v: %d link requests, want none", cacheBehind, n)
		}
	}
}

// A read taken before the owners' locks that showed the pair linked is read again when wxlink wrote to the
// account's links meanwhile (another object's unlink of the same pair, finishing while this link waited for
// the lock): the new link asks for the association, rather than report Linked what is gone.
func TestAReadOlderThanWxlinksLastWriteIsNotTrustedToReportLinked(t *testing.T) {
	w := world(t)
	w.onPlatform(mpApp1, platform.LinkLinked)
	w.link("n", "mp1")
	unlinkMeanwhile := func(_ context.Context, s *linkScope) (bool, error) {
		return false, w.r.Observer.AfterWrite(s.p, oaApp, func() error {
			w.plat.Update(func(p *fake.Platform) { p.Links[oaApp] = nil })
			return nil
		})
	}
	phases := w.linkPhases()
	phases = append(phases[:3], append([]linkPhase{unlinkMeanwhile}, phases[3:]...)...) // after observe
	s, _, err := w.scope("n", phases...)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 1 {
		t.Errorf("%d link requests, want 1: the association was unlinked after the read", n)
	}
	if s.link.Status.Platform == nil || s.link.Status.Platform.State != wx.LinkStateLinked {
		t.Errorf("status.platform %+v, want Linked by this link's own request", s.link.Status.Platform)
	}
}

// Reads do not count as writes: a link whose lost answer is settled from a fresh read reads the platform
// once, not again under the owners' locks.
func TestAFreshReadAloneIsNotReadAgainUnderTheLocks(t *testing.T) {
	w := world(t)
	w.link("l1", "mp1")
	w.intend("l1", metav1.NewTime(w.now))
	w.onPlatform(mpApp1, platform.LinkLinked) // the lost request landed
	w.now = w.now.Add(time.Second)
	if _, _, err := w.scope("l1", w.linkPhases()...); err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodListMiniProgramLinks); n != 2 {
		t.Errorf("%d list reads, want 2 (the shared read, and the fresh one that settles the request)", n)
	}
}

// A deleted link's count stays in its owners' ledgers, once however often the deletion is retried.
func TestADeletedLinksCountIsKeptOnceInTheLedgers(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Status.MonthlyRequests = thisMonth(1)
	w.save(l)
	l = w.get("l1")
	l.Spec.DeletionPolicy = wx.DeletionPolicyOrphan
	for range 2 {
		if done, _, err := w.r.delete(context.Background(), l); err != nil || !done {
			t.Fatalf("delete = %v, %v", done, err)
		}
	}
	oa, mp := &wx.OfficialAccount{}, &wx.MiniProgram{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp1"}, mp)
	for _, ledger := range [][]wx.LedgerEntry{oa.Status.MonthlyLedger, mp.Status.MonthlyLedger} {
		if len(ledger) != 1 || ledger[0].UID != string(l.UID) || ledger[0].Count != 1 {
			t.Errorf("ledger = %+v, want one entry of l1 with 1", ledger)
		}
	}
	s := &linkScope{link: w.link("l2", "mp2")}
	s.oa, s.mp = oa, mp
	w.r.months = monthExpectations{}
	if used := w.r.monthUsed(s, wx.KindOfficialAccount, nil); used != 1 {
		t.Errorf("the Official Account's month without l1 = %d, want 1 from its ledger", used)
	}
}

// Links made in the console beyond an Official Account's quota are said (a condition and one Event naming
// them), and a Mini Program's linked-by count includes what the platform lists.
func TestConsoleLinksOverQuotaAreSaidAndCounted(t *testing.T) {
	w := world(t)
	for i := 1; i <= 4; i++ { // four other-subject Mini Programs made in the console: one over the quota of 3
		w.onPlatform(fmt.Sprintf("wx00000000000000c%d", i), platform.LinkLinked)
	}
	w.onPlatform(mpApp1, platform.LinkLinked) // and mp1, also made in the console, no AssociationLink
	r := &OfficialAccountReconciler{Client: w.c, APIReader: w.c, Platforms: w.r.Platforms, Observer: w.r.Observer,
		Recorder: w.events, Options: w.r.Options}
	for range 2 {
		if _, err := r.Reconcile(context.Background(), request("oa")); err != nil {
			t.Fatal(err)
		}
	}
	oa := &wx.OfficialAccount{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	c := readyCondition(oa.Status.Conditions, wx.ConditionQuotaRespected)
	if c == nil || c.Reason != wx.ReasonOverQuotaOnPlatform || !strings.Contains(c.Message, "4/3 other-subject") ||
		!strings.Contains(c.Message, "wx00000000000000c4") {
		t.Fatalf("QuotaRespected = %+v; want OverQuotaOnPlatform naming the console-made links", c)
	}
	if got := w.drainEvents(); slices.Index(got, wx.EventOverQuotaOnPlatform) < 0 || len(slices.DeleteFunc(got, func(e string) bool {
		return e != wx.EventOverQuotaOnPlatform
	})) != 1 {
		t.Errorf("events %v: want one OverQuotaOnPlatform over two reconciles", got)
	}
	mpr := &MiniProgramReconciler{Client: w.c}
	mp := &wx.MiniProgram{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp1"}, mp)
	if err := mpr.linkedBy(context.Background(), mp); err != nil || mp.Status.LinkedBy != "1/500" {
		t.Errorf("mp1 linked by %q (%v), want 1/500: the platform lists it linked to oa", mp.Status.LinkedBy, err)
	}
}

func readyCondition(cs []metav1.Condition, typ string) *metav1.Condition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}

package controllers

// Regression tests of the link phases and the reconcile's ending, each from a review finding.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/go-logr/logr"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/fake"
)

// A request whose answer was lost, then rejected by the Mini Program's admin before wxlink settled it, must
// be terminal for the object (as a rejection of an answered request is), not asked again.
func TestLostAnswerThenRejectedIsNotAskedAgain(t *testing.T) {
	w := world(t)
	w.plat.Update(func(p *fake.Platform) { p.LinkStatus = platform.LinkAwaitingMiniProgramAdmin })
	w.r.Platforms = fakeProvider{p: droppingPlatform{w.plat}, c: w.c}
	w.link("l2", "mp2")
	if _, _, err := w.scope("l2", w.linkPhases()...); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	w.r.Platforms = fakeProvider{p: w.plat, c: w.c}
	// The admin rejects before wxlink looks again (a manager down, a backoff).
	w.plat.Update(func(p *fake.Platform) {
		for i := range p.Links[oaApp] {
			p.Links[oaApp][i].Status = platform.LinkRejected
		}
	})
	w.now = w.now.Add(10 * time.Minute)
	s, _, err := w.scope("l2", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 1 {
		t.Errorf("asked %d times; want 1: the admin rejected this object's own request", n)
	}
	if readyReason(s.link) != wx.ReasonRejected {
		t.Errorf("Ready %q, want Rejected", readyReason(s.link))
	}
}

// An old rejection (of generation 1) and a new intent (generation 2) that never reached the platform (a
// crash before the call): the rejection is not the intent's doing. The intent must not be counted, and the
// one request generation 2 makes must be counted once.
func TestAnOldRejectionDoesNotSettleANewIntent(t *testing.T) {
	w := world(t)
	w.onPlatform(mpApp2, platform.LinkRejected)
	l := w.link("l2", "mp2")
	l.Spec.OfficialAccount = &wx.OfficialAccountLinkOptions{ShowOnProfile: true}
	l.Generation = 2 // the fake client does not move generations
	if err := w.c.Update(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	l = w.get("l2")
	old := metav1.NewTime(w.now.Add(-48 * time.Hour))
	intent := metav1.NewTime(w.now.Add(-5 * time.Minute))
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRejected, RequestedTime: &old, RequestedGeneration: 1}
	l.Status.Conditions = []metav1.Condition{{Type: wx.ConditionLinked, Status: metav1.ConditionFalse, Reason: wx.ReasonRejected,
		ObservedGeneration: 1, LastTransitionTime: old}}
	w.save(l)
	w.intend("l2", intent)
	s, _, err := w.scope("l2", w.linkPhases()...)
	if err != nil {
		t.Fatal(err)
	}
	n := w.plat.Count(fake.MethodLinkMiniProgram)
	var c int32
	if s.link.Status.MonthlyRequests != nil {
		c = s.link.Status.MonthlyRequests.Count
	}
	if int(c) != n {
		t.Errorf("requests made %d, counted %d (ready %q)", n, c, readyReason(s.link))
	}
}

// A link whose request reached the platform but whose answer was lost (a crash), deleted before any
// reconcile settled it: the platform counted the request, so the owners' month must too.
func TestADeletedLinkWithAnUnsettledIntentIsCounted(t *testing.T) {
	w := world(t)
	w.r.Platforms = fakeProvider{p: droppingPlatform{w.plat}, c: w.c}
	w.link("l1", "mp1")
	if _, _, err := w.scope("l1", w.linkPhases()...); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	w.r.Platforms = fakeProvider{p: w.plat, c: w.c}
	w.r.months = monthExpectations{} // a new manager
	l := w.get("l1")
	l.Spec.DeletionPolicy = wx.DeletionPolicyOrphan
	if done, _, err := w.r.delete(context.Background(), l); err != nil || !done {
		t.Fatalf("delete = %v, %v", done, err)
	}
	oa := &wx.OfficialAccount{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	s := &linkScope{link: w.link("l2", "mp2"), oa: oa, mp: &wx.MiniProgram{}}
	if used := w.r.monthUsed(s, wx.KindOfficialAccount, nil); used != 1 {
		t.Errorf("the Official Account's month = %d, want 1: the platform made and counted l1's association", used)
	}
}

// A refused link whose previous reconcile failed (Synced=False at this generation) is reconciled
// successfully within the poll interval (holdBack): that reconcile succeeded, so Synced must say so.
func TestASuccessfulHoldBackClearsAStaleSyncedFalse(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	l.Finalizers = []string{wx.Finalizer}
	if err := w.c.Update(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	l = w.get("l1")
	req := metav1.NewTime(w.now.Add(-time.Minute))
	l.Status.ObservedGeneration = 1
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused, RequestedTime: &req, RequestedGeneration: 1}
	l.Status.Conditions = []metav1.Condition{
		{Type: wx.ConditionReady, Status: metav1.ConditionFalse, Reason: "MiniProgramLinkLimit", ObservedGeneration: 1, LastTransitionTime: req, Message: "refused"},
		{Type: wx.ConditionSynced, Status: metav1.ConditionFalse, Reason: wx.ReasonReconcileError, ObservedGeneration: 1, LastTransitionTime: req, Message: "wxamplinkget: connection reset"},
	}
	w.save(l)
	if _, err := w.r.Reconcile(context.Background(), request("l1")); err != nil {
		t.Fatal(err)
	}
	if c := synced(w.get("l1")); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Synced = %+v after a reconcile that succeeded", c)
	}
}

// A reconcile of an edit (generation 2) that ended in a conflict did not reconcile the edit: it must not move
// observedGeneration to 2 under the Ready=True of generation 1.
func TestAConflictDoesNotMoveObservedGeneration(t *testing.T) {
	w := world(t)
	l := w.link("l1", "mp1")
	t0 := metav1.NewTime(w.now)
	l.Status.ObservedGeneration = 1
	l.Status.Conditions = []metav1.Condition{
		{Type: wx.ConditionReady, Status: metav1.ConditionTrue, Reason: wx.ReasonAvailable, ObservedGeneration: 1, LastTransitionTime: t0},
		{Type: wx.ConditionSynced, Status: metav1.ConditionTrue, Reason: wx.ReasonReconcileSuccess, ObservedGeneration: 1, LastTransitionTime: t0},
	}
	w.save(l)
	l = w.get("l1")
	orig := l.DeepCopy()
	l.Generation = 2 // an edit
	orig.Generation = 2
	conflict := apierrors.NewConflict(wx.GroupVersion.WithResource("associationlinks").GroupResource(), "l1", errors.New("x"))
	if _, err := finishReconcile(context.Background(), w.c, l, orig, ctrl.Result{}, conflict, w.r.Options); err != nil {
		t.Fatal(err)
	}
	if got := w.get("l1").Status.ObservedGeneration; got != 1 {
		t.Errorf("observedGeneration = %d after a conflict, want 1 (Ready=True is generation 1's)", got)
	}
}

// An AppID-less list (original IDs only) of four same-subject Mini Programs, each declared as a MiniProgram
// with its spec.originalID: the Official Account is within its quotas (4/10 same subject, 0/3 other).
func TestAnAppIDLessListCountsSubjectsByOriginalID(t *testing.T) {
	w := world(t)
	for i := 1; i <= 4; i++ {
		appID := fmt.Sprintf("wx00000000c%d000000", i)
		name := fmt.Sprintf("same%d", i)
		w.miniProgram(name, appID, subjectA)
		mp := &wx.MiniProgram{}
		_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: name}, mp)
		mp.Spec.OriginalID = "gh_" + appID[2:14]
		if err := w.c.Update(context.Background(), mp); err != nil {
			t.Fatal(err)
		}
		w.plat.Update(func(p *fake.Platform) {
			p.Links[oaApp] = append(p.Links[oaApp], platform.MiniProgramLink{Username: "gh_" + appID[2:14], Status: platform.LinkLinked})
		})
	}
	r := &OfficialAccountReconciler{Client: w.c, APIReader: w.c, Platforms: w.r.Platforms, Observer: w.r.Observer,
		Recorder: w.events, Options: w.r.Options}
	if _, err := r.Reconcile(context.Background(), request("oa")); err != nil {
		t.Fatal(err)
	}
	oa := &wx.OfficialAccount{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	if oa.Status.Quota.SameSubject != "4/10" || oa.Status.Quota.OtherSubject != "0/3" {
		t.Errorf("quota same %s, other %s; want 4/10 and 0/3", oa.Status.Quota.SameSubject, oa.Status.Quota.OtherSubject)
	}
	if c := readyCondition(oa.Status.Conditions, wx.ConditionQuotaRespected); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("QuotaRespected = %+v", c)
	}
}

// An AppID-less list, and a MiniProgram whose spec.originalID has a typo: the platform answers "already
// linked" (89015) to every request; wxlink must not ask again a minute later, without end.
func TestAWrongOriginalIDIsNotRequestedWithoutEnd(t *testing.T) {
	w := world(t)
	mp := &wx.MiniProgram{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp1"}, mp)
	mp.Spec.OriginalID = "gh_0123456789ab" // not mp1's
	if err := w.c.Update(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	w.plat.Update(func(p *fake.Platform) {
		p.Links[oaApp] = append(p.Links[oaApp], platform.MiniProgramLink{Username: p.Accounts[mpApp1].Username, Status: platform.LinkLinked})
	})
	w.link("l1", "mp1")
	for i := 0; i < 4; i++ {
		s, _, err := w.scope("l1", w.linkPhases()...)
		if err != nil {
			t.Fatal(err)
		}
		w.save(s.link)
		w.now = w.now.Add(2 * time.Minute)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n > 1 {
		t.Errorf("asked %d times in 8 minutes; the platform answered 'already linked' each time (Ready %q)", n, readyReason(w.get("l1")))
	}
}

// A reconcile that waits for an owner another reconcile holds gives up after a locked call's timeout and is
// asked again after a backoff: not a failure (Synced stays), and it holds nothing.
func TestAReconcileThatCannotTakeItsOwnerIsRequeued(t *testing.T) {
	w := world(t)
	w.link("l1", "mp1")
	w.r.LockedCallTimeout = 50 * time.Millisecond
	w.r.conflicts = newConflictBackoff()
	unlock, err := w.r.owners.lock(context.Background(), officialAccountLock(phaseNS, oaApp))
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.r.Reconcile(context.Background(), request("l1"))
	unlock()
	if err != nil || res.RequeueAfter == 0 {
		t.Fatalf("Reconcile = %+v, %v; want a requeue after a backoff", res, err)
	}
	if c := synced(w.get("l1")); c != nil {
		t.Errorf("Synced = %+v: a reconcile that waited for an owner decided nothing, and says nothing", c)
	}
	if n := w.plat.Count(fake.MethodLinkMiniProgram); n != 0 {
		t.Errorf("asked the platform %d times without the owner's lock", n)
	}
	if n := w.r.owners.size(); n != 0 {
		t.Errorf("%d owner locks still held", n)
	}
}

// A description is reused for half a poll interval by a Ready, current account; by any other only when it
// was read moments ago (a burst of reconciles of one new object, some reading a stale cache), so that a
// person's fix on the platform shows at the next check.
func TestDescriptionsAreReusedByReadyAccountsAndWithinTheFloor(t *testing.T) {
	opts := Options{PollInterval: 10 * time.Minute}
	readyAt := func(gen, observed int64, status metav1.ConditionStatus) *wx.MiniProgram {
		mp := &wx.MiniProgram{ObjectMeta: metav1.ObjectMeta{Generation: gen}}
		mp.Status.Conditions = []metav1.Condition{{Type: wx.ConditionReady, Status: status, ObservedGeneration: observed}}
		return mp
	}
	for name, tc := range map[string]struct {
		mp   *wx.MiniProgram
		want time.Duration
	}{
		"new":                  {&wx.MiniProgram{}, describeFloor},
		"ready and current":    {readyAt(2, 2, metav1.ConditionTrue), 5 * time.Minute},
		"ready, edited since":  {readyAt(3, 2, metav1.ConditionTrue), describeFloor},
		"waiting for a person": {readyAt(2, 2, metav1.ConditionFalse), describeFloor},
	} {
		if got := opts.describeMaxAge(tc.mp); got != tc.want {
			t.Errorf("%s: describeMaxAge = %v, want %v", name, got, tc.want)
		}
	}
}

// unreachablePlatform fails every link request before it reaches the platform (connection refused).
type unreachablePlatform struct{ *fake.Platform }

func (u unreachablePlatform) LinkMiniProgram(context.Context, platform.Account, string, platform.LinkOptions) (platform.LinkOutcome, error) {
	return 0, fake.NetworkError(fake.MethodLinkMiniProgram)
}

// a brand-new link whose pair carries an old rejection (left by an earlier, deleted object) and whose
// first request never reached the platform must ask again; settleIntent instead reads the OLD rejection as
// this intent's doing: counted, and terminal Rejected, without a single request made.
func TestANewLinksFailedRequestIsNotSettledByAnOldRejection(t *testing.T) {
	w := world(t)
	w.onPlatform(mpApp2, platform.LinkRejected) // an old rejection
	w.link("l2", "mp2")
	w.r.Platforms = fakeProvider{p: unreachablePlatform{w.plat}, c: w.c}
	if _, err := w.r.Reconcile(context.Background(), request("l2")); err == nil {
		t.Fatal("the failed request was not reported")
	}
	w.r.Platforms = fakeProvider{p: w.plat, c: w.c}
	w.now = w.now.Add(5 * time.Second) // the backoff
	if _, err := w.r.Reconcile(context.Background(), request("l2")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // later resyncs, a poll interval apart
		w.now = w.now.Add(15 * time.Minute)
		if _, err := w.r.Reconcile(context.Background(), request("l2")); err != nil {
			t.Fatal(err)
		}
	}
	l := w.get("l2")
	n := w.plat.Count(fake.MethodLinkMiniProgram)
	var c int32
	if l.Status.MonthlyRequests != nil {
		c = l.Status.MonthlyRequests.Count
	}
	if n != 1 || int(c) != n || readyReason(l) == wx.ReasonRejected {
		t.Errorf("requests made %d (want 1), counted %d, Ready %q: an old rejection settled an intent that never reached the platform",
			n, c, readyReason(l))
	}
}

// dailyQuotaPlatform answers every link request with 45009 (the API's daily quota is used up): the platform
// answered, and made nothing.
type dailyQuotaPlatform struct{ *fake.Platform }

func (d dailyQuotaPlatform) LinkMiniProgram(context.Context, platform.Account, string, platform.LinkOptions) (platform.LinkOutcome, error) {
	return 0, fake.ErrcodeFor(fake.MethodLinkMiniProgram, 45009)
}

// a request the platform answered with a refusal that is not terminal (45009) made nothing, yet its
// intent stays unsettled: it counts +1 against both owners' month until the next day, and, if the link is
// deleted meanwhile, +1 in the owners' ledgers for the rest of the month.
func TestAnAnsweredRefusalIsNotCountedAgainstTheMonth(t *testing.T) {
	w := world(t)
	w.r.Platforms = fakeProvider{p: dailyQuotaPlatform{w.plat}, c: w.c}
	w.link("l1", "mp1")
	if _, err := w.r.Reconcile(context.Background(), request("l1")); err != nil {
		t.Fatal(err)
	}
	oa := &wx.OfficialAccount{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	s := &linkScope{link: w.link("l2", "mp2"), oa: oa, mp: &wx.MiniProgram{}}
	links, _ := linksByIndex(context.Background(), w.c, phaseNS, indexLinkFrom, "OfficialAccount/oa")
	if used := w.r.monthUsed(s, wx.KindOfficialAccount, links); used != 0 {
		t.Errorf("the Official Account's month = %d after a request the platform refused with 45009, want 0", used)
	}
	// The link is deleted before the quota resets.
	l := w.get("l1")
	if done, _, err := w.r.delete(context.Background(), l); err != nil || !done {
		t.Fatalf("delete = %v, %v", done, err)
	}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "oa"}, oa)
	if len(oa.Status.MonthlyLedger) != 0 {
		t.Errorf("ledger = %+v: a link that made nothing takes one of the month's 13 for the rest of the month", oa.Status.MonthlyLedger)
	}
}

// failingPatches fails the first n patches, as an API server briefly unavailable.
type failingPatches struct {
	client.Client
	n *int
}

func (f failingPatches) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if *f.n > 0 {
		*f.n--
		return errors.New("the API server is unavailable")
	}
	return f.Client.Patch(ctx, obj, patch, opts...)
}

// The client rotates A->B (persisting B fails once), then B->C: it reports the second rotation as replacing
// A (the credential it was given, which the Secret still holds) and B (the one it used). The Secret takes C:
// a failed persist is healed by the next rotation, and a restart does not go back to A.
func TestALaterRotationHealsAFailedPersist(t *testing.T) {
	w := world(t)
	const appID = "wx00000000000000b1"
	w.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "auth", Labels: map[string]string{CredentialsLabel: CredentialsLabelValue}},
		Data: map[string][]byte{"refresh": []byte("A")}})
	w.create(&wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: "oa-auth"}, Spec: wx.OfficialAccountSpec{AppID: appID,
		AccountSpec: wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: subjectA,
			Credentials: &wx.AccountCredentials{SecretName: "auth", AuthorizerRefreshTokenKey: "refresh"}}}})
	fails := 1
	p := &WeChatPlatforms{Client: failingPatches{w.c, &fails}, APIReader: w.c, Logger: logr.Discard()}
	p.persistRefreshToken(phaseNS, "wechat", appID, []platform.Secret{"A"}, "B")      // fails
	p.persistRefreshToken(phaseNS, "wechat", appID, []platform.Secret{"A", "B"}, "C") // what the client reports next
	s := &corev1.Secret{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "auth"}, s)
	if got := string(s.Data["refresh"]); got != "C" {
		t.Errorf("the Secret holds %q after rotations A->B (persist failed) and B->C; want C, the token the platform accepts", got)
	}
}

// an AppID-less list and a MiniProgram whose spec.originalID has a typo (existsUnlisted): its link still
// takes a slot, and the platform's entry for the same Mini Program counts again as a console link. Another
// other-subject link is queued although the platform has room.
func TestAnExistsUnlistedLinkIsNotCountedTwice(t *testing.T) {
	w := world(t)
	const mpApp3 = "wx00000000b3000000"
	w.miniProgram("mp3", mpApp3, subjectB)
	mp3 := &wx.MiniProgram{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp3"}, mp3)
	mp3.Spec.OriginalID = "gh_" + mpApp3[2:14]
	if err := w.c.Update(context.Background(), mp3); err != nil {
		t.Fatal(err)
	}
	mp := &wx.MiniProgram{}
	_ = w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "mp2"}, mp)
	mp.Spec.OriginalID = "gh_0123456789ab" // a typo: not mp2's
	if err := w.c.Update(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	w.plat.Update(func(p *fake.Platform) {
		p.Links[oaApp] = append(p.Links[oaApp],
			platform.MiniProgramLink{Username: p.Accounts[mpApp2].Username, Status: platform.LinkLinked}, // mp2, other subject
			platform.MiniProgramLink{Username: "gh_c0c0c0c0c0c0", Status: platform.LinkLinked})           // console, other subject
	})
	w.link("lx", "mp2")
	if _, err := w.r.Reconcile(context.Background(), request("lx")); err != nil {
		t.Fatal(err)
	}
	w.link("ly", "mp3")
	if _, err := w.r.Reconcile(context.Background(), request("ly")); err != nil {
		t.Fatal(err)
	}
	if got := readyReason(w.get("ly")); got == wx.ReasonQuotaExceeded {
		t.Errorf("ly Ready %q: the platform lists 2/3 other-subject Mini Programs, wxlink counted mp2 twice", got)
	}
}

// blockingPlatform holds every link request until release is closed, and says when one has started.
type blockingPlatform struct {
	*fake.Platform
	started chan struct{}
	release chan struct{}
}

func (b blockingPlatform) LinkMiniProgram(ctx context.Context, oa platform.Account, mp string, opts platform.LinkOptions) (platform.LinkOutcome, error) {
	b.started <- struct{}{}
	<-b.release
	return b.Platform.LinkMiniProgram(ctx, oa, mp, opts)
}

// No owner's lock is held while the platform answers a request; the request in flight is counted against
// the month by every decision made meanwhile, so that two links cannot both take the month's last one.
func TestARequestInFlightHoldsNoLockAndCountsAgainstTheMonth(t *testing.T) {
	w := world(t)
	w.setMonthly("mp1", 499) // one new link left this month for mp1
	bp := blockingPlatform{Platform: w.plat, started: make(chan struct{}, 1), release: make(chan struct{})}
	w.r.Platforms = fakeProvider{p: bp, c: w.c}
	w.link("first", "mp1")
	done := make(chan error, 1)
	go func() {
		_, err := w.r.Reconcile(context.Background(), request("first"))
		done <- err
	}()
	<-bp.started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, key := range []string{officialAccountLock(phaseNS, oaApp), miniProgramLock(phaseNS, mpApp1)} {
		unlock, err := w.r.owners.lock(ctx, key)
		if err != nil {
			t.Fatalf("the lock %s is held while the platform answers: %v", key, err)
		}
		unlock()
	}
	w.officialAccount2()
	w.linkFrom("second", "oa2", "mp1")
	if s := w.decideFor("second"); s.decision.Admitted {
		t.Errorf("decision = %+v; the request in flight took mp1's last new link of the month", s.decision)
	}
	close(bp.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A PlatformConfig whose endpoint the manager does not allow is not Ready (found by test/reliability's
// bad-input catalogue): on the OwnSecret route it said Available, while every account using it was refused.
func TestAPlatformConfigWithAnEndpointNotAllowedIsNotReady(t *testing.T) {
	w := newPhaseWorld(t)
	ctx := context.Background()
	w.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "remote"}, Spec: wx.PlatformConfigSpec{Endpoint: "https://api.example.com"}})
	platforms := &WeChatPlatforms{Client: w.c, DefaultEndpoint: "https://api.weixin.qq.com", DefaultQPS: 1, DefaultBurst: 1}
	r := &PlatformConfigReconciler{Client: w.c, Platforms: platforms, Observer: NewObserver(nil), Options: w.r.Options}
	if _, err := r.Reconcile(ctx, request("remote")); err != nil {
		t.Logf("reconcile: %v", err)
	}
	pc := &wx.PlatformConfig{}
	if err := w.c.Get(ctx, request("remote").NamespacedName, pc); err != nil {
		t.Fatal(err)
	}
	if st, reason := conditionOf(pc.Status.Conditions, wx.ConditionReady); st != metav1.ConditionFalse || reason != wx.ReasonEndpointNotAllowed {
		t.Fatalf("Ready = %s %s, want False EndpointNotAllowed", st, reason)
	}
}

func conditionOf(conds []metav1.Condition, typ string) (metav1.ConditionStatus, string) {
	for _, c := range conds {
		if c.Type == typ {
			return c.Status, c.Reason
		}
	}
	return "", ""
}

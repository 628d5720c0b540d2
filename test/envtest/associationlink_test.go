// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

const (
	wxamplink           = "/cgi-bin/wxopen/wxamplink"
	getaccountbasicinfo = "/cgi-bin/account/getaccountbasicinfo"
)

// onPlatform returns the simulator's status of the association, or 0 when there is none.
func (e *env) onPlatform(oa, mp string) int {
	l, ok := e.sim.Link(e.appID(oa), e.appID(mp))
	if !ok {
		return 0
	}
	return l.Status
}

func TestSameSubjectQuota10Then11thQueuedThenAdmittedWhenOneGoes(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	for i := 1; i <= 11; i++ {
		e.miniProgram(fmt.Sprintf("mp%02d", i), companyA, sim.Verified)
	}
	// Created in name order, one per creation second at most: the 11th by (creation time, name) is mp11's.
	for i := 1; i <= 11; i++ {
		e.link(fmt.Sprintf("link%02d", i), "news", fmt.Sprintf("mp%02d", i))
	}
	for i := 1; i <= 10; i++ {
		l := e.linkReason(fmt.Sprintf("link%02d", i), wx.ReasonAvailable)
		if l.Status.SubjectRelation != wx.SubjectRelationSame || l.Status.Platform.State != wx.LinkStateLinked {
			t.Errorf("link%02d: relation %s, state %s", i, l.Status.SubjectRelation, l.Status.Platform.State)
		}
	}
	queued := e.linkReason("link11", wx.ReasonQuotaExceeded)
	if queued.Status.Admission == nil || queued.Status.Admission.State != wx.AdmissionQueued || queued.Status.Admission.QueuePosition != 1 {
		t.Fatalf("link11 admission = %+v, want Queued at position 1", queued.Status.Admission)
	}
	if !strings.Contains(queued.Status.Admission.Message, "10/10 same-subject") {
		t.Errorf("the queue message should give the numbers: %q", queued.Status.Admission.Message)
	}
	if got := e.onPlatform("news", "mp11"); got != 0 {
		t.Fatalf("a queued link must not reach the platform; the simulator has status %d", got)
	}
	e.waitEvent("link11", wx.EventQueued)

	oa := &wx.OfficialAccount{}
	e.waitFor("OfficialAccount quota 10/10 with 1 queued", func() (bool, string) {
		e.get("news", oa)
		q := oa.Status.Quota
		return q.SameSubject == "10/10" && q.OtherSubject == "0/3" && q.ThisMonth == "10/13" && q.Queued == 1, fmt.Sprintf("%+v", q)
	})

	// Deleting an admitted link (deletionPolicy Delete) unlinks it and admits the queued one, untouched.
	if err := k8s.Delete(context.Background(), &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "link03"}}); err != nil {
		t.Fatal(err)
	}
	e.linkReason("link11", wx.ReasonAvailable)
	if got := e.onPlatform("news", "mp03"); got != 0 {
		t.Errorf("deleting link03 should unlink it on the platform; the simulator has status %d", got)
	}
	if got := e.onPlatform("news", "mp11"); got != int(platform.LinkLinked) {
		t.Errorf("link11 should be linked on the platform; the simulator has status %d", got)
	}
	e.waitEvent("link11", wx.EventAdmitted)
}

func TestOtherSubjectQuota3ThenConfirmRejectAndTheQueueMoves(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	for _, n := range []string{"video", "live", "events", "podcast"} {
		e.miniProgram(n, companyB, sim.Verified)
	}
	e.link("a-video", "news", "video")
	e.link("b-live", "news", "live")
	e.link("c-events", "news", "events")
	e.link("d-podcast", "news", "podcast")

	// A different subject waits for both admins: the Official Account's first (status 12).
	for _, n := range []string{"a-video", "b-live", "c-events"} {
		l := e.linkReason(n, wx.ReasonAwaitingOfficialAccountAdmin)
		if l.Status.SubjectRelation != wx.SubjectRelationOther {
			t.Errorf("%s: subject relation %s, want Other", n, l.Status.SubjectRelation)
		}
		if c := l.Status.Conditions; !strings.Contains(readyMessage(c), "mp.weixin.qq.com") {
			t.Errorf("%s: the message should say where to act: %q", n, readyMessage(c))
		}
	}
	e.linkReason("d-podcast", wx.ReasonQuotaExceeded)

	// The Official Account's admin agrees (12 -> 2), then the Mini Program's admin (2 -> 1).
	if _, err := e.sim.Advance(e.appID("news"), e.appID("video")); err != nil {
		t.Fatal(err)
	}
	e.linkReason("a-video", wx.ReasonAwaitingMiniProgramAdmin)
	if err := e.sim.Confirm(e.appID("news"), e.appID("video")); err != nil {
		t.Fatal(err)
	}
	e.linkReason("a-video", wx.ReasonAvailable)
	e.waitEvent("a-video", wx.EventLinked)

	// A rejection is terminal for that link, and frees its slot: the queued link is admitted.
	if err := e.sim.Reject(e.appID("news"), e.appID("live")); err != nil {
		t.Fatal(err)
	}
	e.linkReason("b-live", wx.ReasonRejected)
	e.waitEvent("b-live", wx.EventRejected)
	e.linkReason("d-podcast", wx.ReasonAwaitingOfficialAccountAdmin)
	if got := e.onPlatform("news", "live"); got != int(platform.LinkRejected) {
		t.Errorf("wxlink must not ask again after a rejection; the simulator has status %d", got)
	}
}

func readyMessage(cs []metav1.Condition) string {
	for _, c := range cs {
		if c.Type == wx.ConditionReady {
			return c.Message
		}
	}
	return ""
}

func TestConsoleLinksTakeSlotsAndAreAdoptedNotDuplicated(t *testing.T) {
	// A long poll interval keeps the Official Account's shared read of its links (made when it turned Ready)
	// cached while the console links below are made: wxlink must read again before it acts.
	e := newEnvWith(t, 10*time.Minute, sim.Options{})
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	e.waitReason("news", oa, wx.ReasonAvailable)
	for i := 1; i <= 11; i++ {
		e.miniProgram(fmt.Sprintf("mp%02d", i), companyA, sim.Verified)
	}
	// Two links made by hand in the console: mp01 (which the cluster will also declare) and mp02 (which it won't).
	for _, mp := range []string{"mp01", "mp02"} {
		if err := e.sim.ConsoleLink(e.appID("news"), e.appID(mp)); err != nil {
			t.Fatal(err)
		}
	}
	// A person takes more than a moment: the read before the console links is older than wxlink acts on
	// (within that moment, the platform would answer "already linked", and the link would be adopted anyway).
	clock.Set(clock.Now().Add(5 * time.Second))
	t.Cleanup(func() { clock.Set(time.Now()) })
	e.link("link01", "news", "mp01")
	for i := 3; i <= 11; i++ {
		e.link(fmt.Sprintf("link%02d", i), "news", fmt.Sprintf("mp%02d", i))
	}
	l := e.linkReason("link01", wx.ReasonAvailable)
	if l.Status.Platform.RequestedTime != nil {
		t.Errorf("link01 existed on the platform: it must be adopted, not requested")
	}
	e.waitEvent("link01", wx.EventAdopted)
	// mp01 and mp02 hold 2 of the 10 same-subject slots: link03..link10 fit (8), link11 waits.
	for i := 3; i <= 10; i++ {
		e.linkReason(fmt.Sprintf("link%02d", i), wx.ReasonAvailable)
	}
	e.linkReason("link11", wx.ReasonQuotaExceeded)
	if n := e.sim.Calls()[wxamplink]; n != 8 {
		t.Errorf("wxamplink was called %d times, want 8 (adoption makes no call, a queued link makes none)", n)
	}
}

func TestLinkChangesReuseTheirAccountsDescriptions(t *testing.T) {
	// Every change of a link's state reconciles both its accounts (their quota and linked-by counts). With a
	// 10 min poll, the descriptions read when the accounts turned Ready are fresh for the whole test: linking
	// must not describe the accounts again, however many links change.
	e := newEnvWith(t, 10*time.Minute, sim.Options{})
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	mps := []string{"mall", "member", "video"}
	for _, mp := range mps {
		e.waitReason(mp, e.miniProgram(mp, companyA, sim.Verified), wx.ReasonAvailable)
	}
	e.waitReason("news", oa, wx.ReasonAvailable)
	described := e.sim.Calls()[getaccountbasicinfo]
	for _, mp := range mps {
		e.link("news-"+mp, "news", mp)
	}
	for _, mp := range mps {
		e.linkReason("news-"+mp, wx.ReasonAvailable)
		e.waitFor("the linked-by count of "+mp, func() (bool, string) {
			m := &wx.MiniProgram{}
			e.get(mp, m)
			return m.Status.LinkedBy == "1/500", m.Status.LinkedBy
		})
	}
	e.waitFor("the quota of news", func() (bool, string) {
		e.get("news", oa)
		return oa.Status.Quota.SameSubject == "3/10", oa.Status.Quota.SameSubject
	})
	if n := e.sim.Calls()[getaccountbasicinfo] - described; n != 0 {
		t.Errorf("linking 3 Mini Programs described their accounts %d more times, want 0", n)
	}
}

func TestMonthlyLimitQueuesUntilTheWeChatMonthTurns(t *testing.T) {
	// Start at 2026-11-30 15:00 UTC: 23:00 in Beijing, an hour before WeChat's December.
	clock.Set(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC))
	t.Cleanup(func() { clock.Set(time.Now()) })
	e := newEnv(t)
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	e.miniProgram("member", companyA, sim.Verified)
	// 12 new links were made earlier this month (the counter earlier versions kept in status says so).
	e.waitReason("news", oa, wx.ReasonAvailable)
	oa.Status.MonthlyLinks = &wx.MonthlyCount{Month: rules.MonthOf(clock.Now()), Count: 12}
	if err := k8s.Status().Update(context.Background(), oa); err != nil {
		t.Fatal(err)
	}
	e.link("a-mall", "news", "mall")
	e.link("b-member", "news", "member")
	e.linkReason("a-mall", wx.ReasonAvailable)
	queued := e.linkReason("b-member", wx.ReasonMonthlyLimitReached)
	if !strings.Contains(queued.Status.Admission.Message, "2026-12-01 00:00 Beijing time") {
		t.Errorf("the message should name the reset instant: %q", queued.Status.Admission.Message)
	}
	e.waitFor("the month's use to show 13/13", func() (bool, string) {
		e.get("news", oa)
		return oa.Status.Quota.ThisMonth == "13/13", oa.Status.Quota.ThisMonth
	})

	// 16:00 UTC is midnight in Beijing: a new WeChat month, and the queued link goes through untouched.
	clock.Set(time.Date(2026, 11, 30, 16, 0, 30, 0, time.UTC))
	member := e.linkReason("b-member", wx.ReasonAvailable)
	if c := member.Status.MonthlyRequests; c == nil || c.Month != "2026-12" || c.Count != 1 {
		t.Errorf("the link's record of the month = %+v, want 2026-12 with 1", c)
	}
	e.waitFor("December's use to show 1/13", func() (bool, string) {
		e.get("news", oa)
		return oa.Status.Quota.ThisMonth == "1/13", oa.Status.Quota.ThisMonth
	})
}

func TestMonthlyCounterSurvivesAManagerRestartAndDeletedLinks(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("brand", companyA)
	for _, n := range []string{"mall", "member", "coupons"} {
		e.miniProgram(n, companyA, sim.Verified)
	}
	e.link("a", "brand", "mall")
	e.link("b", "brand", "member")
	e.linkReason("a", wx.ReasonAvailable)
	e.linkReason("b", wx.ReasonAvailable)
	if err := k8s.Delete(context.Background(), &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("link a to be gone", func() (bool, string) {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "a"}, &wx.AssociationLink{})
		return err != nil, fmt.Sprint(err)
	})

	e.restart()

	e.link("c", "brand", "coupons")
	e.linkReason("c", wx.ReasonAvailable)
	oa := &wx.OfficialAccount{}
	e.waitFor("the month's count to include the deleted link", func() (bool, string) {
		e.get("brand", oa)
		return oa.Status.Quota.ThisMonth == "3/13", oa.Status.Quota.ThisMonth
	})
	if l := oa.Status.MonthlyLedger; len(l) != 1 || l[0].Link != "a" || l[0].Count != 1 {
		t.Errorf("the Official Account's ledger = %+v, want the deleted link a with 1", l)
	}
	if ops := e.sim.MonthlyOperations(e.appID("brand")); ops != 3 {
		t.Errorf("the simulator counted %d operations this month; wxlink's counter says 3", ops)
	}
}

func TestMiniProgramLinkedBy500IsRefusedByThePlatformAndReported(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	// 500 other Official Accounts, outside this cluster, already link the Mini Program (made in their consoles).
	for i := range 500 {
		other := e.appID(fmt.Sprintf("other-%03d", i))
		if err := e.sim.Seed(sim.Account{AppID: other, Secret: "s", Type: sim.OfficialAccount,
			Subject: sim.Subject{Name: companyA.Name, Type: sim.SubjectType(companyA.Type)}}); err != nil {
			t.Fatal(err)
		}
		if err := e.sim.ConsoleLink(other, e.appID("mall")); err != nil {
			t.Fatal(err)
		}
	}
	e.link("news-mall", "news", "mall")
	l := e.linkReason("news-mall", platform.ReasonPlatformLinkedByLimitReached)
	if msg := readyMessage(l.Status.Conditions); !strings.Contains(msg, "89009") {
		t.Errorf("the message should carry the platform's errcode: %q", msg)
	}
	e.waitEvent("news-mall", wx.EventRuleViolation)
	// Terminal: no retry storm. wxlink asks again at most once per poll interval (2s in these tests), because a
	// slot held by accounts outside the cluster can free without anything in the cluster changing.
	first := l.Status.Platform.RequestedTime.Time
	calls := e.sim.Calls()[wxamplink]
	var next time.Time
	e.waitFor("the next request", func() (bool, string) {
		e.get("news-mall", l)
		next = l.Status.Platform.RequestedTime.Time
		return next.After(first), next.String()
	})
	if gap := next.Sub(first); gap < 2*time.Second-100*time.Millisecond {
		t.Errorf("a terminal refusal was asked again after %s, sooner than the poll interval", gap)
	}
	if again := e.sim.Calls()[wxamplink]; again > calls+1 {
		t.Errorf("wxamplink calls went from %d to %d between two recorded requests", calls, again)
	}
	if l.Status.Platform.State != wx.LinkStateRefused {
		t.Errorf("platform state = %s, want Refused", l.Status.Platform.State)
	}
}

// A link whose two ends declare one AppID is refused before any platform call, and its reconcile never
// waits for itself (the Official Account's and the Mini Program's locks are separate key spaces).
func TestLinkToItselfIsARuleViolation(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	mp := &wx.MiniProgram{ObjectMeta: metav1.ObjectMeta{Name: "news-as-mp"}, Spec: wx.MiniProgramSpec{
		AppID: oa.Spec.AppID, AccountSpec: accountSpec("news", companyA)}}
	e.create(mp)
	e.waitReason("news", oa, wx.ReasonAvailable)
	e.waitReason("news-as-mp", mp, wx.ReasonAvailable)
	before := e.sim.Calls()[wxamplink]
	// Named to sort first among links created in the same second, so that, counted, it would take a slot.
	link := e.link("a-self", "news", "news-as-mp")
	e.waitReason("a-self", link, wx.ReasonRuleViolation)
	e.waitEvent("a-self", wx.EventRuleViolation)
	// The refused link takes no slot, and nothing holds the account's lock: all ten same-subject slots go to
	// the account's other links, created after it.
	var links []*wx.AssociationLink
	for i := range 10 {
		name := fmt.Sprintf("mall%02d", i)
		e.miniProgram(name, companyA, sim.Verified)
		links = append(links, e.link("news-"+name, "news", name))
	}
	for _, l := range links {
		e.waitReason(l.Name, l, wx.ReasonAvailable)
	}
	if n := e.sim.Calls()[wxamplink] - before; n != 10 {
		t.Errorf("wxamplink calls = %d, want 10 (the ten mall links only)", n)
	}
	e.get("a-self", link)
	if link.Status.Admission != nil {
		t.Errorf("the refused link reports an admission: %+v", link.Status.Admission)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

func (e *env) deleteLink(name string) {
	e.t.Helper()
	if err := k8s.Delete(context.Background(), &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: name}}); err != nil {
		e.t.Fatal(err)
	}
	e.waitFor("link "+name+" to be gone", func() (bool, string) {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: name}, &wx.AssociationLink{})
		return err != nil, fmt.Sprint(err)
	})
}

func (e *env) patch(obj client.Object, mutate func()) {
	e.t.Helper()
	orig := obj.DeepCopyObject().(client.Object)
	mutate()
	if err := k8s.Patch(context.Background(), obj, client.MergeFrom(orig)); err != nil {
		e.t.Fatal(err)
	}
}

func TestOrphanLeavesThePlatformLinkAndDeleteUnlinks(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	e.miniProgram("member", companyA, sim.Verified)
	e.link("orphan", "news", "mall", func(l *wx.AssociationLink) { l.Spec.DeletionPolicy = wx.DeletionPolicyOrphan })
	e.link("delete", "news", "member")
	e.linkReason("orphan", wx.ReasonAvailable)
	e.linkReason("delete", wx.ReasonAvailable)

	e.deleteLink("orphan")
	e.deleteLink("delete")
	if got := e.onPlatform("news", "mall"); got != int(platform.LinkLinked) {
		t.Errorf("deletionPolicy Orphan must leave the platform link; the simulator has status %d", got)
	}
	if got := e.onPlatform("news", "member"); got != 0 {
		t.Errorf("deletionPolicy Delete must unlink; the simulator has status %d", got)
	}
	if n := e.sim.Calls()["/cgi-bin/wxopen/wxampunlink"]; n != 1 {
		t.Errorf("wxampunlink called %d times, want exactly 1", n)
	}
}

func TestObserveOnlyNeverWritesAndReportsDrift(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	e.miniProgram("member", companyA, sim.Verified)
	observe := func(l *wx.AssociationLink) { l.Spec.ManagementPolicy = wx.ManagementPolicyObserveOnly }
	if err := e.sim.ConsoleLink(e.appID("news"), e.appID("mall")); err != nil {
		t.Fatal(err)
	}
	e.link("adopted", "news", "mall", observe)
	e.link("absent", "news", "member", observe)
	e.linkReason("adopted", wx.ReasonAvailable)
	absent := e.linkReason("absent", wx.ReasonObserveOnly)
	if !strings.Contains(readyMessage(absent.Status.Conditions), "never creates") {
		t.Errorf("message: %q", readyMessage(absent.Status.Conditions))
	}

	// Removed by hand in the console: reported, not restored.
	if err := e.sim.RemoveLink(e.appID("news"), e.appID("mall")); err != nil {
		t.Fatal(err)
	}
	l := e.linkReason("adopted", wx.ReasonObserveOnly)
	if !strings.Contains(readyMessage(l.Status.Conditions), "removed on the platform") {
		t.Errorf("message: %q", readyMessage(l.Status.Conditions))
	}
	e.waitEvent("adopted", wx.EventDriftDetected)
	e.deleteLink("absent")
	if n := e.sim.Calls()[wxamplink] + e.sim.Calls()["/cgi-bin/wxopen/wxampunlink"]; n != 0 {
		t.Errorf("ObserveOnly made %d writes to the platform", n)
	}
}

func TestDriftIsRepairedUnderFullManagement(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	e.link("news-mall", "news", "mall")
	e.linkReason("news-mall", wx.ReasonAvailable)
	if err := e.sim.RemoveLink(e.appID("news"), e.appID("mall")); err != nil {
		t.Fatal(err)
	}
	e.waitEvent("news-mall", wx.EventDriftDetected)
	e.waitFor("the link to be restored on the platform", func() (bool, string) {
		return e.onPlatform("news", "mall") == int(platform.LinkLinked), fmt.Sprint(e.onPlatform("news", "mall"))
	})
	e.linkReason("news-mall", wx.ReasonAvailable)
}

func TestPauseStopsAllPlatformCallsUntilRemoved(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	l := e.link("news-mall", "news", "mall", func(l *wx.AssociationLink) {
		l.Annotations = map[string]string{wx.PauseAnnotation: "true"}
	})
	e.linkReason("news-mall", wx.ReasonPaused)
	if got := e.onPlatform("news", "mall"); got != 0 {
		t.Fatalf("a paused link reached the platform (status %d)", got)
	}
	e.patch(l, func() { delete(l.Annotations, wx.PauseAnnotation) })
	e.linkReason("news-mall", wx.ReasonAvailable)
}

func TestMissingReferenceWaitsThenProceeds(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.link("news-mall", "news", "mall")
	l := e.linkReason("news-mall", wx.ReasonDependencyNotFound)
	if msg := readyMessage(l.Status.Conditions); !strings.Contains(msg, "MiniProgram") || !strings.Contains(msg, "mall") {
		t.Errorf("the message should name the missing reference: %q", msg)
	}
	e.miniProgram("mall", companyA, sim.Verified)
	e.linkReason("news-mall", wx.ReasonAvailable)
}

func TestSubjectMismatchIsReportedAndBlocksLinks(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	appID := e.account("imposter", sim.OfficialAccount, companyB, sim.Verified)
	oa := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: "imposter"}, Spec: wx.OfficialAccountSpec{
		AppID: wx.AppID(appID), AccountSpec: accountSpec("imposter", companyA)}}
	e.create(oa)
	e.waitReason("imposter", oa, wx.ReasonSubjectMismatch)
	if msg := readyMessage(oa.Status.Conditions); !strings.Contains(msg, companyB.Name) {
		t.Errorf("the message should say what the platform reports: %q", msg)
	}
	e.waitEvent("imposter", wx.EventRuleViolation)
	e.miniProgram("mall", companyA, sim.Verified)
	e.link("imposter-mall", "imposter", "mall")
	e.linkReason("imposter-mall", wx.ReasonDependencyNotReady)
	if got := e.onPlatform("imposter", "mall"); got != 0 {
		t.Errorf("a link whose owner is not Ready reached the platform (status %d)", got)
	}
}

func TestMerchantBindingNeedsAVerifiedMiniProgramThenObservesPayment(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Unverified)
	mb := &wx.MerchantBinding{ObjectMeta: metav1.ObjectMeta{Name: "pay"}, Spec: wx.MerchantBindingSpec{
		MerchantID: "1230000109", Target: wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mall"}}}
	e.create(mb)
	e.waitReason("pay", mb, "AccountNotVerified")
	if mb.Status.State != wx.MerchantBindingPrerequisitesMissing {
		t.Errorf("state = %s", mb.Status.State)
	}
	e.waitEvent("pay", wx.EventRuleViolation)

	// The Mini Program gets verified: now only people can act, and the message says who and where.
	if err := e.sim.SetVerification(e.appID("mall"), sim.Verified); err != nil {
		t.Fatal(err)
	}
	e.waitReason("pay", mb, wx.ReasonActionRequired)
	for _, want := range []string{"pay.weixin.qq.com", "1230000109", e.appID("mall"), "within 7 days"} {
		if !strings.Contains(readyMessage(mb.Status.Conditions), want) {
			t.Errorf("the message should contain %q: %q", want, readyMessage(mb.Status.Conditions))
		}
	}
	// The people act; the own-secret route sees WeChat Pay through a linked Official Account's wxamplinkget.
	e.link("news-mall", "news", "mall")
	e.linkReason("news-mall", wx.ReasonAvailable)
	if err := e.sim.BindMerchant(e.appID("mall"), "1230000109"); err != nil {
		t.Fatal(err)
	}
	e.waitReason("pay", mb, wx.ReasonAvailable)
	if mb.Status.State != wx.MerchantBindingBound || mb.Status.BoundTime == nil {
		t.Errorf("status = %+v", mb.Status)
	}
}

func TestTestersFollowTheSpecWithinTheLimit(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	mp := e.miniProgram("mall", companyA, sim.Verified)
	e.waitReason("mall", mp, wx.ReasonAvailable)
	e.patch(mp, func() {
		mp.Spec.Members = &wx.MiniProgramMembers{Testers: []wx.WeChatID{"lihua-dev", "zhangwei_qa", "chen-tester"}}
	})
	e.waitFor("3 testers bound", func() (bool, string) {
		e.get("mall", mp)
		r, _ := readyOf(mp)
		return r == wx.ReasonAvailable && mp.Status.Members.Testers == "3/40" && len(e.sim.Testers(e.appID("mall"))) == 3,
			fmt.Sprintf("%s %+v", r, mp.Status.Members)
	})
	e.patch(mp, func() { mp.Spec.Members.Testers = []wx.WeChatID{"lihua-dev"} })
	e.waitFor("2 testers unbound", func() (bool, string) {
		e.get("mall", mp)
		return mp.Status.Members.Testers == "1/40" && len(e.sim.Testers(e.appID("mall"))) == 1, fmt.Sprintf("%+v", mp.Status.Members)
	})
	e.waitEvent("mall", wx.EventTesterUnbound)

	// An Individual's Mini Program allows 10 testers: 11 is refused before any call, with the reason.
	appID := e.account("solo", sim.MiniProgram, wx.Subject{Name: "张伟", Type: wx.SubjectIndividual}, sim.Unverified)
	solo := &wx.MiniProgram{ObjectMeta: metav1.ObjectMeta{Name: "solo"}, Spec: wx.MiniProgramSpec{AppID: wx.AppID(appID),
		AccountSpec: accountSpec("solo", wx.Subject{Name: "张伟", Type: wx.SubjectIndividual})}}
	solo.Spec.Members = &wx.MiniProgramMembers{}
	for i := range 11 {
		solo.Spec.Members.Testers = append(solo.Spec.Members.Testers, wx.WeChatID(fmt.Sprintf("tester%02d", i)))
	}
	e.create(solo)
	e.waitReason("solo", solo, "TooManyTesters")
	if n := len(e.sim.Testers(appID)); n != 0 {
		t.Errorf("a rule violation must not reach the platform; %d testers bound", n)
	}
}

func TestOpenPlatformAccountIsCreatedAndBindsSameSubjectAccounts(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	e.officialAccount("news", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	e.miniProgram("media", companyB, sim.Verified)
	op := &wx.OpenPlatformAccount{ObjectMeta: metav1.ObjectMeta{Name: "unionid"}, Spec: wx.OpenPlatformAccountSpec{
		PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"},
		Accounts: []wx.OpenPlatformMember{{Kind: wx.KindOfficialAccount, Name: "news"}, {Kind: wx.KindMiniProgram, Name: "mall"},
			{Kind: wx.KindMiniProgram, Name: "media"}}}}
	e.create(op)
	e.waitReason("unionid", op, "SubjectMismatch")
	if op.Status.OpenAppID == "" || op.Status.Bound != "2/5" {
		t.Fatalf("status = %+v", op.Status)
	}
	for _, a := range op.Status.Accounts {
		if want := a.Name != "media"; a.Bound != want {
			t.Errorf("%s bound = %v, want %v (%s)", a.Name, a.Bound, want, a.Message)
		}
	}
	// Dropping the other-subject account makes it Ready.
	e.patch(op, func() { op.Spec.Accounts = op.Spec.Accounts[:2] })
	e.waitReason("unionid", op, wx.ReasonAvailable)
}

func TestTokenPublicationReachesOnlyItsOwnSecret(t *testing.T) {
	// A 10 min poll: only the watch on the published Secret can bring it back at once when it is deleted.
	e := newEnvWith(t, 10*time.Minute, sim.Options{})
	e.platformConfig()
	e.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "other"}})
	appID := e.account("news", sim.OfficialAccount, companyA, sim.Verified)
	publish := func(name, pc, creds, secret string) *wx.OfficialAccount {
		oa := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.OfficialAccountSpec{
			AppID: wx.AppID(appID), AccountSpec: accountSpec(creds, companyA),
			TokenPublication: &wx.TokenPublication{SecretName: secret}}}
		oa.Spec.PlatformConfigRef.Name = pc
		e.create(oa)
		return oa
	}
	// A user's own Secret that happens to have the name a copycat asks for must never be overwritten.
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mine"}, StringData: map[string]string{"keep": "me"}})
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "copycat-credentials", Labels: optedIn},
		StringData: map[string]string{"appSecret": "a-guess"}})
	news := publish("news", "wechat", "news", "news-token")
	publish("copycat", "other", "copycat", "copycat-token")
	clobber := publish("clobber", "wechat", "news", "mine")
	e.waitReason("news", news, wx.ReasonAvailable)
	e.waitReason("clobber", clobber, wx.ReasonTokenPublicationFailed)

	s := &corev1.Secret{}
	e.waitFor("the published token", func() (bool, string) {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "news-token"}, s)
		return err == nil && len(s.Data[controllers.PublishedTokenKey]) > 0, fmt.Sprint(err)
	})
	if s.Labels[controllers.ManagedByLabel] != controllers.ManagedByValue || len(s.OwnerReferences) != 1 {
		t.Errorf("the published Secret should be labelled and owned by its OfficialAccount: %+v", s.ObjectMeta)
	}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "copycat-token"}, &corev1.Secret{}); err == nil {
		t.Error("a token fetched through PlatformConfig wechat was published for an account that uses PlatformConfig other")
	}
	mine := &corev1.Secret{}
	e.get("mine", mine)
	if len(mine.Data) != 1 || string(mine.Data["keep"]) != "me" {
		t.Errorf("a Secret wxlink did not create was overwritten: %v", mine.Data)
	}

	// Another account naming the same Secret is refused; the Secret keeps its owner's token.
	token := string(s.Data[controllers.PublishedTokenKey])
	rivalID := e.account("rival", sim.OfficialAccount, companyA, sim.Verified)
	rival := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: "rival"}, Spec: wx.OfficialAccountSpec{
		AppID: wx.AppID(rivalID), AccountSpec: accountSpec("rival", companyA),
		TokenPublication: &wx.TokenPublication{SecretName: "news-token"}}}
	e.create(rival)
	e.waitReason("rival", rival, wx.ReasonTokenPublicationFailed)
	e.get("news-token", s)
	if string(s.Data[controllers.PublishedTokenKey]) != token || len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Name != "news" {
		t.Errorf("another account's publication reached news-token: owners %v, same token %v", s.OwnerReferences,
			string(s.Data[controllers.PublishedTokenKey]) == token)
	}

	// A published Secret deleted by someone is written again, with the same (still valid) token.
	if err := k8s.Delete(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the published token written again", func() (bool, string) {
		again := &corev1.Secret{}
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "news-token"}, again)
		return err == nil && again.UID != s.UID && string(again.Data[controllers.PublishedTokenKey]) == token, fmt.Sprint(err, again.UID, s.UID, again.OwnerReferences, string(again.Data[controllers.PublishedTokenKey]) == token)
	})
}

func TestPublishedTokenIsReplacedBeforeItExpires(t *testing.T) {
	t.Run("healthy", func(t *testing.T) { publishedTokenIsReplaced(t, false) })
	// A link list that keeps failing makes the account's observation fail; the token is published anyway.
	t.Run("observation failing", func(t *testing.T) { publishedTokenIsReplaced(t, true) })
}

func publishedTokenIsReplaced(t *testing.T, failList bool) {
	// 20 s tokens: the broker replaces one when less than a tenth of its life (2 s) remains, and the
	// simulator's stable_token issues a new one in its last 10 s. The 10 min poll interval means only the
	// published refresh instant can bring the reconcile that replaces it.
	const ttl = 20 * time.Second
	e := newEnvWith(t, 10*time.Minute, sim.Options{TokenTTL: ttl, StableRenewBefore: 10 * time.Second})
	if failList {
		if _, err := e.sim.InjectFault(sim.Fault{Path: "/cgi-bin/wxopen/wxamplinkget", ErrCode: 48001, ErrMsg: "api unauthorized"}); err != nil {
			t.Fatal(err)
		}
	}
	e.platformConfig()
	appID := e.account("news", sim.OfficialAccount, companyA, sim.Verified)
	e.create(&wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: "news"}, Spec: wx.OfficialAccountSpec{
		AppID: wx.AppID(appID), AccountSpec: accountSpec("news", companyA),
		TokenPublication: &wx.TokenPublication{SecretName: "news-token"}}})

	read := func() (string, time.Time, time.Time, error) {
		s := &corev1.Secret{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "news-token"}, s); err != nil {
			return "", time.Time{}, time.Time{}, err
		}
		exp, err := time.Parse(time.RFC3339, string(s.Data[controllers.PublishedExpiresAtKey]))
		if err != nil {
			return "", time.Time{}, time.Time{}, err
		}
		ref, err := time.Parse(time.RFC3339, string(s.Data[controllers.PublishedRefreshAtKey]))
		return string(s.Data[controllers.PublishedTokenKey]), exp, ref, err
	}
	var first string
	var firstExp, firstRef time.Time
	e.waitFor("the first published token", func() (bool, string) {
		var err error
		first, firstExp, firstRef, err = read()
		return err == nil && first != "", fmt.Sprint(err)
	})
	if lead := firstExp.Sub(firstRef); lead < ttl/10-time.Second || lead > ttl/10+time.Second {
		t.Errorf("refreshAt is %s before expiresAt, want about a tenth of the %s TTL", lead, ttl)
	}
	var secondExp time.Time
	e.waitFor("a new published token", func() (bool, string) {
		tok, exp, _, err := read()
		secondExp = exp
		return err == nil && tok != first, fmt.Sprintf("%v, still the first token", err)
	})
	// The new token was issued (its expiry minus the TTL) at or after the refresh instant, and before the
	// first token expired: the user's workloads never read an expired token.
	issued := secondExp.Add(-ttl)
	if issued.Before(firstRef.Add(-time.Second)) || !issued.Before(firstExp) {
		t.Errorf("the new token was issued at %s; the first one was to be replaced at %s and expired at %s",
			issued, firstRef, firstExp)
	}
	if failList {
		oa := &wx.OfficialAccount{}
		e.get("news", oa)
		if c := meta.FindStatusCondition(oa.Status.Conditions, wx.ConditionSynced); c == nil || c.Status != metav1.ConditionFalse ||
			!strings.Contains(c.Message, "48001") {
			t.Errorf("the failing observation should show in Synced: %+v", c)
		}
	}
}

// Accounts deleted together with the PlatformConfig and the Secret they share (a GitOps prune) must not
// each leave the in-use finalizers to the other: everything goes.
func TestAccountsDeletedTogetherReleaseWhatTheyShare(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	shared := map[string]string{}
	var oas []*wx.OfficialAccount
	for _, name := range []string{"news", "shop", "video", "music"} {
		appID := e.account(name, sim.OfficialAccount, companyA, sim.Verified)
		shared[name] = "secret-" + appID
		spec := accountSpec(name, companyA)
		spec.Credentials = &wx.AccountCredentials{SecretName: "shared-credentials", AppSecretKey: name}
		oas = append(oas, &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: wx.OfficialAccountSpec{AppID: wx.AppID(appID), AccountSpec: spec}})
	}
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "shared-credentials", Labels: optedIn}, StringData: shared})
	for _, oa := range oas {
		e.create(oa)
	}
	for _, oa := range oas {
		e.waitReason(oa.Name, oa, wx.ReasonAvailable)
	}
	pc, secret := &wx.PlatformConfig{}, &corev1.Secret{}
	e.get("wechat", pc)
	e.get("shared-credentials", secret)
	if !controllerutil.ContainsFinalizer(pc, wx.InUseFinalizer) || !controllerutil.ContainsFinalizer(secret, wx.InUseFinalizer) {
		t.Fatalf("the shared PlatformConfig and Secret should be held while in use: %v, %v", pc.Finalizers, secret.Finalizers)
	}

	for _, obj := range []client.Object{pc, secret, oas[0], oas[1], oas[2], oas[3]} {
		if err := k8s.Delete(context.Background(), obj); err != nil {
			t.Fatal(err)
		}
	}
	e.waitFor("the accounts, their PlatformConfig and their Secret to be gone", func() (bool, string) {
		var left []string
		for _, obj := range []client.Object{&wx.PlatformConfig{}, &corev1.Secret{}} {
			key := client.ObjectKeyFromObject(pc)
			if _, isSecret := obj.(*corev1.Secret); isSecret {
				key = client.ObjectKeyFromObject(secret)
			}
			if err := k8s.Get(context.Background(), key, obj); err == nil {
				left = append(left, fmt.Sprintf("%s %v", key.Name, obj.GetFinalizers()))
			}
		}
		for _, oa := range oas {
			if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(oa), &wx.OfficialAccount{}); err == nil {
				left = append(left, oa.Name)
			}
		}
		return len(left) == 0, strings.Join(left, ", ")
	})
}

// A PlatformConfig or Secret left holding the in-use finalizer with no account to release it (as after a
// manager restart during a mass deletion) is released when it is deleted.
func TestLeftoverInUseFinalizersAreSweptOnDelete(t *testing.T) {
	e := newEnv(t)
	pc := &wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "leftover", Finalizers: []string{wx.InUseFinalizer}}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "leftover-credentials", Finalizers: []string{wx.InUseFinalizer}},
		StringData: map[string]string{"appSecret": "unused"}}
	e.create(pc)
	e.create(secret)
	for _, obj := range []client.Object{pc, secret} {
		if err := k8s.Delete(context.Background(), obj); err != nil {
			t.Fatal(err)
		}
	}
	e.waitFor("the leftover PlatformConfig and Secret to be gone", func() (bool, string) {
		var left []string
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(pc), &wx.PlatformConfig{}); err == nil {
			left = append(left, pc.Name)
		}
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(secret), &corev1.Secret{}); err == nil {
			left = append(left, secret.Name)
		}
		return len(left) == 0, strings.Join(left, ", ")
	})
}

// A credentials Secret that changes is used at once, not at the next poll, and a description read with the
// old credentials does not answer for the new ones.
func TestChangedCredentialsAreUsedAtOnce(t *testing.T) {
	e := newEnvWith(t, 10*time.Minute, sim.Options{})
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	e.waitReason("news", oa, wx.ReasonAvailable)
	s := &corev1.Secret{}
	e.get("news-credentials", s)
	s.Data["appSecret"] = []byte("a-wrong-secret")
	if err := k8s.Update(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	e.waitReason("news", oa, platform.ReasonInvalidCredentials)
	if strings.Contains(fmt.Sprint(oa.Status.Conditions), "a-wrong-secret") {
		t.Error("the wrong secret appears in a condition")
	}
}

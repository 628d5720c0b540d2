// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// store declares a WeChat Store seeded in the simulator.
func (e *env) store(name string, subj wx.Subject) *wx.WeChatStore {
	e.t.Helper()
	appID := e.account(name, sim.Store, subj, sim.Verified)
	st := &wx.WeChatStore{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.WeChatStoreSpec{
		AppID: wx.AppID(appID), AccountSpec: accountSpec(name, subj)}}
	e.create(st)
	return st
}

// storeLink declares a partner link of the store "store".
func (e *env) storeLink(name string, to wx.AccountReference, mutate ...func(*wx.AssociationLink)) {
	e.t.Helper()
	typ := wx.StoreToOfficialAccount
	if to.Kind == wx.KindMiniProgram {
		typ = wx.StoreToMiniProgram
	}
	e.link(name, "", "", append([]func(*wx.AssociationLink){func(l *wx.AssociationLink) {
		l.Spec.Type, l.Spec.From, l.Spec.To = typ, wx.AccountReference{Kind: wx.KindWeChatStore, Name: "store"}, to
	}}, mutate...)...)
}

// partnerOA declares an Official Account with its original ID in spec.originalID, as on the OwnSecret route
// (which does not report it), the simulator knowing it by the same gh_ id.
func (e *env) partnerOA(name string, subj wx.Subject) string {
	e.t.Helper()
	appID := e.account(name, sim.OfficialAccount, subj, sim.Verified)
	gh := "gh_" + appID[2:14]
	acct, _ := e.sim.Account(appID)
	acct.Username = gh
	if err := e.sim.Seed(acct); err != nil {
		e.t.Fatal(err)
	}
	e.create(&wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: wx.OfficialAccountSpec{
		AppID: wx.AppID(appID), AccountSpec: accountSpec(name, subj), OriginalID: gh}})
	return gh
}

func (e *env) cooperation(store *wx.WeChatStore, sharer string, typ int) sim.Cooperation {
	e.t.Helper()
	co, ok := e.sim.Cooperation(string(store.Spec.AppID), sharer, typ)
	if !ok {
		e.t.Fatalf("the simulator has no partner record of %s", sharer)
	}
	return co
}

// TestStorePartnerInvitedAcceptedUnbound: wxlink invites the Official Account (QR code in status, Stalled
// on its admin), the admin accepts through the simulator's admin action (Ready), and deleting the link
// unbinds the partner.
func TestStorePartnerInvitedAcceptedUnbound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.platformConfig()
	st := e.store("store", companyA)
	e.partnerOA("news", companyA)
	e.storeLink("store-news", wx.AccountReference{Kind: wx.KindOfficialAccount, Name: "news"})

	l := e.linkReason("store-news", wx.ReasonAwaitingOfficialAccountAdmin)
	if c := meta.FindStatusCondition(l.Status.Conditions, wx.ConditionStalled); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("an invitation waiting for the admin should be Stalled: %+v", l.Status.Conditions)
	}
	qr, err := base64.StdEncoding.DecodeString(l.Status.Platform.InvitationQRCode)
	if err != nil || !strings.HasPrefix(string(qr), "wechatsim-invitation:") {
		t.Errorf("status.platform.invitationQRCode = %q (%v)", l.Status.Platform.InvitationQRCode, err)
	}
	gh := l.Status.PartnerID
	if !strings.HasPrefix(gh, "gh_") || *l.Status.Platform.RawStatus != 4 {
		t.Errorf("partnerID %q, raw status %v: want the gh_ id and status 4", gh, l.Status.Platform.RawStatus)
	}
	e.waitEvent("store-news", wx.EventPartnerInvited)

	if err := e.sim.CooperationAction(string(st.Spec.AppID), gh, 2, "accept"); err != nil {
		t.Fatal(err)
	}
	l = e.linkReason("store-news", wx.ReasonAvailable)
	if l.Status.Platform.State != wx.LinkStateLinked || l.Status.Platform.InvitationQRCode != "" || l.Status.Platform.LinkedTime == nil {
		t.Errorf("bound link: %+v", l.Status.Platform)
	}
	// Deleting everything at once (a GitOps prune: the store and its Secret first) still unbinds: the store and
	// its credentials are held until its links are gone.
	ctx := context.Background()
	for _, o := range []client.Object{st, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "store-credentials"}}, l} {
		if err := k8s.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	e.waitFor("the partner to be unbound", func() (bool, string) {
		co := e.cooperation(st, gh, 2)
		return co.Status == sim.CoopUnbound, "status " + string(rune('0'+co.Status))
	})
	e.waitFor("the store and its Secret to be gone", func() (bool, string) {
		err1 := k8s.Get(ctx, client.ObjectKeyFromObject(st), &wx.WeChatStore{})
		err2 := k8s.Get(ctx, client.ObjectKey{Namespace: e.ns, Name: "store-credentials"}, &corev1.Secret{})
		return apierrors.IsNotFound(err1) && apierrors.IsNotFound(err2), fmt.Sprint(err1, err2)
	})
}

// TestStorePartnerRefusedTimedOutAndReinvited: a refusal is terminal for the generation (Degraded), a
// timeout waits (Suspended) until spec.store.reinviteAfterTimeout asks for a new invitation, and deleting a
// link whose invitation waits cancels it.
func TestStorePartnerRefusedTimedOutAndReinvited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.platformConfig()
	st := e.store("store", companyA)
	mp := e.miniProgram("mall", companyB, sim.Verified)
	e.storeLink("store-mall", wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mall"})
	e.linkReason("store-mall", wx.ReasonAwaitingMiniProgramAdmin)
	sharer := string(mp.Spec.AppID)

	must(t, e.sim.CooperationAction(string(st.Spec.AppID), sharer, 3, "refuse"))
	l := e.linkReason("store-mall", wx.ReasonRejected)
	if c := meta.FindStatusCondition(l.Status.Conditions, wx.ConditionStalled); c == nil || c.Reason != wx.ReasonRejected {
		t.Errorf("a refusal should be Stalled: %+v", l.Status.Conditions)
	}
	e.waitEvent("store-mall", wx.EventRejected)

	// A change of spec asks once more.
	patchLink(t, e, "store-mall", func(l *wx.AssociationLink) { l.Spec.Store = &wx.StoreLinkOptions{} })
	e.linkReason("store-mall", wx.ReasonAwaitingMiniProgramAdmin)
	must(t, e.sim.CooperationAction(string(st.Spec.AppID), sharer, 3, "timeout"))
	e.linkReason("store-mall", wx.ReasonInvitationTimedOut)
	if co := e.cooperation(st, sharer, 3); co.Status != sim.CoopTimedOut {
		t.Fatalf("the timeout should stand without reinviteAfterTimeout: %+v", co)
	}
	patchLink(t, e, "store-mall", func(l *wx.AssociationLink) {
		l.Spec.Store = &wx.StoreLinkOptions{ReinviteAfterTimeout: true, SharerType: ptr.To[int32](3)}
	})
	l = e.linkReason("store-mall", wx.ReasonAwaitingMiniProgramAdmin)
	if err := k8s.Delete(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the invitation to be cancelled", func() (bool, string) {
		co := e.cooperation(st, sharer, 3)
		return co.Status == sim.CoopCancelled, "status " + string(rune('0'+co.Status))
	})
}

// TestStorePartnerObserveOnlyAndInvalidID: ObserveOnly never invites; a partner ID the platform refuses is
// Degraded with the platform's reason.
func TestStorePartnerObserveOnlyAndInvalidID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.platformConfig()
	e.store("store", companyA)
	e.miniProgram("mall", companyA, sim.Verified)
	e.storeLink("watch-mall", wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mall"},
		func(l *wx.AssociationLink) { l.Spec.ManagementPolicy = wx.ManagementPolicyObserveOnly })
	e.linkReason("watch-mall", wx.ReasonObserveOnly)
	if n := e.sim.Calls()["/channels/ec/cooperation/invitation/qrcode/generate"]; n != 0 {
		t.Errorf("ObserveOnly invited %d times", n)
	}
	// The platform refuses the partner's ID: Degraded with the platform's reason, and asked again only after a
	// poll interval or a change of spec.
	if _, err := e.sim.InjectFault(sim.Fault{Path: "/channels/ec/cooperation/invitation/qrcode/generate", ErrCode: 803131000, Count: 1}); err != nil {
		t.Fatal(err)
	}
	e.deleteLink("watch-mall") // a second live link to the same partner would be a duplicate
	e.storeLink("store-mall", wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mall"})
	l := e.linkReason("store-mall", "InvalidPartnerAccount")
	if l.Status.Platform.State != wx.LinkStateRefused {
		t.Errorf("refused invitation: %+v", l.Status.Platform)
	}
	if _, pending := l.Annotations[wx.AnnotationRequestPending]; pending {
		t.Errorf("a refused invitation leaves no pending record: %v", l.Annotations)
	}
	// The next poll (2 s) asks again, and the fault has fired.
	e.linkReason("store-mall", wx.ReasonAwaitingMiniProgramAdmin)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func patchLink(t *testing.T, e *env, name string, change func(*wx.AssociationLink)) {
	t.Helper()
	l := &wx.AssociationLink{}
	e.get(name, l)
	change(l)
	if err := k8s.Update(context.Background(), l); err != nil {
		t.Fatal(err)
	}
}

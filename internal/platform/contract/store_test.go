// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package contract_test

import (
	"context"
	"testing"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
)

// TestStorePartners runs a WeChat Store partner invitation through the client against the simulator: no
// record, invite (accepting, with a QR code), a second invite refused as a transition, the partner's admin
// accepting through the simulator's admin action, unbind, invite again and cancel, and an invalid sharer.
func TestStorePartners(t *testing.T) {
	t.Parallel()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		e := newEnv(t, route)
		acme := sim.Subject{Name: "ACME Trading Co., Ltd.", Type: sim.Enterprise}
		oa := officialAccount("wxoastorepartner", acme)
		oa.Username = "gh_5107e0a1b2c3"
		store := sim.Account{AppID: "wxstorepartner01", Type: sim.Store, Subject: acme, Verification: sim.Verified}
		accts := e.seed(store, oa)
		st, ctx := accts[0], context.Background()
		sharer := platform.StoreSharer{ID: oa.Username, Type: 2}

		if _, found, err := e.p.GetStorePartner(ctx, st, sharer); err != nil || found {
			t.Fatalf("GetStorePartner before any invitation = found %v, %v; want not found", found, err)
		}
		qr, err := e.p.InviteStorePartner(ctx, st, sharer)
		if err != nil || qr == "" {
			t.Fatalf("InviteStorePartner = %q, %v", qr, err)
		}
		wantPartner(t, e.p, st, sharer, platform.PartnerAccepting)
		_, err = e.p.InviteStorePartner(ctx, st, sharer)
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonBadRequest, platform.CodeInvalidTransition)
		if err := e.p.UnbindStorePartner(ctx, st, sharer); !platform.HasCode(err, platform.CodeInvalidTransition) {
			t.Errorf("UnbindStorePartner while accepting = %v, want 788191005", err)
		}

		if err := e.srv.CooperationAction(st.AppID, sharer.ID, sharer.Type, "accept"); err != nil {
			t.Fatal(err)
		}
		p := wantPartner(t, e.p, st, sharer, platform.PartnerBound)
		if p.BindTime.IsZero() || p.Name == "" {
			t.Errorf("bound partner = %+v, want a bind time and a name", p)
		}
		list, err := e.p.ListStorePartners(ctx, st, sharer.Type)
		if err != nil || len(list) != 1 || list[0].Sharer != sharer || list[0].Status != platform.PartnerBound {
			t.Errorf("ListStorePartners = %+v, %v", list, err)
		}
		if other, err := e.p.ListStorePartners(ctx, st, 3); err != nil || len(other) != 0 {
			t.Errorf("ListStorePartners(3) = %+v, %v; want none", other, err)
		}

		if err := e.p.UnbindStorePartner(ctx, st, sharer); err != nil {
			t.Fatalf("UnbindStorePartner: %v", err)
		}
		wantPartner(t, e.p, st, sharer, platform.PartnerUnbound)
		if _, err := e.p.InviteStorePartner(ctx, st, sharer); err != nil {
			t.Fatalf("InviteStorePartner after unbind: %v", err)
		}
		if err := e.p.CancelStoreInvitation(ctx, st, sharer); err != nil {
			t.Fatalf("CancelStoreInvitation: %v", err)
		}
		wantPartner(t, e.p, st, sharer, platform.PartnerCancelled)

		_, err = e.p.InviteStorePartner(ctx, st, platform.StoreSharer{ID: "gh_000000000000", Type: 2})
		_ = wantErr(t, err, platform.ClassTerminal, platform.ReasonInvalidSharer, platform.CodeInvalidSharer)
	})
}

// TestStorePartnerRefusedAndTimedOut checks the refusal and the timeout the partner's side produces.
func TestStorePartnerRefusedAndTimedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, wechat.RouteOwnSecret)
	acme := sim.Subject{Name: "ACME Trading Co., Ltd.", Type: sim.Enterprise}
	mp := miniProgram("wxmpstorepartner", acme)
	store := sim.Account{AppID: "wxstorepartner02", Type: sim.Store, Subject: acme, Verification: sim.Verified}
	st := e.seed(store, mp)[0]
	sharer := platform.StoreSharer{ID: mp.AppID, Type: 3}
	for _, c := range []struct {
		action string
		want   platform.PartnerStatus
	}{{"refuse", platform.PartnerRefused}, {"timeout", platform.PartnerTimedOut}, {"fail", platform.PartnerFailed}} {
		if _, err := e.p.InviteStorePartner(context.Background(), st, sharer); err != nil {
			t.Fatalf("InviteStorePartner before %s: %v", c.action, err)
		}
		if err := e.srv.CooperationAction(st.AppID, sharer.ID, sharer.Type, c.action); err != nil {
			t.Fatal(err)
		}
		if p := wantPartner(t, e.p, st, sharer, c.want); c.want == platform.PartnerRefused && p.RejectTime.IsZero() {
			t.Errorf("refused partner = %+v, want a reject time", p)
		}
	}
}

func wantPartner(t *testing.T, p platform.Platform, st platform.Account, sharer platform.StoreSharer,
	want platform.PartnerStatus) platform.StorePartner {
	t.Helper()
	got, found, err := p.GetStorePartner(context.Background(), st, sharer)
	if err != nil || !found || got.Status != want || got.Sharer != sharer {
		t.Fatalf("GetStorePartner = %+v (found %v), %v; want status %d", got, found, err, want)
	}
	return got
}

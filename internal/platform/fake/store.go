// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package fake

import (
	"context"
	"encoding/base64"
	"slices"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// QRCodeFor is the invitation QR code InviteStorePartner returns.
func QRCodeFor(storeAppID, sharerID string) string {
	return base64.StdEncoding.EncodeToString([]byte("fake-invitation:" + storeAppID + ":" + sharerID))
}

// partnerIndex is the index of the sharer's record in the store's Partners, or -1. The caller holds p.mu.
func (p *Platform) partnerIndex(store string, sharer platform.StoreSharer) int {
	return slices.IndexFunc(p.Partners[store], func(sp platform.StorePartner) bool { return sp.Sharer == sharer })
}

// GetStorePartner returns the sharer's record in Partners[store.AppID], or found == false.
func (p *Platform) GetStorePartner(_ context.Context, store platform.Account, sharer platform.StoreSharer) (
	platform.StorePartner, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodGetStorePartner, store.AppID, sharer.ID); err != nil {
		return platform.StorePartner{}, false, err
	}
	if i := p.partnerIndex(store.AppID, sharer); i >= 0 {
		return p.Partners[store.AppID][i], true, nil
	}
	return platform.StorePartner{}, false, nil
}

// ListStorePartners returns the records of Partners[store.AppID] of one sharer type.
func (p *Platform) ListStorePartners(_ context.Context, store platform.Account, sharerType int) ([]platform.StorePartner, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodListStorePartners, store.AppID, ""); err != nil {
		return nil, err
	}
	var out []platform.StorePartner
	for _, sp := range p.Partners[store.AppID] {
		if sp.Sharer.Type == sharerType {
			out = append(out, sp)
		}
	}
	return out, nil
}

// InviteStorePartner puts the sharer's record in status 4 (accepting) and returns QRCodeFor; a record
// accepting or bound gives 788191005, as the platform does.
func (p *Platform) InviteStorePartner(_ context.Context, store platform.Account, sharer platform.StoreSharer) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodInviteStorePartner, store.AppID, sharer.ID); err != nil {
		return "", err
	}
	rec := platform.StorePartner{Sharer: sharer, Status: platform.PartnerAccepting}
	if i := p.partnerIndex(store.AppID, sharer); i >= 0 {
		if st := p.Partners[store.AppID][i].Status; st == platform.PartnerAccepting || st == platform.PartnerBound {
			return "", ErrcodeFor(MethodInviteStorePartner, platform.CodeInvalidTransition)
		}
		if p.InviteAwaitsScan {
			return QRCodeFor(store.AppID, sharer.ID), nil
		}
		p.Partners[store.AppID][i] = rec
	} else if !p.InviteAwaitsScan {
		p.Partners[store.AppID] = append(p.Partners[store.AppID], rec)
	}
	return QRCodeFor(store.AppID, sharer.ID), nil
}

// CancelStoreInvitation moves an accepting record to 7 (cancelled); otherwise 788191005, or 788191008
// without a record.
func (p *Platform) CancelStoreInvitation(_ context.Context, store platform.Account, sharer platform.StoreSharer) error {
	return p.transition(MethodCancelStoreInvite, store, sharer, platform.PartnerAccepting, platform.PartnerCancelled)
}

// UnbindStorePartner moves a bound record to 2 (unbound); otherwise 788191005, or 788191008 without a record.
func (p *Platform) UnbindStorePartner(_ context.Context, store platform.Account, sharer platform.StoreSharer) error {
	return p.transition(MethodUnbindStorePartner, store, sharer, platform.PartnerBound, platform.PartnerUnbound)
}

func (p *Platform) transition(method string, store platform.Account, sharer platform.StoreSharer, from, to platform.PartnerStatus) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(method, store.AppID, sharer.ID); err != nil {
		return err
	}
	i := p.partnerIndex(store.AppID, sharer)
	if i < 0 {
		return ErrcodeFor(method, platform.CodeNotPartner)
	}
	if p.Partners[store.AppID][i].Status != from {
		return ErrcodeFor(method, platform.CodeInvalidTransition)
	}
	p.Partners[store.AppID][i].Status = to
	return nil
}

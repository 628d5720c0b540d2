// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Observer shares reads of the platform among every reconcile that needs them, so that API use grows with
// accounts, not with links:
//   - an Official Account's Mini Program links (wxamplinkget), read by the Official Account's own reconcile and
//     by each of its links;
//   - an account's description (getaccountbasicinfo), read by the account's own reconcile, which each change
//     of one of its links triggers, and by the MerchantBinding of a Mini Program;
//   - a Mini Program's testers (memberauth), read by the Mini Program's reconcile.
//
// Concurrent readers of one key share one call; a mutation invalidates the entry. Entries are keyed by the
// platform client (one per PlatformConfig) and the AppID, so a PlatformConfig in another namespace, pointing
// elsewhere, can never answer for this one, and are shared only by callers with the same credential.
type Observer struct {
	links    sharedReads[[]platform.MiniProgramLink]
	accounts sharedReads[*platform.AccountInfo]
	testers  sharedReads[[]platform.Tester]
}

// NewObserver returns an empty observer using the given clock (nil for time.Now).
func NewObserver(now func() time.Time) *Observer {
	if now == nil {
		now = time.Now
	}
	return &Observer{links: newSharedReads[[]platform.MiniProgramLink](now), accounts: newSharedReads[*platform.AccountInfo](now),
		testers: newSharedReads[[]platform.Tester](now)}
}

// observerKey names an account's entries: the client that reads (one per PlatformConfig) and the AppID. A
// wechat.Client has an Instance that is never reused; another implementation is named by its address.
func observerKey(p platform.Platform, appID string) string {
	if c, ok := p.(interface{ Instance() uint64 }); ok {
		return fmt.Sprintf("client-%d|%s", c.Instance(), appID)
	}
	return fmt.Sprintf("%p|%s", p, appID)
}

// readerOf fingerprints the credential a read is made with, so that an object whose credentials are wrong
// is never answered by a read made with another object's good ones for the same AppID.
func readerOf(acct platform.Account) reader {
	h := sha256.Sum256([]byte(acct.AppID + "\x00" + acct.Credential.Reveal()))
	return reader(hex.EncodeToString(h[:8]))
}

// List returns the Official Account's links, from a read no older than maxAge when there is one, and the
// time that read started. The list is shared: callers must not modify it.
func (o *Observer) List(ctx context.Context, p platform.Platform, oa platform.Account,
	maxAge time.Duration) ([]platform.MiniProgramLink, time.Time, error) {
	return o.links.get(ctx, observerKey(p, oa.AppID), readerOf(oa), maxAge, func(ctx context.Context) ([]platform.MiniProgramLink, error) {
		return p.ListMiniProgramLinks(ctx, oa)
	})
}

// ListFresh returns the Official Account's links as the platform shows them now: from a read that starts
// after this call, never a stored one nor one already in flight. Callers read fresh before they act on the
// platform or report a change, so that a link made meanwhile (in the console) is seen.
func (o *Observer) ListFresh(ctx context.Context, p platform.Platform, oa platform.Account) ([]platform.MiniProgramLink, error) {
	o.links.invalidate(observerKey(p, oa.AppID))
	links, _, err := o.List(ctx, p, oa, 0)
	return links, err
}

// AfterWrite runs write, a change wxlink makes to what the platform lists for appID (an Official Account's
// links, a Mini Program's testers), and then forgets every read of it, whether write succeeded or not (a
// failed call may still have changed the platform): no later read is answered from before the change. It
// counts the write's start and end for ListEpoch.
func (o *Observer) AfterWrite(p platform.Platform, appID string, write func() error) error {
	key := observerKey(p, appID)
	o.links.wrote(key)
	defer func() {
		o.links.invalidate(key)
		o.testers.invalidate(key)
		o.links.wrote(key)
	}()
	return write()
}

// ListEpoch names the span between two of wxlink's writes to the Official Account's links: take it before a
// List and compare it later; a difference says a write began or ended in between (reads do not change it).
func (o *Observer) ListEpoch(p platform.Platform, oa platform.Account) uint64 {
	return o.links.writes(observerKey(p, oa.AppID))
}

// ForgetClient drops every read made through p, a client that is no longer used (its PlatformConfig was
// deleted or changed).
func (o *Observer) ForgetClient(p platform.Platform) {
	prefix := observerKey(p, "")
	o.links.forget(prefix)
	o.accounts.forget(prefix)
	o.testers.forget(prefix)
}

// Describe returns the account's description, from a read no older than maxAge when there is one, and the
// time that read started. The description is shared: callers must not modify it.
func (o *Observer) Describe(ctx context.Context, p platform.Platform, acct platform.Account,
	maxAge time.Duration) (*platform.AccountInfo, time.Time, error) {
	return o.accounts.get(ctx, observerKey(p, acct.AppID), readerOf(acct), maxAge, func(ctx context.Context) (*platform.AccountInfo, error) {
		return p.DescribeAccount(ctx, acct)
	})
}

// Testers returns the Mini Program's testers, from a read no older than maxAge when there is one. The list is
// shared: callers must not modify it.
func (o *Observer) Testers(ctx context.Context, p platform.Platform, miniProgram platform.Account,
	maxAge time.Duration) ([]platform.Tester, error) {
	testers, _, err := o.testers.get(ctx, observerKey(p, miniProgram.AppID), readerOf(miniProgram), maxAge,
		func(ctx context.Context) ([]platform.Tester, error) {
			return p.ListTesters(ctx, miniProgram)
		})
	return testers, err
}

// Find returns the link to a Mini Program by AppID, or by original ID (username) for older responses that
// lack the AppID.
func Find(links []platform.MiniProgramLink, appID, username string) (platform.MiniProgramLink, bool) {
	for _, l := range links {
		if (l.AppID != "" && l.AppID == appID) || (l.AppID == "" && username != "" && l.Username == username) {
			return l, true
		}
	}
	return platform.MiniProgramLink{}, false
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
)

// targetAccount resolves the optional `appid` of the open/* calls: it must be the token's own account.
func (s *Simulator) targetAccount(c *call) (*Account, reply, bool) {
	appid := c.str("appid")
	if c.bad != "" {
		return nil, c.badReply(), false
	}
	if appid != "" && appid != c.acct.AppID {
		return nil, fail(40013, "appid is not the account of the access_token"), false
	}
	return c.acct, reply{}, true
}

func newOpenAppID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "wx" + hex.EncodeToString(b)
}

// POST /cgi-bin/open/create: a new, unverified, API-created Open Platform account with the account's subject,
// the account bound to it. 89000 when the account is already bound.
func (s *Simulator) apiOpenCreate(c *call) reply {
	a, rep, ok := s.targetAccount(c)
	if !ok {
		return rep
	}
	if _, bound := s.st.openOf[a.AppID]; bound {
		return fail(89000)
	}
	if len(s.st.open) >= s.opts.Limits.OpenAccounts {
		return fail(-1, "simulator open account limit reached")
	}
	o := &OpenAccount{OpenAppID: newOpenAppID(), Subject: a.Subject, CreatedByAPI: true, Members: []string{a.AppID}}
	s.st.open[o.OpenAppID] = o
	s.st.openOf[a.AppID] = o.OpenAppID
	s.markDirty()
	return okReply(map[string]any{"open_appid": o.OpenAppID})
}

// POST /cgi-bin/open/bind. Checks, in order: the Open Platform account exists (40013), the account is not
// bound yet (89000), same subject (89001), created by API or verified (89003), fewer than 100 members
// (89004), and, for an unverified API-created account, fewer than 5 members (89036).
func (s *Simulator) apiOpenBind(c *call) reply {
	a, rep, ok := s.targetAccount(c)
	if !ok {
		return rep
	}
	openID := c.str("open_appid")
	if c.bad != "" {
		return c.badReply()
	}
	o, ok := s.st.open[openID]
	if !ok {
		return fail(40013, "unknown open_appid")
	}
	if _, bound := s.st.openOf[a.AppID]; bound {
		return fail(89000)
	}
	if !o.Subject.Same(a.Subject) {
		return fail(89001)
	}
	if !o.CreatedByAPI && !o.Verified {
		return fail(89003)
	}
	if len(o.Members) >= s.opts.Quotas.OpenMembers {
		return fail(89004)
	}
	if !o.Verified && len(o.Members) >= s.opts.Quotas.OpenUnverifiedMembers {
		return fail(89036)
	}
	o.Members = append(o.Members, a.AppID)
	s.st.openOf[a.AppID] = o.OpenAppID
	s.markDirty()
	return okReply(nil)
}

// POST /cgi-bin/open/unbind: only for API-created Open Platform accounts (89003 otherwise); 89002 when the
// account is not bound to that Open Platform account.
func (s *Simulator) apiOpenUnbind(c *call) reply {
	a, rep, ok := s.targetAccount(c)
	if !ok {
		return rep
	}
	openID := c.str("open_appid")
	if c.bad != "" {
		return c.badReply()
	}
	o, ok := s.st.open[openID]
	if !ok {
		return fail(40013, "unknown open_appid")
	}
	if !o.CreatedByAPI {
		return fail(89003)
	}
	if s.st.openOf[a.AppID] != openID {
		return fail(89002)
	}
	o.Members = slices.DeleteFunc(o.Members, func(m string) bool { return m == a.AppID })
	delete(s.st.openOf, a.AppID)
	s.markDirty()
	return okReply(nil)
}

// POST /cgi-bin/open/get: the bound open_appid, or 89002 when not bound.
func (s *Simulator) apiOpenGet(c *call) reply {
	a, rep, ok := s.targetAccount(c)
	if !ok {
		return rep
	}
	id, bound := s.st.openOf[a.AppID]
	if !bound {
		return fail(89002)
	}
	return okReply(map[string]any{"open_appid": id})
}

// GET /cgi-bin/open/have: whether the account is bound to an Open Platform account.
func (s *Simulator) apiOpenHave(c *call) reply {
	_, bound := s.st.openOf[c.acct.AppID]
	return okReply(map[string]any{"have_open": bound})
}

// UpsertOpenAccount creates or replaces an Open Platform account as an admin would in the console (any
// subject may be bound there). Members must exist and not be bound to another Open Platform account.
func (s *Simulator) UpsertOpenAccount(o OpenAccount) error {
	var err error
	s.withLock(func() { err = s.upsertOpenLocked(o) })
	return err
}

func (s *Simulator) upsertOpenLocked(o OpenAccount) error {
	if o.OpenAppID == "" {
		return simErr(40013, "open account: openAppID is required")
	}
	if o.Subject.Name == "" {
		return simErr(40097, "open account %s: subject.name is required", o.OpenAppID)
	}
	if _, exists := s.st.open[o.OpenAppID]; !exists && len(s.st.open) >= s.opts.Limits.OpenAccounts {
		return simErr(-1, "simulator open account limit reached")
	}
	members := slices.Compact(slices.Sorted(slices.Values(o.Members)))
	if len(members) > s.opts.Quotas.OpenMembers {
		return simErr(89004, "open account %s: more than %d members", o.OpenAppID, s.opts.Quotas.OpenMembers)
	}
	for _, m := range members {
		if _, ok := s.st.accounts[m]; !ok {
			return simErr(40013, "open account %s: unknown member %q", o.OpenAppID, m)
		}
		if cur, bound := s.st.openOf[m]; bound && cur != o.OpenAppID {
			return simErr(89000, "open account %s: %s is bound to %s", o.OpenAppID, m, cur)
		}
	}
	if old := s.st.open[o.OpenAppID]; old != nil {
		for _, m := range old.Members {
			delete(s.st.openOf, m)
		}
	}
	c := o
	c.Members = members
	s.st.open[o.OpenAppID] = &c
	for _, m := range members {
		s.st.openOf[m] = o.OpenAppID
	}
	s.markDirty()
	return nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"cmp"
	"encoding/base64"
	"slices"
	"time"
)

// Cooperation statuses.
const (
	CoopBound     = 1
	CoopUnbound   = 2
	CoopRefused   = 3
	CoopAccepting = 4
	CoopTimedOut  = 5
	CoopFailed    = 6
	CoopCancelled = 7
)

// sharerAccount finds a partner by AppID or gh_ username (sharer_id is the gh_ id of an Official Account and
// the AppID of a Mini Program). Callers hold s.mu.
func (s *Simulator) sharerAccount(id string) *Account {
	if id == "" {
		return nil
	}
	if a, ok := s.st.accounts[id]; ok {
		return a
	}
	if appid, ok := s.st.byUsername[id]; ok {
		return s.st.accounts[appid]
	}
	return nil
}

func coopJSON(c *Cooperation) map[string]any {
	return map[string]any{
		"sharer_id": c.SharerID, "status": c.Status, "sharer_name": c.SharerName, "sharer_type": c.SharerType,
		"bind_time": c.BindTime, "unbind_time": c.UnbindTime, "reject_time": c.RejectTime,
		"cancel_time": c.CancelTime, "account_id": c.SharerID,
	}
}

// sharerArgs reads {sharer_id, sharer_type} and finds the record, if any.
func (s *Simulator) sharerArgs(c *call) (coopKey, *Cooperation, reply, bool) {
	id := c.str("sharer_id")
	typ, _ := c.num("sharer_type")
	if c.bad != "" {
		return coopKey{}, nil, c.badReply(), false
	}
	if s.sharerAccount(id) == nil {
		return coopKey{}, nil, fail(803131000), false
	}
	k := coopKey{store: c.acct.AppID, sharer: id, typ: int(typ)}
	return k, s.st.coops[k], reply{}, true
}

// POST /channels/ec/cooperation/list {sharer_type}: the store's partner records, newest first.
func (s *Simulator) apiCoopList(c *call) reply {
	typ, filter := c.num("sharer_type")
	if c.bad != "" {
		return c.badReply()
	}
	var list []*Cooperation
	for k, co := range s.st.coops {
		if k.store == c.acct.AppID && (!filter || k.typ == int(typ)) {
			list = append(list, co)
		}
	}
	slices.SortFunc(list, func(a, b *Cooperation) int {
		return cmp.Or(cmp.Compare(b.UpdateTime, a.UpdateTime), cmp.Compare(a.SharerID, b.SharerID))
	})
	out := make([]any, 0, len(list))
	for _, co := range list {
		out = append(out, coopJSON(co))
	}
	return okReply(map[string]any{"data_list": out})
}

// POST /channels/ec/cooperation/invitation/get {sharer_id, sharer_type}.
func (s *Simulator) apiCoopGet(c *call) reply {
	_, co, rep, ok := s.sharerArgs(c)
	if !ok {
		return rep
	}
	if co == nil {
		return fail(788191008)
	}
	return okReply(map[string]any{"data": coopJSON(co)})
}

// POST /channels/ec/cooperation/invitation/qrcode/generate: invites the partner (status 4, accepting).
func (s *Simulator) apiCoopInvite(c *call) reply {
	k, co, rep, ok := s.sharerArgs(c)
	if !ok {
		return rep
	}
	if co != nil && (co.Status == CoopBound || co.Status == CoopAccepting) {
		return fail(788191005)
	}
	qr := base64.StdEncoding.EncodeToString([]byte("wechatsim-invitation:" + k.store + ":" + k.sharer))
	if s.opts.InviteNeedsScan {
		// As the docs say: only the QR code; the store's admin scans it to send the invitation.
		return okReply(map[string]any{"data": map[string]any{"qrcode_base64": qr}})
	}
	if co == nil {
		if len(s.st.coops) >= s.opts.Limits.Cooperations {
			return fail(-1, "simulator cooperation limit reached")
		}
		co = &Cooperation{StoreAppID: k.store, SharerID: k.sharer, SharerType: k.typ}
		s.st.coops[k] = co
	}
	co.SharerName = s.sharerAccount(k.sharer).Nickname
	co.Status = CoopAccepting
	co.UpdateTime = c.now.UnixMilli()
	s.markDirty()
	// As documented: {"errcode":0,"errmsg":"ok","data":{"qrcode_base64":"/9j/4A"}}.
	return okReply(map[string]any{"data": map[string]any{"qrcode_base64": qr}})
}

// POST /channels/ec/cooperation/invitation/cancel: 4 -> 7.
func (s *Simulator) apiCoopCancel(c *call) reply {
	return s.coopTransition(c, CoopAccepting, CoopCancelled)
}

// POST /channels/ec/cooperation/unbind: 1 -> 2.
func (s *Simulator) apiCoopUnbind(c *call) reply {
	return s.coopTransition(c, CoopBound, CoopUnbound)
}

func (s *Simulator) coopTransition(c *call, from, to int) reply {
	_, co, rep, ok := s.sharerArgs(c)
	if !ok {
		return rep
	}
	if co == nil {
		return fail(788191008)
	}
	if co.Status != from {
		return fail(788191005)
	}
	setCoopStatus(co, to, c.now)
	s.markDirty()
	return okReply(nil)
}

func setCoopStatus(co *Cooperation, to int, now time.Time) {
	ms := now.UnixMilli()
	co.Status = to
	co.UpdateTime = ms
	switch to {
	case CoopBound:
		co.BindTime = ms
	case CoopUnbound:
		co.UnbindTime = ms
	case CoopRefused:
		co.RejectTime = ms
	case CoopCancelled:
		co.CancelTime = ms
	}
}

// CooperationAction plays the partner (or the store's console) on a cooperation record: "accept" (4 -> 1),
// "refuse" (4 -> 3), "timeout" (4 -> 5), "fail" (4 -> 6), or "bind" (any -> 1, creating the record).
func (s *Simulator) CooperationAction(storeAppID, sharerID string, sharerType int, action string) error {
	var err error
	s.withLock(func() {
		store, ok := s.st.accounts[storeAppID]
		if !ok || store.Type != Store {
			err = simErr(40013, "%q is not a known Store", storeAppID)
			return
		}
		partner := s.sharerAccount(sharerID)
		if partner == nil {
			err = simErr(803131000, "unknown sharer %q", sharerID)
			return
		}
		k := coopKey{store: storeAppID, sharer: sharerID, typ: sharerType}
		co := s.st.coops[k]
		now := s.now()
		to := map[string]int{"accept": CoopBound, "refuse": CoopRefused, "timeout": CoopTimedOut, "fail": CoopFailed}
		switch action {
		case "bind", "scan":
			if action == "scan" && co != nil && (co.Status == CoopBound || co.Status == CoopAccepting) {
				err = simErr(788191005, "%s is bound or already invited", sharerID)
				return
			}
			if co == nil {
				if len(s.st.coops) >= s.opts.Limits.Cooperations {
					err = simErr(-1, "simulator cooperation limit reached")
					return
				}
				co = &Cooperation{StoreAppID: storeAppID, SharerID: sharerID, SharerType: sharerType}
				s.st.coops[k] = co
			}
			co.SharerName = partner.Nickname
			if action == "scan" { // the store's admin sent the invitation from its QR code
				setCoopStatus(co, CoopAccepting, now)
				break
			}
			setCoopStatus(co, CoopBound, now)
		case "accept", "refuse", "timeout", "fail":
			if co == nil || co.Status != CoopAccepting {
				err = simErr(788191005, "no invitation waiting for %s", sharerID)
				return
			}
			setCoopStatus(co, to[action], now)
		default:
			err = simErr(40097, "action must be scan, accept, refuse, timeout, fail or bind")
			return
		}
		s.markDirty()
	})
	return err
}

// Cooperation returns a copy of the store's partner record of one sharer, if there is one.
func (s *Simulator) Cooperation(storeAppID, sharerID string, sharerType int) (Cooperation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	co, ok := s.st.coops[coopKey{store: storeAppID, sharer: sharerID, typ: sharerType}]
	if !ok {
		return Cooperation{}, false
	}
	return *co, true
}

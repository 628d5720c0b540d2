// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Error is what the Go API and the admin API return for a refused operation. Code is the platform errcode the
// same operation would get through the API when there is one (89016 for a full quota, say), else -1 or 40013.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

func simErr(code int, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// autoConfirm decides whether a new API link skips the admins' confirmations: an explicit false on either
// account wins, then an explicit true on either, else links between same-subject accounts confirm at once
// (the console's instant same-subject path) and others wait (status 12, then 2).
func autoConfirm(oa, mp *Account, same bool) bool {
	for _, a := range []*Account{oa, mp} {
		if a.AutoConfirm != nil && !*a.AutoConfirm {
			return false
		}
	}
	for _, a := range []*Account{oa, mp} {
		if a.AutoConfirm != nil && *a.AutoConfirm {
			return true
		}
	}
	return same
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// POST /cgi-bin/wxopen/wxamplinkget: every link record of the Official Account, whatever its status.
func (s *Simulator) apiLinkGet(c *call) reply {
	links := make([]*Link, 0, len(s.st.linksByOA[c.acct.AppID]))
	for _, l := range s.st.linksByOA[c.acct.AppID] {
		links = append(links, l)
	}
	slices.SortFunc(links, func(a, b *Link) int {
		return cmp.Or(a.RequestedAt.Compare(b.RequestedAt), cmp.Compare(a.MiniProgram, b.MiniProgram))
	})
	items := make([]any, 0, len(links))
	for _, l := range links {
		mp := s.st.accounts[l.MiniProgram]
		if mp == nil {
			continue
		}
		item := map[string]any{
			"status":                l.Status,
			"username":              mp.Username,
			"nickname":              mp.Nickname,
			"source":                linkSourceReturned,
			"selected":              b2i(l.ShowProfile),
			"nearby_display_status": 0,
			"released":              b2i(mp.Released),
			"headimg_url":           mp.HeadImgURL,
			"email":                 mp.Email,
			"func_infos": []any{
				map[string]any{"id": 1, "status": b2i(mp.Verification == Verified), "name": "微信认证"},
				map[string]any{"id": 2, "status": b2i(len(s.st.merchants[mp.AppID]) > 0), "name": "微信支付"},
			},
		}
		if !s.opts.OmitLinkAppID {
			item["appid"] = mp.AppID
		}
		items = append(items, item)
	}
	return okReply(map[string]any{"wxopens": map[string]any{"items": items}})
}

// POST /cgi-bin/wxopen/wxamplink. Checks, in order: the Mini Program exists (40013) and is one (-1, as the
// community reports for a service account's appid), is not banned (89013), neither side is overseas (89008),
// the pair's current record (89015 linked, 89010 pending), the Official Account's subject quotas (89016,
// 89407/89017), the Mini Program's 500 (89009), then the monthly operations of both (89030). An accepted
// request counts one monthly operation for each side, whether it ends linked or rejected.
func (s *Simulator) apiLink(c *call) reply {
	mpID, notify, show := c.str("appid"), c.flag("notify_users"), c.flag("show_profile")
	if c.bad != "" {
		return c.badReply()
	}
	if mpID == "" {
		return fail(41002)
	}
	mp, ok := s.st.accounts[mpID]
	if !ok {
		return fail(40013)
	}
	if mp.Type != MiniProgram {
		return fail(-1, "appid is not a mini program")
	}
	oa := c.acct
	if code := s.linkAdmission(oa, mp, c.now, false); code != 0 {
		return fail(code)
	}
	if cur := s.st.link(oa.AppID, mp.AppID); cur == nil && s.st.nLinks >= s.opts.Limits.Links {
		return fail(-1, "simulator link limit reached")
	}
	same := oa.Subject.Same(mp.Subject)
	status := LinkWaitingOA
	if autoConfirm(oa, mp, same) {
		status = LinkLinked
	}
	s.st.putLink(&Link{
		OfficialAccount: oa.AppID, MiniProgram: mp.AppID, Status: status, Origin: LinkOriginAPI,
		SameSubject: same, NotifyUsers: notify, ShowProfile: show, RequestedAt: c.now, UpdatedAt: c.now,
	})
	s.st.countMonth(oa.AppID, c.now)
	s.st.countMonth(mp.AppID, c.now)
	s.markDirty()
	return okReply(nil)
}

// linkAdmission returns the errcode that refuses a new link between oa and mp, or 0. The console path
// (console=true) skips the monthly limits. Callers hold s.mu.
func (s *Simulator) linkAdmission(oa, mp *Account, now time.Time, console bool) int {
	if mp.Status == StatusBanned {
		return 89013
	}
	if mp.Subject.Type == Overseas || oa.Subject.Type == Overseas {
		return 89008
	}
	if cur := s.st.link(oa.AppID, mp.AppID); cur != nil {
		switch cur.Status {
		case LinkLinked:
			return 89015
		case LinkWaitingOA, LinkWaitingMP:
			return 89010
		}
		// Rejected (3) or unknown: a new request replaces the record.
	}
	same := oa.Subject.Same(mp.Subject)
	sameN, diffN := s.st.oaUsage(oa.AppID)
	q := s.opts.Quotas
	if same && sameN >= q.SameSubjectLinks {
		return 89016
	}
	if !same && diffN >= q.DifferentSubjectLinks {
		return s.opts.DifferentSubjectErrcode
	}
	if s.st.mpUsage(mp.AppID) >= q.MiniProgramLinks {
		return 89009
	}
	if console {
		return 0
	}
	if s.st.monthCount(oa.AppID, now) >= q.OfficialAccountMonth || s.st.monthCount(mp.AppID, now) >= q.MiniProgramMonth {
		return 89030
	}
	return 0
}

// POST /cgi-bin/wxopen/wxampunlink. A linked pair is unlinked at once, or, with Options.UnlinkNeedsConfirm,
// marked pending until ConfirmUnlink (a repeated call gets 89018). A pending or rejected record is removed
// (the request is withdrawn). Unlinking a pair with no record answers ok: the real answer is not documented.
func (s *Simulator) apiUnlink(c *call) reply {
	mpID := c.str("appid")
	if c.bad != "" {
		return c.badReply()
	}
	if mpID == "" {
		return fail(41002)
	}
	mp, ok := s.st.accounts[mpID]
	if !ok {
		return fail(40013)
	}
	if mp.Status == StatusBanned {
		return fail(89013)
	}
	l := s.st.link(c.acct.AppID, mp.AppID)
	if l == nil {
		return okReply(nil)
	}
	if l.Status == LinkLinked && s.opts.UnlinkNeedsConfirm {
		if l.UnlinkPending {
			return fail(89018)
		}
		l.UnlinkPending = true
		l.UpdatedAt = c.now
		s.markDirty()
		return okReply(nil)
	}
	s.st.dropLink(c.acct.AppID, mp.AppID)
	s.markDirty()
	return okReply(nil)
}

// linkPair finds both accounts of a link and checks their types. Callers hold s.mu.
func (s *Simulator) linkPair(oaID, mpID string) (oa, mp *Account, err error) {
	oa, ok := s.st.accounts[oaID]
	if !ok || oa.Type != OfficialAccount {
		return nil, nil, simErr(40013, "%q is not a known Official Account", oaID)
	}
	mp, ok = s.st.accounts[mpID]
	if !ok || mp.Type != MiniProgram {
		return nil, nil, simErr(40013, "%q is not a known Mini Program", mpID)
	}
	return oa, mp, nil
}

func (s *Simulator) pendingLink(oaID, mpID string) (*Link, error) {
	l := s.st.link(oaID, mpID)
	if l == nil {
		return nil, simErr(40013, "no link between %s and %s", oaID, mpID)
	}
	return l, nil
}

// Confirm plays both admins agreeing: a pending link (12 or 2) becomes linked (1). Confirming a linked pair
// is a no-op; a rejected one is an error.
func (s *Simulator) Confirm(oaAppID, mpAppID string) error {
	var err error
	s.withLock(func() {
		var l *Link
		if l, err = s.pendingLink(oaAppID, mpAppID); err != nil {
			return
		}
		switch l.Status {
		case LinkLinked:
		case LinkWaitingOA, LinkWaitingMP:
			l.Status = LinkLinked
			l.UpdatedAt = s.now()
			s.markDirty()
		default:
			err = simErr(-1, "link %s -> %s has status %d, not pending", oaAppID, mpAppID, l.Status)
		}
	})
	return err
}

// Advance plays the next admin agreeing: 12 -> 2 (the Official Account admin), 2 -> 1 (the Mini Program
// admin). It returns the new status.
func (s *Simulator) Advance(oaAppID, mpAppID string) (int, error) {
	var err error
	status := 0
	s.withLock(func() {
		var l *Link
		if l, err = s.pendingLink(oaAppID, mpAppID); err != nil {
			return
		}
		switch l.Status {
		case LinkWaitingOA:
			l.Status = LinkWaitingMP
		case LinkWaitingMP:
			l.Status = LinkLinked
		default:
			err = simErr(-1, "link %s -> %s has status %d, not pending", oaAppID, mpAppID, l.Status)
			return
		}
		l.UpdatedAt = s.now()
		status = l.Status
		s.markDirty()
	})
	return status, err
}

// Reject plays the Mini Program admin refusing a pending link: it becomes 3, frees its slot, and stays listed
// until it is unlinked or requested again.
func (s *Simulator) Reject(oaAppID, mpAppID string) error {
	var err error
	s.withLock(func() {
		var l *Link
		if l, err = s.pendingLink(oaAppID, mpAppID); err != nil {
			return
		}
		if l.Status != LinkWaitingOA && l.Status != LinkWaitingMP {
			err = simErr(-1, "link %s -> %s has status %d, not pending", oaAppID, mpAppID, l.Status)
			return
		}
		l.Status = LinkRejected
		l.UpdatedAt = s.now()
		s.markDirty()
	})
	return err
}

// ConsoleLinkOptions tune ConsoleLink.
type ConsoleLinkOptions struct {
	ShowProfile bool
	// Force skips the quota checks (the link still occupies its slot).
	Force bool
}

// ConsoleLink plays an admin linking the pair by hand in the console: the link is linked (1) at once, marked
// origin "console", occupies a quota slot and is refused when a quota is full (89016, 89407, 89009), but does
// not count against the monthly limits. A pending record of the pair is confirmed.
func (s *Simulator) ConsoleLink(oaAppID, mpAppID string, opts ...ConsoleLinkOptions) error {
	var o ConsoleLinkOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	var err error
	s.withLock(func() {
		var oa, mp *Account
		if oa, mp, err = s.linkPair(oaAppID, mpAppID); err != nil {
			return
		}
		now := s.now()
		if cur := s.st.link(oaAppID, mpAppID); cur != nil && occupies(cur.Status) {
			cur.Status = LinkLinked
			cur.UpdatedAt = now
			s.markDirty()
			return
		}
		if !o.Force {
			if code := s.linkAdmission(oa, mp, now, true); code != 0 {
				err = simErr(code, "%s", errmsgFor(code))
				return
			}
		}
		if s.st.link(oaAppID, mpAppID) == nil && s.st.nLinks >= s.opts.Limits.Links {
			err = simErr(-1, "simulator link limit reached")
			return
		}
		s.st.putLink(&Link{
			OfficialAccount: oaAppID, MiniProgram: mpAppID, Status: LinkLinked, Origin: LinkOriginConsole,
			SameSubject: oa.Subject.Same(mp.Subject), ShowProfile: o.ShowProfile, RequestedAt: now, UpdatedAt: now,
		})
		s.markDirty()
	})
	return err
}

// RemoveLink plays an admin removing the pair's record by hand, whatever its status.
func (s *Simulator) RemoveLink(oaAppID, mpAppID string) error {
	var err error
	s.withLock(func() {
		if !s.st.dropLink(oaAppID, mpAppID) {
			err = simErr(40013, "no link between %s and %s", oaAppID, mpAppID)
			return
		}
		s.markDirty()
	})
	return err
}

// ConfirmUnlink plays the Official Account admin agreeing to a pending unlink (Options.UnlinkNeedsConfirm).
func (s *Simulator) ConfirmUnlink(oaAppID, mpAppID string) error {
	var err error
	s.withLock(func() {
		l := s.st.link(oaAppID, mpAppID)
		if l == nil || !l.UnlinkPending {
			err = simErr(-1, "no unlink pending between %s and %s", oaAppID, mpAppID)
			return
		}
		s.st.dropLink(oaAppID, mpAppID)
		s.markDirty()
	})
	return err
}

// SetLinkStatus forces a link's status, creating the record when missing (origin console). Use it to show a
// client statuses the rules would not produce, such as the undocumented 4 seen in the wild.
func (s *Simulator) SetLinkStatus(oaAppID, mpAppID string, status int) error {
	var err error
	s.withLock(func() {
		var oa, mp *Account
		if oa, mp, err = s.linkPair(oaAppID, mpAppID); err != nil {
			return
		}
		now := s.now()
		if l := s.st.link(oaAppID, mpAppID); l != nil {
			l.Status = status
			l.UpdatedAt = now
		} else {
			if s.st.nLinks >= s.opts.Limits.Links {
				err = simErr(-1, "simulator link limit reached")
				return
			}
			s.st.putLink(&Link{
				OfficialAccount: oaAppID, MiniProgram: mpAppID, Status: status, Origin: LinkOriginConsole,
				SameSubject: oa.Subject.Same(mp.Subject), RequestedAt: now, UpdatedAt: now,
			})
		}
		s.markDirty()
	})
	return err
}

// Link returns the record of a pair.
func (s *Simulator) Link(oaAppID, mpAppID string) (Link, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.st.link(oaAppID, mpAppID); l != nil {
		return *l, true
	}
	return Link{}, false
}

// MonthlyOperations returns an account's link operations in the current calendar month (Beijing time).
func (s *Simulator) MonthlyOperations(appid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.monthCount(appid, s.now())
}

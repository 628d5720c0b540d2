// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"regexp"
	"slices"
)

// wechatIDShape is what the simulator accepts as an existing, searchable WeChat ID (unless marked unknown).
var wechatIDShape = regexp.MustCompile(`^[a-zA-Z][-_a-zA-Z0-9]{5,19}$`)

// testerLimit is a Mini Program's tester capacity: Individual 10, unverified organisation 20, verified 40.
func (s *Simulator) testerLimit(mp *Account) int {
	q := s.opts.Quotas
	switch {
	case mp.Subject.Type == Individual:
		return q.TestersIndividual
	case mp.Verification == Verified:
		return q.TestersVerifiedOrg
	default:
		return q.TestersUnverifiedOrg
	}
}

func (s *Simulator) wechatIDExists(id string) bool {
	return wechatIDShape.MatchString(id) && !s.st.unknownIDs[id]
}

// POST /wxa/bind_tester.
func (s *Simulator) apiBindTester(c *call) reply {
	id := c.str("wechatid")
	if c.bad != "" {
		return c.badReply()
	}
	if !s.wechatIDExists(id) {
		return fail(85001)
	}
	mp := c.acct
	ts := s.st.testers[mp.AppID]
	if _, ok := ts[id]; ok {
		return fail(85004)
	}
	if len(ts) >= s.testerLimit(mp) {
		return fail(85002)
	}
	if s.st.testerCount[id] >= s.opts.Quotas.TesterPerWeChatID {
		return fail(85003)
	}
	if ts == nil {
		ts = map[string]string{}
		s.st.testers[mp.AppID] = ts
	}
	us := userstrFor(mp.AppID, id)
	ts[id] = us
	s.st.testerCount[id]++
	s.markDirty()
	return okReply(map[string]any{"userstr": us})
}

// POST /wxa/unbind_tester with wechatid or userstr. Unbinding someone who is not a tester answers ok.
func (s *Simulator) apiUnbindTester(c *call) reply {
	id, us := c.str("wechatid"), c.str("userstr")
	if c.bad != "" {
		return c.badReply()
	}
	ts := s.st.testers[c.acct.AppID]
	switch {
	case id != "":
		if !s.wechatIDExists(id) {
			return fail(85001)
		}
	case us != "":
		for w, u := range ts {
			if u == us {
				id = w
			}
		}
		if id == "" {
			return okReply(nil)
		}
	default:
		return fail(40097, "wechatid or userstr is required")
	}
	if _, ok := ts[id]; !ok {
		return okReply(nil)
	}
	delete(ts, id)
	if len(ts) == 0 {
		delete(s.st.testers, c.acct.AppID)
	}
	s.st.testerCount[id]--
	if s.st.testerCount[id] <= 0 {
		delete(s.st.testerCount, id)
	}
	s.markDirty()
	return okReply(nil)
}

// POST /wxa/memberauth {"action":"get_experiencer"}.
func (s *Simulator) apiMemberAuth(c *call) reply {
	action := c.str("action")
	if c.bad != "" {
		return c.badReply()
	}
	if action != "get_experiencer" {
		return fail(40097, "action must be get_experiencer")
	}
	ts := s.st.testers[c.acct.AppID]
	strs := make([]string, 0, len(ts))
	for _, u := range ts {
		strs = append(strs, u)
	}
	slices.Sort(strs)
	members := make([]any, 0, len(strs))
	for _, u := range strs {
		members = append(members, map[string]any{"userstr": u})
	}
	return okReply(map[string]any{"members": members})
}

// SetWeChatIDUnknown marks a WeChat ID as not existing (85001) or clears the mark.
func (s *Simulator) SetWeChatIDUnknown(id string, unknown bool) error {
	var err error
	s.withLock(func() {
		if !unknown {
			delete(s.st.unknownIDs, id)
			s.markDirty()
			return
		}
		if len(s.st.unknownIDs) >= s.opts.Limits.UnknownIDs {
			err = simErr(-1, "simulator unknown-id limit reached")
			return
		}
		s.st.unknownIDs[id] = true
		s.markDirty()
	})
	return err
}

// Testers lists a Mini Program's testers.
func (s *Simulator) Testers(mpAppID string) []Tester {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Tester, 0, len(s.st.testers[mpAppID]))
	for id, us := range s.st.testers[mpAppID] {
		out = append(out, Tester{WeChatID: id, UserStr: us})
	}
	slices.SortFunc(out, func(a, b Tester) int {
		if a.WeChatID < b.WeChatID {
			return -1
		}
		if a.WeChatID > b.WeChatID {
			return 1
		}
		return 0
	})
	return out
}

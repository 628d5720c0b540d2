// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// issueToken creates a token of a kind for an appid. With grace, the previous newest token of the same kind and
// account is cut down to TokenGrace (the platform's overlap of about 5 minutes). Callers hold s.mu.
func (s *Simulator) issueToken(kind, appid string, now time.Time, grace bool) *tokenRec {
	st := s.st
	key := kind + "|" + appid
	if grace {
		if prev, ok := st.tokens[st.latest[key]]; ok {
			if cut := now.Add(s.opts.TokenGrace); prev.ExpiresAt.After(cut) {
				prev.ExpiresAt = cut
			}
		}
	}
	rec := &tokenRec{
		// 96 random bytes make 128 characters, the length of real tokens.
		Token:     randToken(96),
		Kind:      kind,
		AppID:     appid,
		IssuedAt:  now,
		ExpiresAt: now.Add(s.opts.TokenTTL),
	}
	st.tokens[rec.Token] = rec
	st.latest[key] = rec.Token
	st.issued++
	if st.issued >= 1024 || len(st.tokens) > s.opts.Limits.Tokens {
		s.pruneTokens(now)
	}
	s.markDirty()
	return rec
}

// pruneTokens forgets tokens expired for longer than ExpiredTokenRetention, then the oldest tokens while
// there are more than Limits.Tokens. Callers hold s.mu.
func (s *Simulator) pruneTokens(now time.Time) {
	st := s.st
	st.issued = 0
	cutoff := now.Add(-s.opts.ExpiredTokenRetention)
	for t, r := range st.tokens {
		if r.ExpiresAt.Before(cutoff) {
			delete(st.tokens, t)
		}
	}
	// Over the limit, go down to 90% of it, so that pruning stays rare.
	if over := len(st.tokens) - s.opts.Limits.Tokens*9/10; len(st.tokens) > s.opts.Limits.Tokens && over > 0 {
		all := make([]*tokenRec, 0, len(st.tokens))
		for _, r := range st.tokens {
			all = append(all, r)
		}
		slices.SortFunc(all, func(a, b *tokenRec) int {
			if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
				return c
			}
			return a.IssuedAt.Compare(b.IssuedAt)
		})
		for _, r := range all[:over] {
			delete(st.tokens, r.Token)
		}
	}
	for k, t := range st.latest {
		if _, ok := st.tokens[t]; !ok {
			delete(st.latest, k)
		}
	}
	for k, t := range st.stable {
		if _, ok := st.tokens[t]; !ok {
			delete(st.stable, k)
		}
	}
}

func expiresIn(rec *tokenRec, now time.Time) int {
	return int(rec.ExpiresAt.Sub(now).Round(time.Second) / time.Second)
}

func secretsEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// checkCredentials validates grant_type, appid and secret for the own-secret token routes.
func (s *Simulator) checkCredentials(grant, appid, secret string) (*Account, reply, bool) {
	if grant != "client_credential" {
		return nil, fail(40002), false
	}
	if appid == "" {
		return nil, fail(41002), false
	}
	a, ok := s.st.accounts[appid]
	if !ok {
		return nil, fail(40013), false
	}
	if secret == "" {
		return nil, fail(41004), false
	}
	if a.Secret == "" || !secretsEqual(a.Secret, secret) {
		return nil, fail(40125), false
	}
	return a, reply{}, true
}

// GET /cgi-bin/token: a new token on every call; the previous one stays valid TokenGrace.
func (s *Simulator) apiToken(c *call) reply {
	a, rep, ok := s.checkCredentials(c.q.Get("grant_type"), c.q.Get("appid"), c.q.Get("secret"))
	if !ok {
		return rep
	}
	rec := s.issueToken(kindAccess, a.AppID, c.now, true)
	return okReply(map[string]any{"access_token": rec.Token, "expires_in": expiresIn(rec, c.now)})
}

// POST /cgi-bin/stable_token: the same token while it has more than StableRenewBefore left; force_refresh
// issues a new one (20 a day, 30 s apart), the previous one staying valid TokenGrace.
func (s *Simulator) apiStableToken(c *call) reply {
	grant, appid, secret, force := c.str("grant_type"), c.str("appid"), c.str("secret"), c.flag("force_refresh")
	if c.bad != "" {
		return c.badReply()
	}
	a, rep, ok := s.checkCredentials(grant, appid, secret)
	if !ok {
		return rep
	}
	st := s.st
	cur, haveCur := st.tokens[st.stable[a.AppID]]
	if force {
		fr := st.forceRefresh[a.AppID]
		if fr == nil || fr.Day != dayOf(c.now) {
			fr = &forceRec{Day: dayOf(c.now)}
			st.forceRefresh[a.AppID] = fr
		}
		if fr.Count >= s.opts.Quotas.ForceRefreshPerDay {
			return fail(45009, "force_refresh is limited to 20 calls a day")
		}
		if s.opts.ForceRefreshGap > 0 && fr.Count > 0 && c.now.Sub(fr.Last) < s.opts.ForceRefreshGap {
			return fail(45011, "force_refresh calls must be 30s apart")
		}
		fr.Count++
		fr.Last = c.now
		rec := s.issueToken(kindStable, a.AppID, c.now, true)
		st.stable[a.AppID] = rec.Token
		return okReply(map[string]any{"access_token": rec.Token, "expires_in": expiresIn(rec, c.now)})
	}
	if haveCur && cur.ExpiresAt.Sub(c.now) > s.opts.StableRenewBefore {
		return okReply(map[string]any{"access_token": cur.Token, "expires_in": expiresIn(cur, c.now)})
	}
	// Renewed by the platform: the old token keeps its own expiry.
	rec := s.issueToken(kindStable, a.AppID, c.now, false)
	st.stable[a.AppID] = rec.Token
	return okReply(map[string]any{"access_token": rec.Token, "expires_in": expiresIn(rec, c.now)})
}

// ticketState says whether a component_verify_ticket is known and fresh.
func (s *Simulator) ticketState(ticket string, now time.Time) int {
	for _, t := range s.st.tickets {
		if t.Ticket == ticket {
			if now.Sub(t.IssuedAt) >= s.opts.TicketTTL {
				return 61005
			}
			return 0
		}
	}
	return 61006
}

// POST /cgi-bin/component/api_component_token.
func (s *Simulator) apiComponentToken(c *call) reply {
	appid, secret, ticket := c.str("component_appid"), c.str("component_appsecret"), c.str("component_verify_ticket")
	if c.bad != "" {
		return c.badReply()
	}
	comp := s.opts.Component
	if appid == "" {
		return fail(41002)
	}
	if comp == nil || appid != comp.AppID {
		return fail(40013)
	}
	if secret == "" {
		return fail(41004)
	}
	if comp.Secret == "" || !secretsEqual(comp.Secret, secret) {
		return fail(40125)
	}
	if code := s.ticketState(ticket, c.now); code != 0 {
		return fail(code)
	}
	rec := s.issueToken(kindComponent, appid, c.now, true)
	return okReply(map[string]any{"component_access_token": rec.Token, "expires_in": expiresIn(rec, c.now)})
}

// authorizerFor checks the component and the authorizer of a component-token call.
func (s *Simulator) authorizerFor(c *call) (*Account, reply, bool) {
	compAppID, authAppID := c.str("component_appid"), c.str("authorizer_appid")
	if c.bad != "" {
		return nil, c.badReply(), false
	}
	if compAppID == "" || compAppID != c.tok.AppID {
		return nil, fail(40013, "component_appid does not match the component_access_token"), false
	}
	if authAppID == "" {
		return nil, fail(41002, "authorizer_appid missing"), false
	}
	a, ok := s.st.accounts[authAppID]
	if !ok {
		return nil, fail(40013), false
	}
	if a.AuthorizerRefreshToken == "" {
		return nil, fail(61003), false
	}
	return a, reply{}, true
}

// POST /cgi-bin/component/api_authorizer_token.
func (s *Simulator) apiAuthorizerToken(c *call) reply {
	a, rep, ok := s.authorizerFor(c)
	if !ok {
		return rep
	}
	rt := c.str("authorizer_refresh_token")
	if c.bad != "" {
		return c.badReply()
	}
	if rt == "" || !secretsEqual(a.AuthorizerRefreshToken, rt) {
		return fail(61023)
	}
	rec := s.issueToken(kindAuthorizer, a.AppID, c.now, true)
	return okReply(map[string]any{
		"authorizer_access_token":  rec.Token,
		"expires_in":               expiresIn(rec, c.now),
		"authorizer_refresh_token": a.AuthorizerRefreshToken,
	})
}

// allPermissionSets is what an account grants when Account.PermissionSets is empty.
var allPermissionSets = []int{1, 2, 3, 4, 5, 6, 7, 11, 15, 17, 18, 22, 24, 25, 30, 33, 129, 131}

// POST /cgi-bin/component/api_get_authorizer_info.
func (s *Simulator) apiAuthorizerInfo(c *call) reply {
	a, rep, ok := s.authorizerFor(c)
	if !ok {
		return rep
	}
	sets := a.PermissionSets
	if len(sets) == 0 {
		sets = allPermissionSets
	}
	funcInfo := make([]any, 0, len(sets))
	for _, id := range sets {
		funcInfo = append(funcInfo, map[string]any{"funcscope_category": map[string]any{"id": id}})
	}
	serviceType := 0
	if a.Type == OfficialAccount && a.ServiceType != subscriptionService {
		serviceType = 2
	}
	verifyType := -1
	if a.Verification == Verified {
		verifyType = 0
	}
	openPay := 0
	if len(s.st.merchants[a.AppID]) > 0 {
		openPay = 1
	}
	info := map[string]any{
		"nick_name":         a.Nickname,
		"head_img":          a.HeadImgURL,
		"service_type_info": map[string]any{"id": serviceType},
		"verify_type_info":  map[string]any{"id": verifyType},
		"user_name":         a.Username,
		"principal_name":    a.Subject.Name,
		"alias":             "",
		"qrcode_url":        "",
		"account_status":    accountStatusCode(a.Status),
		"business_info": map[string]any{
			"open_pay": openPay, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0,
		},
	}
	if a.Type == MiniProgram {
		info["MiniProgramInfo"] = map[string]any{"network": map[string]any{}, "categories": []any{}, "visit_status": 0}
	}
	return okReply(map[string]any{
		"authorizer_info": info,
		"authorization_info": map[string]any{
			"authorizer_appid":         a.AppID,
			"authorizer_refresh_token": a.AuthorizerRefreshToken,
			"func_info":                funcInfo,
		},
	})
}

func accountStatusCode(st AccountStatus) int {
	switch st {
	case StatusDeregistered:
		return 14
	case StatusBanned:
		return 16
	case StatusWarned:
		return 18
	case StatusFrozen:
		return 19
	default:
		return 1
	}
}

// IssueToken issues an access token for an account without the HTTP round trip, as /cgi-bin/token would.
func (s *Simulator) IssueToken(appid string) (string, error) {
	var tok string
	var err error
	s.withLock(func() {
		if _, ok := s.st.accounts[appid]; !ok {
			err = fmt.Errorf("unknown appid %q", appid)
			return
		}
		tok = s.issueToken(kindAccess, appid, s.now(), true).Token
	})
	return tok, err
}

// ExpireTokens makes every token of an account (all accounts when appid is empty) expire now, so that the
// next call with it gets 42001.
func (s *Simulator) ExpireTokens(appid string) int {
	n := 0
	s.withLock(func() {
		now := s.now()
		for _, r := range s.st.tokens {
			if (appid == "" || r.AppID == appid) && r.ExpiresAt.After(now) {
				r.ExpiresAt = now
				n++
			}
		}
		s.markDirty()
	})
	return n
}

// tokenInfos describes the tokens for a snapshot without revealing them. Callers hold s.mu.
func (s *Simulator) tokenInfos(now time.Time) []TokenInfo {
	out := make([]TokenInfo, 0, len(s.st.tokens))
	for _, r := range s.st.tokens {
		out = append(out, TokenInfo{
			Prefix: r.Token[:min(6, len(r.Token))], Kind: r.Kind, AppID: r.AppID,
			IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt, Expired: !now.Before(r.ExpiresAt),
		})
	}
	slices.SortFunc(out, func(a, b TokenInfo) int {
		if c := a.IssuedAt.Compare(b.IssuedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Prefix, b.Prefix)
	})
	return out
}

var errNoComponent = errors.New("no component is configured")

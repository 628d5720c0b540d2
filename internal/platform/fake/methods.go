// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package fake

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// TokenFor is the access token AccessToken generates for an AppID.
func TokenFor(appID string) platform.Secret { return platform.Secret("fake-token-" + appID) }

// UserStr is the userstr BindTester returns for a WeChat ID.
func UserStr(wechatID string) string { return "userstr-" + wechatID }

// DescribeAccount returns a copy of Accounts[acct.AppID], or errcode 40013 (invalid appid) when absent.
func (p *Platform) DescribeAccount(_ context.Context, acct platform.Account) (*platform.AccountInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodDescribeAccount, acct.AppID, ""); err != nil {
		return nil, err
	}
	info, ok := p.Accounts[acct.AppID]
	if !ok || info == nil {
		return nil, platform.Classify(API(MethodDescribeAccount), 40013, "invalid appid", p.now())
	}
	return copyAccount(info), nil
}

// ListMiniProgramLinks returns a copy of Links[officialAccount.AppID].
func (p *Platform) ListMiniProgramLinks(_ context.Context, officialAccount platform.Account) (
	[]platform.MiniProgramLink, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodListMiniProgramLinks, officialAccount.AppID, ""); err != nil {
		return nil, err
	}
	return slices.Clone(p.Links[officialAccount.AppID]), nil
}

// LinkMiniProgram appends a link in status LinkStatus, with the Mini Program's username, nickname, release
// and payment state from Accounts when it is there, and returns platform.LinkRequested. A Mini Program
// already listed (by AppID, or by its username from Accounts when the listed item has no AppID) is left as
// it is: linked gives platform.LinkAlreadyLinked, waiting for an admin platform.LinkAlreadyPending, as the
// platform's 89015 and 89010 do. A listed rejection (3) or unknown status is replaced, in place, by the new request.
func (p *Platform) LinkMiniProgram(_ context.Context, officialAccount platform.Account, miniProgramAppID string,
	opts platform.LinkOptions) (platform.LinkOutcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodLinkMiniProgram, officialAccount.AppID, miniProgramAppID); err != nil {
		return 0, err
	}
	links := p.Links[officialAccount.AppID]
	i := p.listed(links, miniProgramAppID)
	if i < 0 {
		p.Links[officialAccount.AppID] = append(slices.Clip(links), p.newLink(miniProgramAppID, opts))
		return platform.LinkRequested, nil
	}
	switch st := links[i].Status; {
	case st == platform.LinkLinked:
		return platform.LinkAlreadyLinked, nil
	case st.Occupying():
		return platform.LinkAlreadyPending, nil
	}
	links = slices.Clone(links)
	links[i] = p.newLink(miniProgramAppID, opts)
	p.Links[officialAccount.AppID] = links
	return platform.LinkRequested, nil
}

// listed returns the index of the Mini Program in links, or -1: by AppID, or, for an item without one, by
// the username Accounts gives the Mini Program. The caller holds p.mu.
func (p *Platform) listed(links []platform.MiniProgramLink, appID string) int {
	username := ""
	if info := p.Accounts[appID]; info != nil {
		username = info.Username
	}
	return slices.IndexFunc(links, func(l platform.MiniProgramLink) bool {
		return l.AppID == appID || (l.AppID == "" && username != "" && l.Username == username)
	})
}

func (p *Platform) newLink(appID string, opts platform.LinkOptions) platform.MiniProgramLink {
	l := platform.MiniProgramLink{AppID: appID, Status: p.LinkStatus, ShowOnProfile: opts.ShowOnProfile}
	if l.Status == 0 {
		l.Status = platform.LinkLinked
	}
	if info := p.Accounts[appID]; info != nil {
		l.Username, l.Nickname = info.Username, info.Nickname
		l.Released = info.Released != nil && *info.Released
		l.PaymentEnabled = info.PaymentEnabled != nil && *info.PaymentEnabled
	}
	return l
}

// UnlinkMiniProgram removes the Mini Program from Links[officialAccount.AppID]; absent is not an error.
func (p *Platform) UnlinkMiniProgram(_ context.Context, officialAccount platform.Account,
	miniProgramAppID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodUnlinkMiniProgram, officialAccount.AppID, miniProgramAppID); err != nil {
		return err
	}
	links := slices.DeleteFunc(slices.Clone(p.Links[officialAccount.AppID]),
		func(l platform.MiniProgramLink) bool { return l.AppID == miniProgramAppID })
	if len(links) == 0 {
		delete(p.Links, officialAccount.AppID)
	} else {
		p.Links[officialAccount.AppID] = links
	}
	return nil
}

// GetOpenAccount returns OpenAccounts[acct.AppID]: "" when the account is bound to none.
func (p *Platform) GetOpenAccount(_ context.Context, acct platform.Account) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodGetOpenAccount, acct.AppID, ""); err != nil {
		return "", err
	}
	return p.OpenAccounts[acct.AppID], nil
}

// CreateOpenAccount binds acct to a new Open Platform account, "wxopen1", "wxopen2" and so on, and returns
// it. It does not check whether acct is already bound.
func (p *Platform) CreateOpenAccount(_ context.Context, acct platform.Account) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodCreateOpenAccount, acct.AppID, ""); err != nil {
		return "", err
	}
	p.openSeq++
	open := "wxopen" + strconv.Itoa(p.openSeq)
	p.OpenAccounts[acct.AppID] = open
	return open, nil
}

// BindOpenAccount sets OpenAccounts[acct.AppID] to openAppID, replacing any other binding (the real
// platform answers 89000 then: inject it to test that).
func (p *Platform) BindOpenAccount(_ context.Context, acct platform.Account, openAppID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodBindOpenAccount, acct.AppID, openAppID); err != nil {
		return err
	}
	p.OpenAccounts[acct.AppID] = openAppID
	return nil
}

// UnbindOpenAccount clears acct's binding when it is bound to openAppID. Bound to another account, or to
// none, is left as it is, without an error.
func (p *Platform) UnbindOpenAccount(_ context.Context, acct platform.Account, openAppID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodUnbindOpenAccount, acct.AppID, openAppID); err != nil {
		return err
	}
	if p.OpenAccounts[acct.AppID] == openAppID {
		delete(p.OpenAccounts, acct.AppID)
	}
	return nil
}

// ListTesters returns a copy of Testers[miniProgram.AppID].
func (p *Platform) ListTesters(_ context.Context, miniProgram platform.Account) ([]platform.Tester, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodListTesters, miniProgram.AppID, ""); err != nil {
		return nil, err
	}
	return slices.Clone(p.Testers[miniProgram.AppID]), nil
}

// BindTester adds the tester UserStr(wechatID) unless it is already there, and returns its userstr.
func (p *Platform) BindTester(_ context.Context, miniProgram platform.Account, wechatID string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodBindTester, miniProgram.AppID, wechatID); err != nil {
		return "", err
	}
	t := platform.Tester{UserStr: UserStr(wechatID)}
	if ts := p.Testers[miniProgram.AppID]; !slices.Contains(ts, t) {
		p.Testers[miniProgram.AppID] = append(slices.Clip(ts), t)
	}
	return t.UserStr, nil
}

// UnbindTester removes the tester tester.UserStr names, or, without one, the tester UserStr(tester.WeChatID)
// (the userstr BindTester gives that WeChat ID); absent is not an error. Call.Target is the userstr when set,
// else the WeChat ID.
func (p *Platform) UnbindTester(_ context.Context, miniProgram platform.Account, tester platform.TesterRef) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	userStr, target := tester.UserStr, tester.UserStr
	if userStr == "" {
		userStr, target = UserStr(tester.WeChatID), tester.WeChatID
	}
	if err := p.begin(MethodUnbindTester, miniProgram.AppID, target); err != nil {
		return err
	}
	ts := slices.DeleteFunc(slices.Clone(p.Testers[miniProgram.AppID]),
		func(t platform.Tester) bool { return t.UserStr == userStr })
	if len(ts) == 0 {
		delete(p.Testers, miniProgram.AppID)
	} else {
		p.Testers[miniProgram.AppID] = ts
	}
	return nil
}

// AccessToken returns Tokens[acct.AppID] when set; otherwise TokenFor(acct.AppID), expiring TokenTTL from
// Now and due for refresh min(5 minutes, TokenTTL/10) before that, as the real client schedules it.
func (p *Platform) AccessToken(_ context.Context, acct platform.Account) (platform.AccessToken, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(MethodAccessToken, acct.AppID, ""); err != nil {
		return platform.AccessToken{}, err
	}
	if tok, ok := p.Tokens[acct.AppID]; ok {
		return tok, nil
	}
	ttl := p.TokenTTL
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	exp := p.now().Add(ttl)
	return platform.AccessToken{Value: TokenFor(acct.AppID), ExpiresAt: exp,
		RefreshAt: exp.Add(-min(5*time.Minute, ttl/10))}, nil
}

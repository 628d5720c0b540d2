// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package fake is an in-process fake of platform.Platform, in the style of karpenter's fake cloud provider,
// for fast unit tests of one reconcile phase: no HTTP server, no access tokens on the wire, no clock to wait
// for. A test seeds the state it needs (accounts, links, Open Platform bindings, testers, tokens), runs the
// phase against the fake, then asserts on the resulting state and on the calls the phase made (Calls,
// CallsTo, Count). Fail, FailAlways and Heal inject the same typed *platform.Error values the real client
// returns (build them with Errcode, ErrcodeFor or NetworkError), so that error handling and condition
// reasons can be tested without the platform's rules behind them.
//
// The fake is deliberately tiny and predictable. It enforces none of the platform's rules: no quotas
// (Mini Program links, testers, Open Platform accounts), no subject or verification checks, no admin
// confirmations, no token expiry or rotation. Those belong to the simulator (internal/platform/sim), and the
// envtest suites and the contract tests that run the real client against the simulator remain the
// integration tests. When a test needs one of those rules to bite, it injects the errcode instead.
//
// A Platform is safe for concurrent use. Its exported state fields may be set directly while no call is in
// flight (typically right after New); while calls may run, use SetAccount or Update.
package fake

import (
	"slices"
	"sync"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Method names, one per method of platform.Platform, for Call.Method and for Fail, FailAlways, Heal,
// CallsTo and Count.
const (
	MethodDescribeAccount      = "DescribeAccount"
	MethodListMiniProgramLinks = "ListMiniProgramLinks"
	MethodLinkMiniProgram      = "LinkMiniProgram"
	MethodUnlinkMiniProgram    = "UnlinkMiniProgram"
	MethodGetOpenAccount       = "GetOpenAccount"
	MethodCreateOpenAccount    = "CreateOpenAccount"
	MethodBindOpenAccount      = "BindOpenAccount"
	MethodUnbindOpenAccount    = "UnbindOpenAccount"
	MethodListTesters          = "ListTesters"
	MethodBindTester           = "BindTester"
	MethodUnbindTester         = "UnbindTester"
	MethodAccessToken          = "AccessToken"
	MethodGetStorePartner      = "GetStorePartner"
	MethodListStorePartners    = "ListStorePartners"
	MethodInviteStorePartner   = "InviteStorePartner"
	MethodCancelStoreInvite    = "CancelStoreInvitation"
	MethodUnbindStorePartner   = "UnbindStorePartner"
)

// DefaultTokenTTL is the lifetime of a generated access token when Platform.TokenTTL is zero: the
// platform's 7200 seconds.
const DefaultTokenTTL = 2 * time.Hour

// Call is one recorded call of a Platform method.
type Call struct {
	// Method is one of the Method constants.
	Method string
	// AppID is the account the call was made as (the Official Account for the link methods).
	AppID string
	// Target is what the call acted on: the Mini Program AppID (LinkMiniProgram, UnlinkMiniProgram), the
	// Open Platform AppID (BindOpenAccount, UnbindOpenAccount), the WeChat ID (BindTester) or the userstr,
	// else the WeChat ID (UnbindTester); "" for the other methods.
	Target string
}

// Platform is the fake. The zero value works, but New is the usual way to get one.
type Platform struct {
	mu sync.Mutex

	// Accounts are what DescribeAccount returns, by AppID. An AppID not here gives errcode 40013.
	Accounts map[string]*platform.AccountInfo
	// Links are each Official Account's Mini Program links, by the Official Account's AppID.
	Links map[string][]platform.MiniProgramLink
	// OpenAccounts is the Open Platform AppID each account is bound to, by the account's AppID.
	OpenAccounts map[string]string
	// Testers are each Mini Program's testers, by the Mini Program's AppID.
	Testers map[string][]platform.Tester
	// Tokens, when they hold an AppID, are what AccessToken returns for it; otherwise AccessToken returns
	// TokenFor(AppID) with a schedule from Now and TokenTTL.
	Tokens map[string]platform.AccessToken
	// Partners are each WeChat Store's partner records, by the store's AppID.
	Partners map[string][]platform.StorePartner
	// InviteAwaitsScan makes InviteStorePartner behave as the WeChat Store docs say: it generates the QR
	// code and creates or changes no record (the store's admin scans it to send the invitation).
	InviteAwaitsScan bool

	// LinkStatus is the status LinkMiniProgram gives a new link; zero means platform.LinkLinked.
	LinkStatus platform.LinkStatus
	// TokenTTL is the lifetime of a generated access token; zero means DefaultTokenTTL.
	TokenTTL time.Duration
	// Now is the fake's clock; nil means time.Now.
	Now func() time.Time

	calls   []Call
	once    map[string][]error
	always  map[string]error
	openSeq int
}

var _ platform.Platform = (*Platform)(nil)

// New returns an empty Platform: no accounts, links, bindings or testers; new links are linked.
func New() *Platform {
	p := &Platform{LinkStatus: platform.LinkLinked}
	p.initMaps()
	return p
}

func (p *Platform) initMaps() {
	if p.Accounts == nil {
		p.Accounts = map[string]*platform.AccountInfo{}
	}
	if p.Links == nil {
		p.Links = map[string][]platform.MiniProgramLink{}
	}
	if p.OpenAccounts == nil {
		p.OpenAccounts = map[string]string{}
	}
	if p.Testers == nil {
		p.Testers = map[string][]platform.Tester{}
	}
	if p.Tokens == nil {
		p.Tokens = map[string]platform.AccessToken{}
	}
	if p.Partners == nil {
		p.Partners = map[string][]platform.StorePartner{}
	}
}

// SetAccount stores a copy of info under info.AppID, for DescribeAccount.
func (p *Platform) SetAccount(info platform.AccountInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.initMaps()
	p.Accounts[info.AppID] = copyAccount(&info)
}

// Update runs fn with the fake locked, so that a test can read or change the exported state while calls may
// be running. fn must not call the fake's methods.
func (p *Platform) Update(fn func(p *Platform)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.initMaps()
	fn(p)
}

// Calls returns a copy of every call recorded since New or the last Reset, in order.
func (p *Platform) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// CallsTo returns the recorded calls of one method, in order.
func (p *Platform) CallsTo(method string) []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Call
	for _, c := range p.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Count returns how many calls of one method were recorded.
func (p *Platform) Count(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// Reset forgets the recorded calls. State and injected failures stay.
func (p *Platform) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
}

// Fail makes the next call of method return err, before any state change. Fail called n times queues n
// failures, returned in order by the next n calls. They take precedence over FailAlways.
func (p *Platform) Fail(method string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.once == nil {
		p.once = map[string][]error{}
	}
	p.once[method] = append(p.once[method], err)
}

// FailAlways makes every call of method return err, before any state change, until Heal(method).
func (p *Platform) FailAlways(method string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.always == nil {
		p.always = map[string]error{}
	}
	p.always[method] = err
}

// Heal removes every failure injected for method, queued (Fail) or persistent (FailAlways).
func (p *Platform) Heal(method string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.once, method)
	delete(p.always, method)
}

// begin records a call and returns the failure injected for it, if any. The caller holds p.mu.
func (p *Platform) begin(method, appID, target string) error {
	p.initMaps()
	p.calls = append(p.calls, Call{Method: method, AppID: appID, Target: target})
	if q := p.once[method]; len(q) > 0 {
		err := q[0]
		if len(q) == 1 {
			delete(p.once, method)
		} else {
			p.once[method] = q[1:]
		}
		return err
	}
	return p.always[method]
}

func (p *Platform) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func copyAccount(in *platform.AccountInfo) *platform.AccountInfo {
	out := *in
	if in.Released != nil {
		v := *in.Released
		out.Released = &v
	}
	if in.PaymentEnabled != nil {
		v := *in.PaymentEnabled
		out.PaymentEnabled = &v
	}
	return &out
}

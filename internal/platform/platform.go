// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package platform is the narrow interface between wxlink's controllers and the WeChat platform. Controllers
// never speak HTTP: they call Platform, get typed results and typed errors (errors.go), and turn them into
// status conditions. One real thing sits behind it: internal/platform/wechat, the HTTP client for
// https://api.weixin.qq.com (and any server that speaks its API, such as wechatsim); the integration tests
// run that same client against the simulator in internal/platform/sim. internal/platform/fake, an
// in-process fake that records calls, serves the unit tests of one reconcile phase.
//
// Where the platform has no API and a step happens in a console, nothing here pretends otherwise: the
// controllers say who must act, where, and the exact steps, in a status condition.
package platform

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxlink/wxlink-operator/internal/rules"
)

// Secret is a credential (an AppSecret or an authorizer refresh token). It never prints: fmt, %v, %#v, JSON
// and logr all see "[redacted]". Use Reveal to send it to the platform.
type Secret string

// Redacted is what a Secret prints as.
const Redacted = "[redacted]"

// String implements fmt.Stringer.
func (Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer, for %#v.
func (Secret) GoString() string { return Redacted }

// MarshalJSON keeps a Secret out of JSON (and so out of structured logs).
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalLog implements logr.Marshaler.
func (Secret) MarshalLog() any { return Redacted }

// Reveal returns the secret's value, for the one place that sends it to the platform.
func (s Secret) Reveal() string { return string(s) }

// Account names an account and the credential that authenticates as it: its AppSecret on the OwnSecret
// route, or the authorizer refresh token it granted the third-party platform on the ThirdPartyPlatform route.
type Account struct {
	AppID      string
	Credential Secret
}

// AccountType is the kind of account the platform reports.
type AccountType string

// Account types.
const (
	AccountSubscription AccountType = "Subscription" // 订阅号
	AccountService      AccountType = "Service"      // 服务号
	AccountMiniProgram  AccountType = "MiniProgram"
	AccountUnknown      AccountType = "Unknown"
)

// AccountInfo is what the platform says about an account.
type AccountInfo struct {
	AppID string
	Type  AccountType
	// Username is the original ID (原始ID, gh_…).
	Username string
	Nickname string
	Subject  rules.Subject
	// Verification is derived from the platform's verification fields.
	Verification rules.VerificationState
	// Released is true when a Mini Program has a released version (nil when unknown or not a Mini Program).
	Released *bool
	// PaymentEnabled says whether WeChat Pay is open on the account (a merchant is bound); nil when the
	// route cannot tell (getaccountbasicinfo, the own-secret route, has no such field).
	PaymentEnabled *bool
}

// LinkStatus is wxamplinkget's status of an Official Account's association with a Mini Program.
type LinkStatus int

// Link statuses, as the platform numbers them. Any other value (a 4 has been seen in the wild) is unknown
// and means "not linked".
const (
	LinkLinked                       LinkStatus = 1
	LinkAwaitingMiniProgramAdmin     LinkStatus = 2
	LinkRejected                     LinkStatus = 3
	LinkAwaitingOfficialAccountAdmin LinkStatus = 12
)

// CodeUnlinkPending is wxampunlink's "unlink message has sent": the Official Account's admin must confirm.
const CodeUnlinkPending = 89018

// Known reports whether the status is one the platform documents.
func (s LinkStatus) Known() bool {
	switch s {
	case LinkLinked, LinkAwaitingMiniProgramAdmin, LinkRejected, LinkAwaitingOfficialAccountAdmin:
		return true
	}
	return false
}

// Occupying reports whether a link in this status holds a quota slot: linked or waiting for an admin.
func (s LinkStatus) Occupying() bool {
	return s == LinkLinked || s == LinkAwaitingMiniProgramAdmin || s == LinkAwaitingOfficialAccountAdmin
}

// MiniProgramLink is one Mini Program associated with an Official Account, as wxamplinkget lists it.
type MiniProgramLink struct {
	// AppID of the Mini Program. Older responses lack it; Username is then the only identity.
	AppID    string
	Username string
	Nickname string
	Status   LinkStatus
	// ShowOnProfile is the platform's "selected": shown on the Official Account's page.
	ShowOnProfile  bool
	Released       bool
	PaymentEnabled bool
}

// LinkOptions are the options of a new Official Account to Mini Program association.
type LinkOptions struct {
	NotifyFollowers bool
	ShowOnProfile   bool
}

// LinkOutcome says what a LinkMiniProgram call that the platform did not refuse did.
type LinkOutcome int

// Link outcomes.
const (
	// LinkRequested: a new association was requested: it counts against both owners' monthly allowance.
	LinkRequested LinkOutcome = iota + 1
	// LinkAlreadyLinked: the Mini Program is already linked (89015); nothing was requested or counted.
	LinkAlreadyLinked
	// LinkAlreadyPending: an invitation is already waiting for an admin (89010); nothing was requested or
	// counted.
	LinkAlreadyPending
)

// String names the outcome.
func (o LinkOutcome) String() string {
	switch o {
	case LinkRequested:
		return "Requested"
	case LinkAlreadyLinked:
		return "AlreadyLinked"
	case LinkAlreadyPending:
		return "AlreadyPending"
	}
	return "Unknown"
}

// TesterRef names a tester to unbind: by userstr when it is known, else by WeChat ID (unbind_tester accepts
// either). wxlink may have lost a userstr (85004 can come without one), so the WeChat ID is the fallback.
type TesterRef struct {
	WeChatID string
	UserStr  string
}

// Tester is a Mini Program tester (体验者) as the platform lists it: by userstr, an opaque per-Mini-Program ID.
// The platform never returns WeChat IDs, so the caller keeps the WeChat ID → userstr map BindTester returns.
type Tester struct {
	UserStr string
}

// Platform is everything wxlink's controllers ask of the WeChat platform.
type Platform interface {
	// DescribeAccount reads an account's type, subject, verification and release state.
	DescribeAccount(ctx context.Context, acct Account) (*AccountInfo, error)

	// ListMiniProgramLinks lists every Mini Program associated with, or pending with, an Official Account,
	// including those made by hand in the console. One call serves every link of that Official Account.
	ListMiniProgramLinks(ctx context.Context, officialAccount Account) ([]MiniProgramLink, error)
	// LinkMiniProgram asks the platform to associate a Mini Program and says whether that requested a new
	// association (LinkRequested, which counts against both owners' monthly allowance) or found one already
	// there: "already linked" (89015, LinkAlreadyLinked) and "invitation already sent" (89010,
	// LinkAlreadyPending) are outcomes, not errors. The outcome is meaningful only when the error is nil.
	LinkMiniProgram(ctx context.Context, officialAccount Account, miniProgramAppID string, opts LinkOptions) (LinkOutcome, error)
	// UnlinkMiniProgram removes an association. A link that is not there is not an error.
	UnlinkMiniProgram(ctx context.Context, officialAccount Account, miniProgramAppID string) error

	// GetOpenAccount returns the Open Platform account an account is bound to, or "" when it is bound to none.
	GetOpenAccount(ctx context.Context, acct Account) (string, error)
	// CreateOpenAccount creates an Open Platform account through acct and binds acct to it. A request the
	// platform applied without an answer still returns the account it created.
	CreateOpenAccount(ctx context.Context, acct Account) (string, error)
	// BindOpenAccount binds acct to an Open Platform account. Already bound to that one is not an error.
	BindOpenAccount(ctx context.Context, acct Account, openAppID string) error
	// UnbindOpenAccount unbinds acct. Only Open Platform accounts created by API can be unbound by API.
	UnbindOpenAccount(ctx context.Context, acct Account, openAppID string) error

	// ListTesters lists a Mini Program's testers.
	ListTesters(ctx context.Context, miniProgram Account) ([]Tester, error)
	// BindTester binds a tester by WeChat ID and returns the tester's userstr.
	BindTester(ctx context.Context, miniProgram Account, wechatID string) (string, error)
	// UnbindTester unbinds a tester by tester.UserStr when set, else by tester.WeChatID. Someone who is not a
	// tester is not an error; a WeChat ID that does not exist is (85001).
	UnbindTester(ctx context.Context, miniProgram Account, tester TesterRef) error

	// AccessToken returns the account's current access token from the client's central refresher (中控),
	// renewed when it is due, so that wxlink can publish it to the user's own workloads.
	AccessToken(ctx context.Context, acct Account) (AccessToken, error)

	// GetStorePartner reads a WeChat Store's partner record of one account (cooperation/invitation/get);
	// found is false when the store and the account have no record (788191008).
	GetStorePartner(ctx context.Context, store Account, sharer StoreSharer) (partner StorePartner, found bool, err error)
	// ListStorePartners lists a WeChat Store's partner records of one sharer type (cooperation/list).
	ListStorePartners(ctx context.Context, store Account, sharerType int) ([]StorePartner, error)
	// InviteStorePartner invites an account as the store's partner (cooperation/invitation/qrcode/generate)
	// and returns the invitation's QR code, base64 as the platform gives it. The partner's admin accepts by
	// hand. An invitation already waiting, or a partner already bound, is 788191005 (CodeInvalidTransition).
	InviteStorePartner(ctx context.Context, store Account, sharer StoreSharer) (qrCodeBase64 string, err error)
	// CancelStoreInvitation cancels an invitation that waits for the partner (cooperation/invitation/cancel).
	CancelStoreInvitation(ctx context.Context, store Account, sharer StoreSharer) error
	// UnbindStorePartner unbinds a bound partner (cooperation/unbind).
	UnbindStorePartner(ctx context.Context, store Account, sharer StoreSharer) error
}

// AccessToken is an account's access token and its schedule.
type AccessToken struct {
	Value Secret
	// ExpiresAt is when the platform stops accepting the token.
	ExpiresAt time.Time
	// RefreshAt is when the refresher next renews it, ahead of ExpiresAt. After a failed renewal it is the
	// time of the next attempt (the token stays in use until ExpiresAt).
	RefreshAt time.Time
}

// Truncate cuts s to at most n bytes, at a rune boundary: a message of Chinese text is never cut inside a
// character (which would write invalid UTF-8 into status, Events or logs).
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Scrub replaces every occurrence of each non-empty secret in s with Redacted: a platform's answer that
// echoes what was sent never carries it into status, Events or logs.
func Scrub(s string, secrets ...Secret) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, string(sec), Redacted)
		}
	}
	return s
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"log/slog"
	"net/http"
	"time"
)

// The platform's numbers. Each is one constant here; Options.Quotas can override them for a run.
const (
	SameSubjectLinkQuota      = 10  // Mini Programs of the same subject per Official Account (89016)
	DifferentSubjectLinkQuota = 3   // Mini Programs of another subject per Official Account (89407 / 89017)
	MiniProgramLinkLimit      = 500 // Official Accounts linking one Mini Program (89009)
	OfficialAccountMonthly    = 13  // link operations per Official Account per calendar month (89030)
	MiniProgramMonthly        = 500 // link operations per Mini Program per calendar month (89030)
	OpenMaxMembers            = 100 // accounts per Open Platform account (89004)
	OpenUnverifiedMembers     = 5   // accounts per unverified, API-created Open Platform account
	TestersIndividual         = 10  // testers of an Individual-subject Mini Program (85002)
	TestersUnverifiedOrg      = 20  // testers of an unverified organisation's Mini Program
	TestersVerifiedOrg        = 40  // testers of a verified organisation's Mini Program
	TesterPerWeChatID         = 50  // Mini Programs one WeChat ID may test (85003); the real figure is not published
	ForceRefreshPerDay        = 20  // stable_token force_refresh calls per account per day (45009)

	DefaultTokenTTL        = 7200 * time.Second
	DefaultTokenGrace      = 5 * time.Minute
	DefaultTicketTTL       = 12 * time.Hour
	DefaultTicketInterval  = 10 * time.Minute
	DefaultMaxBodyBytes    = 1 << 20
	DefaultForceRefreshGap = 30 * time.Second
)

// Quotas are the platform limits the simulator enforces. A zero field takes the constant of the same meaning.
type Quotas struct {
	SameSubjectLinks      int `json:"sameSubjectLinks,omitempty"`
	DifferentSubjectLinks int `json:"differentSubjectLinks,omitempty"`
	MiniProgramLinks      int `json:"miniProgramLinks,omitempty"`
	OfficialAccountMonth  int `json:"officialAccountMonth,omitempty"`
	MiniProgramMonth      int `json:"miniProgramMonth,omitempty"`
	OpenMembers           int `json:"openMembers,omitempty"`
	OpenUnverifiedMembers int `json:"openUnverifiedMembers,omitempty"`
	TestersIndividual     int `json:"testersIndividual,omitempty"`
	TestersUnverifiedOrg  int `json:"testersUnverifiedOrg,omitempty"`
	TestersVerifiedOrg    int `json:"testersVerifiedOrg,omitempty"`
	TesterPerWeChatID     int `json:"testerPerWeChatID,omitempty"`
	ForceRefreshPerDay    int `json:"forceRefreshPerDay,omitempty"`
}

// Limits bound the simulator's memory. A zero field takes the default in parentheses.
type Limits struct {
	Accounts     int // (100000)
	Links        int // (1000000)
	Tokens       int // (200000) live plus recently expired tokens; the oldest are pruned first
	OpenAccounts int // (100000)
	Cooperations int // (100000)
	Faults       int // (1000)
	UnknownIDs   int // (100000)
	Tickets      int // (256)
}

// Component configures the third-party platform (第三方平台) the simulator plays WeChat for.
type Component struct {
	AppID  string `json:"appid"`
	Secret string `json:"-"`
	// Token is the message-check token (消息校验Token) used in the push signatures.
	Token string `json:"-"`
	// EncodingAESKey is the 43-character message key (消息加解密Key).
	EncodingAESKey string `json:"-"`
	// CallbackURL receives component_verify_ticket pushes (授权事件接收URL). Empty: tickets are issued but
	// not pushed (read them from PushTicket or the state dump).
	CallbackURL string `json:"callbackURL,omitempty"`
}

// Options configure a Simulator. The zero value is usable.
type Options struct {
	// Clock is the simulator's time source (default time.Now). The admin clock offset is added to it.
	Clock func() time.Time
	// Logger receives one line per request (path, errcode, duration; never query strings, bodies, secrets or
	// tokens). Default: discard.
	Logger *slog.Logger

	TokenTTL time.Duration // lifetime of every token (default 7200s)
	// TokenGrace is how long the previous token stays valid after /cgi-bin/token (or a force_refresh, or a
	// component or authorizer token call) issues a new one (default 5m).
	TokenGrace time.Duration
	// StableRenewBefore: stable_token issues a fresh token when the current one has less than this left
	// (default: the smaller of TokenGrace and TokenTTL/24, i.e. 5 minutes of 7200 s).
	StableRenewBefore time.Duration
	// ForceRefreshGap is the minimum time between two stable_token force_refresh calls of one account
	// (default 30s; negative disables). A call inside the gap gets 45011.
	ForceRefreshGap time.Duration
	// ExpiredTokenRetention: expired tokens are remembered (and answer 42001) this long, then pruned and
	// answer 40001 (default 24h).
	ExpiredTokenRetention time.Duration

	// Component is the third-party platform; nil disables the component endpoints' success path.
	Component *Component
	// TicketTTL is how long a component_verify_ticket is valid (default 12h).
	TicketTTL time.Duration
	// TicketInterval is how often tickets are pushed in the background (default 10m; negative disables the
	// background pusher; PushTicket still works). The first push happens at once.
	TicketInterval time.Duration
	// PushClient sends the ticket pushes (default: a client with a 10s timeout).
	PushClient *http.Client

	// DifferentSubjectErrcode is returned for the 4th different-subject link: 89407 (default) or 89017
	// (older responses), or 1005 as the community reports.
	DifferentSubjectErrcode int
	// UnlinkNeedsConfirm makes wxampunlink wait for the Official Account admin (ConfirmUnlink); a repeated
	// call while pending gets 89018. Default: unlink takes effect at once.
	UnlinkNeedsConfirm bool
	// InviteNeedsScan makes cooperation/invitation/qrcode/generate behave as the WeChat Store docs say: it
	// returns the QR code and creates or changes no record; the store's admin scanning it (the admin action
	// "scan") sends the invitation (status 4). Default: generating is the invitation.
	InviteNeedsScan bool
	// OmitLinkAppID drops `appid` from wxamplinkget items, as older responses did (clients must then match on
	// `username`).
	OmitLinkAppID bool

	Quotas Quotas
	Limits Limits
	// MaxBodyBytes bounds request bodies (default 1 MiB); larger bodies get errcode 47001.
	MaxBodyBytes int64

	// StateFile, when set, is loaded at start and rewritten atomically (temp file + rename) after mutations,
	// at most every PersistDelay (default 100ms), and on Close.
	StateFile    string
	PersistDelay time.Duration

	// AdminToken, when set, must be sent as "Authorization: Bearer <token>" to every /sim/ route.
	AdminToken string
	// FaultSeed seeds the random source of fault probabilities (0: random).
	FaultSeed uint64
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.TokenTTL, DefaultTokenTTL)
	def(&o.TokenGrace, DefaultTokenGrace)
	// 5 minutes of 7200 s by default; scaled down when tests shorten the TTL.
	def(&o.StableRenewBefore, min(o.TokenGrace, o.TokenTTL/24))
	def(&o.ForceRefreshGap, DefaultForceRefreshGap)
	def(&o.ExpiredTokenRetention, 24*time.Hour)
	def(&o.TicketTTL, DefaultTicketTTL)
	def(&o.TicketInterval, DefaultTicketInterval)
	def(&o.PersistDelay, 100*time.Millisecond)
	if o.PushClient == nil {
		o.PushClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.DifferentSubjectErrcode == 0 {
		o.DifferentSubjectErrcode = 89407
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	q := &o.Quotas
	defi := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defi(&q.SameSubjectLinks, SameSubjectLinkQuota)
	defi(&q.DifferentSubjectLinks, DifferentSubjectLinkQuota)
	defi(&q.MiniProgramLinks, MiniProgramLinkLimit)
	defi(&q.OfficialAccountMonth, OfficialAccountMonthly)
	defi(&q.MiniProgramMonth, MiniProgramMonthly)
	defi(&q.OpenMembers, OpenMaxMembers)
	defi(&q.OpenUnverifiedMembers, OpenUnverifiedMembers)
	defi(&q.TestersIndividual, TestersIndividual)
	defi(&q.TestersUnverifiedOrg, TestersUnverifiedOrg)
	defi(&q.TestersVerifiedOrg, TestersVerifiedOrg)
	defi(&q.TesterPerWeChatID, TesterPerWeChatID)
	defi(&q.ForceRefreshPerDay, ForceRefreshPerDay)
	l := &o.Limits
	defi(&l.Accounts, 100000)
	defi(&l.Links, 1000000)
	defi(&l.Tokens, 200000)
	defi(&l.OpenAccounts, 100000)
	defi(&l.Cooperations, 100000)
	defi(&l.Faults, 1000)
	defi(&l.UnknownIDs, 100000)
	defi(&l.Tickets, 256)
}

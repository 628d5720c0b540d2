// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package contract_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
)

// tokenTTL is the simulator's token lifetime in the suite: short, so that expiry is easy to reach.
const tokenTTL = 2 * time.Minute

// defaultStart is the suite's starting time: Monday 2 March 2026, 10:00 UTC (18:00 in Beijing).
var defaultStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// beijing is UTC+8, computed here rather than taken from the client or the simulator.
var beijing = time.FixedZone("UTC+8", 8*3600)

// The simulator's API paths.
const (
	pStable       = "/cgi-bin/stable_token"
	pComponent    = "/cgi-bin/component/api_component_token"
	pAuthorizer   = "/cgi-bin/component/api_authorizer_token"
	pAuthInfo     = "/cgi-bin/component/api_get_authorizer_info"
	pBasicInfo    = "/cgi-bin/account/getaccountbasicinfo"
	pLinkGet      = "/cgi-bin/wxopen/wxamplinkget"
	pLink         = "/cgi-bin/wxopen/wxamplink"
	pUnlink       = "/cgi-bin/wxopen/wxampunlink"
	pOpenCreate   = "/cgi-bin/open/create"
	pOpenGet      = "/cgi-bin/open/get"
	pOpenBind     = "/cgi-bin/open/bind"
	pOpenUnbind   = "/cgi-bin/open/unbind"
	pBindTester   = "/wxa/bind_tester"
	pUnbindTester = "/wxa/unbind_tester"
	apiLinkLabel  = "cgi-bin/wxopen/wxamplink"
)

var routes = []wechat.RouteKind{wechat.RouteOwnSecret, wechat.RouteThirdPartyPlatform}

// forEachRouteAndListing runs f once per credential route and wxamplinkget shape: items with appid, and
// items without it (sim.Options.OmitLinkAppID, as older responses were), as subtests.
func forEachRouteAndListing(t *testing.T, f func(t *testing.T, route wechat.RouteKind, opts ...envOption)) {
	t.Helper()
	forEachRoute(t, func(t *testing.T, route wechat.RouteKind) {
		for _, omit := range []bool{false, true} {
			name := "WithAppID"
			if omit {
				name = "OmitLinkAppID"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f(t, route, withSimOptions(func(o *sim.Options) { o.OmitLinkAppID = omit }))
			})
		}
	})
}

// forEachRoute runs f once per credential route, as subtests named after the route.
func forEachRoute(t *testing.T, f func(t *testing.T, route wechat.RouteKind)) {
	t.Helper()
	for _, r := range routes {
		t.Run(string(r), func(t *testing.T) {
			t.Parallel()
			f(t, r)
		})
	}
}

// --- clock ---

// fakeClock is the one clock the client, the simulator and the ticket handler share. Sleep advances it at
// once and records the wait, so that backoff and rate limiting cost no wall time.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// Slept returns the waits since the last ResetSlept.
func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}

func (c *fakeClock) ResetSlept() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = nil
}

// --- secrets, logs and errors ---

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// leakWatch collects every secret the suite knows of (seeded, configured, or observed on the wire) and every
// text that must not contain one: the client's and the ticket handler's log lines, the simulator's log
// lines, and every error the client returned.
type leakWatch struct {
	mu      sync.Mutex
	secrets map[string]string // value -> what it is
	errs    []string

	clientLog syncBuffer
	simLog    syncBuffer
}

func newLeakWatch() *leakWatch { return &leakWatch{secrets: map[string]string{}} }

func (w *leakWatch) addSecret(what, value string) {
	if value == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.secrets[value]; !ok {
		w.secrets[value] = what
	}
}

func (w *leakWatch) recordErr(err error) {
	if err == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs = append(w.errs, err.Error(), fmt.Sprintf("%#v", err), fmt.Sprintf("%+v", err))
}

func (w *leakWatch) errorTexts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.errs)
}

func (w *leakWatch) secretCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.secrets)
}

// logger is a logr.Logger at high verbosity writing into buf.
func logger(buf *syncBuffer) logr.Logger {
	return funcr.New(func(prefix, args string) {
		_, _ = fmt.Fprintf(buf, "%s %s\n", prefix, args)
	}, funcr.Options{Verbosity: 10})
}

// findLeaks reports, for each text, every known secret it contains (as is or URL-escaped).
func findLeaks(texts map[string]string, secrets map[string]string) []string {
	var out []string
	for src, text := range texts {
		for value, what := range secrets {
			if len(value) < 8 {
				continue
			}
			forms := []string{value}
			if q := url.QueryEscape(value); q != value {
				forms = append(forms, q)
			}
			for _, f := range forms {
				if i := strings.Index(text, f); i >= 0 {
					lineStart := strings.LastIndexByte(text[:i], '\n') + 1
					lineEnd := strings.IndexByte(text[i:], '\n')
					if lineEnd < 0 {
						lineEnd = len(text) - i
					}
					out = append(out, fmt.Sprintf("%s contains %s (%.6s…): %q", src, what, value,
						text[lineStart:i+lineEnd]))
					break
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// check fails t when any log line or error holds a secret.
func (w *leakWatch) check(t *testing.T) {
	t.Helper()
	texts := map[string]string{
		"client/ticket-handler log": w.clientLog.String(),
		"simulator log":             w.simLog.String(),
	}
	for i, e := range w.errorTexts() {
		texts[fmt.Sprintf("error #%d", i)] = e
	}
	w.mu.Lock()
	secrets := make(map[string]string, len(w.secrets))
	for k, v := range w.secrets {
		secrets[k] = v
	}
	w.mu.Unlock()
	for _, l := range findLeaks(texts, secrets) {
		t.Errorf("secret leaked: %s", l)
	}
}

// recordingTransport learns every token the platform hands out (the component_access_token included, which
// OnToken does not report) so that the leak check knows what to look for. It changes nothing on the wire.
type recordingTransport struct {
	base  *http.Transport
	watch *leakWatch
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, rerr
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"access_token", "component_access_token", "authorizer_access_token", "authorizer_refresh_token"} {
			if s, ok := m[k].(string); ok {
				rt.watch.addSecret(k+" (seen on the wire)", s)
			}
		}
		if info, ok := m["authorization_info"].(map[string]any); ok {
			if s, ok := info["authorizer_refresh_token"].(string); ok {
				rt.watch.addSecret("authorizer_refresh_token (seen on the wire)", s)
			}
		}
	}
	return resp, nil
}

// --- tokens the client reports ---

type tokenEvent struct {
	appID     string
	token     string
	expiresAt time.Time
}

type tokenLog struct {
	mu      sync.Mutex
	events  []tokenEvent
	rotated []string
}

func (l *tokenLog) forApp(appID string) []tokenEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []tokenEvent
	for _, e := range l.events {
		if e.appID == appID {
			out = append(out, e)
		}
	}
	return out
}

func (l *tokenLog) last(t *testing.T, appID string) tokenEvent {
	t.Helper()
	ev := l.forApp(appID)
	if len(ev) == 0 {
		t.Fatalf("OnToken was never called for %s", appID)
	}
	return ev[len(ev)-1]
}

// --- component_verify_ticket ---

// ticketStore is the in-memory sink of the client's ticket handler and the TicketSource of its client.
type ticketStore struct {
	mu     sync.Mutex
	ticket platform.Secret
	at     time.Time
	n      int
}

func (s *ticketStore) sink(_ context.Context, ticket platform.Secret, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ticket, s.at = ticket, at
	s.n++
	return nil
}

func (s *ticketStore) source(context.Context) (platform.Secret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ticket, nil
}

func (s *ticketStore) get() (platform.Secret, time.Time, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ticket, s.at, s.n
}

// component is a third-party platform's configuration.
type component struct {
	appID, secret, token, aesKey string
}

func newComponent() component {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return component{
		appID:  "wxcomponent" + randHex(4),
		secret: "componentsecret" + randHex(16),
		token:  "callbacktoken" + randHex(12),
		aesKey: strings.TrimSuffix(base64.StdEncoding.EncodeToString(key), "="),
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- the environment: one simulator, one client, one clock ---

type envConfig struct {
	start   time.Time
	retry   wechat.RetryPolicy
	timeout time.Duration
	simOpts func(*sim.Options)
}

type envOption func(*envConfig)

func withStart(t time.Time) envOption               { return func(c *envConfig) { c.start = t } }
func withRetry(p wechat.RetryPolicy) envOption      { return func(c *envConfig) { c.retry = p } }
func withTimeout(d time.Duration) envOption         { return func(c *envConfig) { c.timeout = d } }
func withSimOptions(f func(*sim.Options)) envOption { return func(c *envConfig) { c.simOpts = f } }

// fastRetry is the suite's retry policy: the client's default shape with tiny delays (on the fake clock).
var fastRetry = wechat.RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second}

type env struct {
	t       *testing.T
	route   wechat.RouteKind
	omitIDs bool // the simulator leaves appid out of wxamplinkget items
	clk     *fakeClock
	srv     *sim.Server
	client  *wechat.Client
	p       platform.Platform // the client, with every error recorded for the leak check
	reg     *prometheus.Registry
	tokens  *tokenLog
	watch   *leakWatch
	tickets *ticketStore // ThirdPartyPlatform only
	comp    component    // ThirdPartyPlatform only
}

// newEnv starts a simulator on 127.0.0.1 and a client pointed at it, sharing one fake clock. On the
// third-party route it also serves the client's ticket handler on 127.0.0.1, makes the simulator push a
// ticket to it, and gives the client a TicketSource reading what the handler stored. Every env checks at
// the end of its test that no secret reached a log line or an error.
func newEnv(t *testing.T, route wechat.RouteKind, opts ...envOption) *env {
	t.Helper()
	cfg := envConfig{start: defaultStart, retry: fastRetry, timeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	e := &env{t: t, route: route, clk: &fakeClock{t: cfg.start}, reg: prometheus.NewRegistry(),
		tokens: &tokenLog{}, watch: newLeakWatch()}
	t.Cleanup(func() { e.watch.check(t) }) // registered first: runs last, after everything has shut down

	clientLog := logger(&e.watch.clientLog)
	simOpts := sim.Options{
		Clock:          e.clk.Now,
		TokenTTL:       tokenTTL,
		TicketInterval: -1,
		FaultSeed:      1,
		Logger:         slog.New(slog.NewTextHandler(&e.watch.simLog, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	wroute := wechat.Route{Kind: route}
	if route == wechat.RouteThirdPartyPlatform {
		e.comp = newComponent()
		e.tickets = &ticketStore{}
		for what, v := range map[string]string{"component secret": e.comp.secret, "callback token": e.comp.token,
			"EncodingAESKey": e.comp.aesKey} {
			e.watch.addSecret(what, v)
		}
		h := wechat.NewTicketHandler(wechat.TicketHandlerConfig{
			Token:          platform.Secret(e.comp.token),
			EncodingAESKey: platform.Secret(e.comp.aesKey),
			ComponentAppID: e.comp.appID,
			Sink:           e.tickets.sink,
			Clock:          e.clk.Now,
			Logger:         clientLog.WithName("ticket-handler"),
		})
		ts := httptest.NewServer(h) // 127.0.0.1
		t.Cleanup(ts.Close)
		simOpts.Component = &sim.Component{AppID: e.comp.appID, Secret: e.comp.secret, Token: e.comp.token,
			EncodingAESKey: e.comp.aesKey, CallbackURL: ts.URL + "/wechat/component/events"}
		wroute = wechat.Route{Kind: route, ComponentAppID: e.comp.appID,
			ComponentSecret: platform.Secret(e.comp.secret), Tickets: wechat.TicketSourceFunc(e.tickets.source)}
	}
	if cfg.simOpts != nil {
		cfg.simOpts(&simOpts)
	}
	e.omitIDs = simOpts.OmitLinkAppID
	srv, err := sim.Start(simOpts)
	if err != nil {
		t.Fatalf("sim.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the simulator: %v", err)
		}
	})
	e.srv = srv
	if route == wechat.RouteThirdPartyPlatform {
		e.pushTicket()
	}

	transport := &recordingTransport{base: http.DefaultTransport.(*http.Transport).Clone(), watch: e.watch}
	t.Cleanup(transport.base.CloseIdleConnections)
	c, err := wechat.New(wechat.Config{
		BaseURL:    srv.URL,
		Timeout:    cfg.timeout,
		QPS:        1000,
		Burst:      1000,
		Retry:      cfg.retry,
		Route:      wroute,
		Clock:      e.clk.Now,
		Sleep:      e.clk.Sleep,
		Logger:     clientLog.WithName("wechat"),
		Registerer: e.reg,
		HTTPClient: &http.Client{Transport: transport},
		OnToken: func(appID string, token platform.Secret, expiresAt, _ time.Time) {
			e.watch.addSecret("access token of "+appID+" (OnToken)", token.Reveal())
			e.tokens.mu.Lock()
			defer e.tokens.mu.Unlock()
			e.tokens.events = append(e.tokens.events, tokenEvent{appID: appID, token: token.Reveal(), expiresAt: expiresAt})
		},
		OnAuthorizerRefreshToken: func(appID string, _ []platform.Secret, token platform.Secret) {
			e.watch.addSecret("rotated refresh token of "+appID, token.Reveal())
			e.tokens.mu.Lock()
			defer e.tokens.mu.Unlock()
			e.tokens.rotated = append(e.tokens.rotated, appID)
		},
	})
	if err != nil {
		t.Fatalf("wechat.New: %v", err)
	}
	e.client = c
	e.p = observed{p: c, w: e.watch}
	return e
}

// pushTicket makes the simulator push a fresh component_verify_ticket to the client's handler and checks
// that the handler stored exactly that ticket.
func (e *env) pushTicket() {
	e.t.Helper()
	res, err := e.srv.PushTicket(context.Background())
	if err != nil {
		e.t.Fatalf("PushTicket: %v (%+v)", err, res)
	}
	e.watch.addSecret("component_verify_ticket", res.Ticket)
	if !res.Pushed || res.HTTPStatus != http.StatusOK {
		e.t.Fatalf("the ticket handler did not accept the push: %+v", res)
	}
	got, _, _ := e.tickets.get()
	if got.Reveal() != res.Ticket {
		e.t.Fatalf("the ticket handler stored %.12q…, the simulator pushed %.12q…", got.Reveal(), res.Ticket)
	}
}

// seed registers accounts with the simulator, giving each a random AppSecret and authorizer refresh token
// unless set, and returns the platform.Accounts that authenticate as them on the env's route.
func (e *env) seed(accts ...sim.Account) []platform.Account {
	e.t.Helper()
	for i := range accts {
		a := &accts[i]
		if a.Secret == "" {
			a.Secret = "appsecret" + randHex(16)
		}
		if a.AuthorizerRefreshToken == "" {
			a.AuthorizerRefreshToken = "refreshtoken@@@" + randHex(20)
		}
		e.watch.addSecret("AppSecret of "+a.AppID, a.Secret)
		e.watch.addSecret("authorizer refresh token of "+a.AppID, a.AuthorizerRefreshToken)
	}
	if err := e.srv.Seed(accts...); err != nil {
		e.t.Fatalf("Seed: %v", err)
	}
	out := make([]platform.Account, len(accts))
	for i, a := range accts {
		out[i] = e.account(a)
	}
	return out
}

func (e *env) account(a sim.Account) platform.Account {
	if e.route == wechat.RouteThirdPartyPlatform {
		return platform.Account{AppID: a.AppID, Credential: platform.Secret(a.AuthorizerRefreshToken)}
	}
	return platform.Account{AppID: a.AppID, Credential: platform.Secret(a.Secret)}
}

// tokenPath is the endpoint that issues an account's access token on the env's route.
func (e *env) tokenPath() string {
	if e.route == wechat.RouteThirdPartyPlatform {
		return pAuthorizer
	}
	return pStable
}

// calls is how many requests the simulator received on path (faulted ones included).
func (e *env) calls(path string) int { return e.srv.Calls()[path] }

// answered is how many requests on path the simulator answered with errcode code.
func (e *env) answered(path string, code int) int { return e.srv.CallStats()[path].ByErrcode[code] }

func (e *env) inject(f sim.Fault) string {
	e.t.Helper()
	id, err := e.srv.InjectFault(f)
	if err != nil {
		e.t.Fatalf("InjectFault(%+v): %v", f, err)
	}
	return id
}

// links lists the Official Account's links through the client and indexes them by AppID, or, when the
// simulator omits appids, by username (see key). Without appids it checks that every item has a username
// and no AppID: what a client sees of an older response.
func (e *env) links(oa platform.Account) map[string]platform.MiniProgramLink {
	e.t.Helper()
	ls, err := e.p.ListMiniProgramLinks(context.Background(), oa)
	if err != nil {
		e.t.Fatalf("ListMiniProgramLinks(%s): %v", oa.AppID, err)
	}
	out := make(map[string]platform.MiniProgramLink, len(ls))
	for _, l := range ls {
		k := l.AppID
		if e.omitIDs {
			if l.AppID != "" || l.Username == "" {
				e.t.Errorf("without appids an item lists AppID %q, username %q; want no AppID, a username", l.AppID, l.Username)
			}
			k = l.Username
		}
		if _, dup := out[k]; dup {
			e.t.Errorf("ListMiniProgramLinks(%s) lists %s twice", oa.AppID, k)
		}
		out[k] = l
	}
	return out
}

// key is the index of a Mini Program in links: its AppID, or its username when the simulator omits appids.
func (e *env) key(mpAppID string) string {
	e.t.Helper()
	if !e.omitIDs {
		return mpAppID
	}
	a, ok := e.srv.Account(mpAppID)
	if !ok {
		e.t.Fatalf("the simulator has no account %s", mpAppID)
	}
	return a.Username
}

// listedAppID is the AppID a client sees on a listed item: none when the simulator omits appids.
func (e *env) listedAppID(mpAppID string) string {
	if e.omitIDs {
		return ""
	}
	return mpAppID
}

// --- accounts ---

var (
	acme   = sim.Subject{Name: "ACME Technology Co., Ltd.", Type: sim.Enterprise, ID: "91310000ACME00001X"}
	globex = sim.Subject{Name: "Globex Media Group", Type: sim.Media, ID: "91110000GLOBEX002Y"}
)

func officialAccount(appID string, s sim.Subject) sim.Account {
	v := sim.Verified
	if s.Type == sim.Individual {
		v = sim.Unverified
	}
	return sim.Account{AppID: appID, Type: sim.OfficialAccount, Subject: s, Verification: v}
}

func miniProgram(appID string, s sim.Subject) sim.Account {
	v := sim.Verified
	if s.Type == sim.Individual {
		v = sim.Unverified
	}
	return sim.Account{AppID: appID, Type: sim.MiniProgram, Subject: s, Verification: v}
}

// --- errors ---

// wantErr checks that err is a *platform.Error with the class, reason and errcode given.
func wantErr(t *testing.T, err error, class platform.Class, reason string, code int) *platform.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s %s (errcode %d)", class, reason, code)
	}
	pe, ok := platform.As(err)
	if !ok {
		t.Fatalf("error %q (%T) is not a *platform.Error", err, err)
	}
	if pe.Class != class || pe.Reason != reason || pe.Code != code {
		t.Fatalf("error = %s/%s/errcode %d (%v), want %s/%s/errcode %d", pe.Class, pe.Reason, pe.Code, err,
			class, reason, code)
	}
	return pe
}

// errOf drops a LinkMiniProgram outcome, for the checks that look at the error only.
func errOf(_ platform.LinkOutcome, err error) error { return err }

// nextBeijingMidnight is the start of the next calendar day in Beijing time.
func nextBeijingMidnight(now time.Time) time.Time {
	b := now.In(beijing)
	return time.Date(b.Year(), b.Month(), b.Day()+1, 0, 0, 0, 0, beijing)
}

// observed is the client with every error it returns recorded for the leak check.
type observed struct {
	p platform.Platform
	w *leakWatch
}

var _ platform.Platform = observed{}

func (o observed) DescribeAccount(ctx context.Context, a platform.Account) (*platform.AccountInfo, error) {
	r, err := o.p.DescribeAccount(ctx, a)
	o.w.recordErr(err)
	return r, err
}

func (o observed) ListMiniProgramLinks(ctx context.Context, a platform.Account) ([]platform.MiniProgramLink, error) {
	r, err := o.p.ListMiniProgramLinks(ctx, a)
	o.w.recordErr(err)
	return r, err
}

func (o observed) LinkMiniProgram(ctx context.Context, a platform.Account, mp string, opts platform.LinkOptions) (
	platform.LinkOutcome, error) {
	r, err := o.p.LinkMiniProgram(ctx, a, mp, opts)
	o.w.recordErr(err)
	return r, err
}

func (o observed) UnlinkMiniProgram(ctx context.Context, a platform.Account, mp string) error {
	err := o.p.UnlinkMiniProgram(ctx, a, mp)
	o.w.recordErr(err)
	return err
}

func (o observed) GetOpenAccount(ctx context.Context, a platform.Account) (string, error) {
	r, err := o.p.GetOpenAccount(ctx, a)
	o.w.recordErr(err)
	return r, err
}

func (o observed) CreateOpenAccount(ctx context.Context, a platform.Account) (string, error) {
	r, err := o.p.CreateOpenAccount(ctx, a)
	o.w.recordErr(err)
	return r, err
}

func (o observed) BindOpenAccount(ctx context.Context, a platform.Account, open string) error {
	err := o.p.BindOpenAccount(ctx, a, open)
	o.w.recordErr(err)
	return err
}

func (o observed) UnbindOpenAccount(ctx context.Context, a platform.Account, open string) error {
	err := o.p.UnbindOpenAccount(ctx, a, open)
	o.w.recordErr(err)
	return err
}

func (o observed) AccessToken(ctx context.Context, a platform.Account) (platform.AccessToken, error) {
	r, err := o.p.AccessToken(ctx, a)
	o.w.recordErr(err)
	return r, err
}

func (o observed) ListTesters(ctx context.Context, a platform.Account) ([]platform.Tester, error) {
	r, err := o.p.ListTesters(ctx, a)
	o.w.recordErr(err)
	return r, err
}

func (o observed) BindTester(ctx context.Context, a platform.Account, id string) (string, error) {
	r, err := o.p.BindTester(ctx, a, id)
	o.w.recordErr(err)
	return r, err
}

func (o observed) UnbindTester(ctx context.Context, a platform.Account, ref platform.TesterRef) error {
	err := o.p.UnbindTester(ctx, a, ref)
	o.w.recordErr(err)
	return err
}

func (o observed) GetStorePartner(ctx context.Context, a platform.Account, s platform.StoreSharer) (platform.StorePartner, bool, error) {
	r, found, err := o.p.GetStorePartner(ctx, a, s)
	o.w.recordErr(err)
	return r, found, err
}

func (o observed) ListStorePartners(ctx context.Context, a platform.Account, typ int) ([]platform.StorePartner, error) {
	r, err := o.p.ListStorePartners(ctx, a, typ)
	o.w.recordErr(err)
	return r, err
}

func (o observed) InviteStorePartner(ctx context.Context, a platform.Account, s platform.StoreSharer) (string, error) {
	r, err := o.p.InviteStorePartner(ctx, a, s)
	o.w.recordErr(err)
	return r, err
}

func (o observed) CancelStoreInvitation(ctx context.Context, a platform.Account, s platform.StoreSharer) error {
	err := o.p.CancelStoreInvitation(ctx, a, s)
	o.w.recordErr(err)
	return err
}

func (o observed) UnbindStorePartner(ctx context.Context, a platform.Account, s platform.StoreSharer) error {
	err := o.p.UnbindStorePartner(ctx, a, s)
	o.w.recordErr(err)
	return err
}

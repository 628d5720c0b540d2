// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package stores

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/time/rate"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Provider is a store platform.
type Provider string

// Providers.
const (
	Youzan  Provider = "Youzan"
	Weimob  Provider = "Weimob"
	Weidian Provider = "Weidian"
)

// ExpiryUnit says how a token's expiry field is read.
type ExpiryUnit string

// Expiry units.
const (
	// ExpiryAuto: the provider's default reading (Youzan an epoch, milliseconds or seconds by size; Weimob and
	// Weidian seconds to live).
	ExpiryAuto              ExpiryUnit = "Auto"
	ExpiryEpochMilliseconds ExpiryUnit = "EpochMilliseconds"
	ExpiryEpochSeconds      ExpiryUnit = "EpochSeconds"
	ExpirySecondsToLive     ExpiryUnit = "SecondsToLive"
)

// Credentials are a self-use app's credentials and the shop it acts for.
type Credentials struct {
	ClientID     string
	ClientSecret platform.Secret
	// ShopID is Youzan's kdt_id (grant_id) or Weimob's shop_id; Weidian sends none.
	ShopID string
	// ShopType is Weimob's optional shop_type.
	ShopType string
	// Refresh asks Youzan for a new token (refresh=true) rather than the valid one it may answer again.
	Refresh bool
}

// Token is a store access token and its lifetime.
type Token struct {
	Value      platform.Secret
	ObtainedAt time.Time
	ExpiresAt  time.Time
}

// RefreshAt is when the token is renewed: at 80% of its lifetime, ahead of expiry (divided first: a
// lifetime near the Duration's limit does not overflow).
func (t Token) RefreshAt() time.Time {
	return t.ObtainedAt.Add(t.ExpiresAt.Sub(t.ObtainedAt) / 5 * 4)
}

// Shop is what the health check says about the shop.
type Shop struct {
	ID   string
	Name string
}

// Config configures a Client. Empty fields take the provider's defaults (Defaults).
type Config struct {
	Provider   Provider
	BaseURL    string
	TokenPath  string
	HealthPath string
	ExpiryUnit ExpiryUnit
	// RefreshOnRenewal sends Youzan's refresh=true when a token is renewed (Renew): the Youzan docs say that
	// refresh=false with a valid token answers the same token (unverified). Without it, refresh=true is sent
	// only when the answer is the same token.
	RefreshOnRenewal bool
	// QPS and Burst limit the client's calls (0: 5/s, burst 10).
	QPS   float64
	Burst int
	// Timeout bounds one call (0: 10 s).
	Timeout    time.Duration
	HTTPClient *http.Client
	Clock      func() time.Time
}

// Defaults are each provider's endpoint and paths (shared/store-platforms.md).
var Defaults = map[Provider]Config{
	Youzan:  {BaseURL: "https://open.youzanyun.com", TokenPath: "/auth/token", HealthPath: "/api/youzan.shop.get/3.0.0"},
	Weimob:  {BaseURL: "https://dopen.weimob.com", TokenPath: "/fuwu/b/oauth2/token", HealthPath: "/apigw/bos/v2.0/info/get"},
	Weidian: {BaseURL: "https://api.vdian.com", TokenPath: "/token", HealthPath: "/api"},
}

// codec is one provider's request shapes and envelopes.
type codec interface {
	tokenRequest(cfg Config, c Credentials) (method, path string, query url.Values, body []byte)
	decodeToken(body []byte, now time.Time, unit ExpiryUnit) (Token, *platform.Error)
	healthRequest(cfg Config, token platform.Secret) (method, path string, query url.Values, body []byte)
	decodeHealth(body []byte) (Shop, *platform.Error)
}

// Client calls one store platform.
type Client struct {
	cfg     Config
	codec   codec
	limiter *rate.Limiter
}

// New returns the client of cfg.Provider.
func New(cfg Config) (*Client, error) {
	d, ok := Defaults[cfg.Provider]
	if !ok {
		return nil, fmt.Errorf("unknown store provider %q", cfg.Provider)
	}
	cfg.BaseURL = cmp.Or(cfg.BaseURL, d.BaseURL)
	cfg.TokenPath = cmp.Or(cfg.TokenPath, d.TokenPath)
	cfg.HealthPath = cmp.Or(cfg.HealthPath, d.HealthPath)
	if cfg.ExpiryUnit == "" {
		cfg.ExpiryUnit = ExpiryAuto
	}
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 5, 10
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		hc = &cp
	}
	// A redirect would resend the body (client_secret) or the query (access_token) to wherever it points,
	// past --allowed-store-endpoints: never follow one.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cfg.HTTPClient = hc
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	codecs := map[Provider]codec{Youzan: youzan{}, Weimob: weimob{}, Weidian: weidian{}}
	return &Client{cfg: cfg, codec: codecs[cfg.Provider], limiter: rate.NewLimiter(rate.Limit(cfg.QPS), max(cfg.Burst, 1))}, nil
}

// Config is the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// Token obtains a new access token with the app's credentials.
func (c *Client) Token(ctx context.Context, cr Credentials) (Token, error) {
	if cr.ClientID == "" || cr.ClientSecret == "" {
		return Token{}, &platform.Error{API: c.api(c.cfg.TokenPath), Msg: "the store app has no client ID or secret",
			Class: platform.ClassTerminal, Reason: platform.ReasonInvalidCredentials}
	}
	method, path, q, body := c.codec.tokenRequest(c.cfg, cr)
	data, err := c.do(ctx, method, path, q, body, cr.ClientSecret)
	if err != nil {
		return Token{}, scrubbed(err, cr.ClientSecret)
	}
	tok, perr := c.codec.decodeToken(data, c.cfg.Clock(), c.cfg.ExpiryUnit)
	if perr != nil {
		perr.API = c.api(path)
		return Token{}, scrubbed(perr, cr.ClientSecret, tok.Value)
	}
	return tok, nil
}

// Renew obtains a token to replace old, at its refresh instant. A platform that answers with old again (the
// same value and expiry: Youzan with refresh=false and a valid token) is asked once more with refresh=true;
// if it still answers old, the renewal failed (retryable) and old keeps its schedule: a schedule recomputed
// from now would shrink towards the expiry with nothing newer.
func (c *Client) Renew(ctx context.Context, cr Credentials, old Token) (Token, error) {
	cr.Refresh = cr.Refresh || c.cfg.RefreshOnRenewal
	tok, err := c.Token(ctx, cr)
	if err == nil && tok.sameAs(old) && !cr.Refresh {
		cr.Refresh = true
		tok, err = c.Token(ctx, cr)
	}
	if err != nil {
		return old, err
	}
	if tok.sameAs(old) {
		return old, &platform.Error{API: c.api(c.cfg.TokenPath), Class: platform.ClassRetryable, Reason: platform.ReasonServerError,
			Msg: fmt.Sprintf("renewal answered the current token again (same value, expiring %s), even when asked for a "+
				"new one (refresh=true)", old.ExpiresAt.UTC().Format(time.RFC3339))}
	}
	return tok, nil
}

// sameAs reports whether t is old answered again: the same value, expiring within a second of it.
func (t Token) sameAs(old Token) bool {
	d := t.ExpiresAt.Sub(old.ExpiresAt)
	return old.Value != "" && t.Value == old.Value && d < time.Second && d > -time.Second
}

// Health makes the provider's cheap authenticated call with token.
func (c *Client) Health(ctx context.Context, token platform.Secret) (Shop, error) {
	method, path, q, body := c.codec.healthRequest(c.cfg, token)
	data, err := c.do(ctx, method, path, q, body, token)
	if pe, ok := platform.As(err); ok && (pe.HTTPStatus == http.StatusUnauthorized || pe.HTTPStatus == http.StatusForbidden) {
		// The token was refused: renewed at once and the call made again, as for a platform's token errcode.
		pe.Class, pe.Reason = platform.ClassAuth, platform.ReasonTokenInvalid
	}
	if err != nil {
		return Shop{}, scrubbed(err, token)
	}
	shop, perr := c.codec.decodeHealth(data)
	if perr != nil {
		perr.API = c.api(path)
		return Shop{}, scrubbed(perr, token)
	}
	return shop, nil
}

func (c *Client) api(path string) string { return string(c.cfg.Provider) + " " + path }

// do makes one call. Its errors name the call only: the query and the body carry the secret or the token.
// An answer's body that reaches an error is scrubbed of secrets (what was sent) before it is cut.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, secrets ...platform.Secret) ([]byte, error) {
	api := c.api(path)
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, platform.NetworkError(api, "rate limit wait: "+err.Error())
	}
	u := c.cfg.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &platform.Error{API: api, Msg: "cannot build the request", Class: platform.ClassTerminal, Reason: platform.ReasonBadRequest}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, platform.NetworkError(api, netCause(err))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, platform.NetworkError(api, netCause(err))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(api, resp.StatusCode, platform.Scrub(string(data), secrets...))
	}
	return data, nil
}

// scrubbed removes the secrets sent with a call from its error's message (a platform may echo them).
func scrubbed(err error, secrets ...platform.Secret) error {
	if pe, ok := platform.As(err); ok {
		pe.Msg = platform.Scrub(pe.Msg, secrets...)
		return pe
	}
	return err
}

// netCause is a network error without the request URL (url.Error prints it, with its query).
func netCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// httpError is a non-200 answer: 5xx and 429 retryable; 400, 401 and 403 invalid credentials (Weimob's token
// call answers so, with no documented body); anything else terminal.
func httpError(api string, status int, body string) *platform.Error {
	e := platform.HTTPError(api, status)
	if status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden {
		e.Reason = platform.ReasonInvalidCredentials
		e.Msg = fmt.Sprintf("HTTP %d: %s", status, platform.Truncate(body, 200))
	}
	return e
}

// maxLifetime is the longest token lifetime wxlink believes: an expiry further away is a misread unit.
const maxLifetime = 365 * 24 * time.Hour

// youzanTTLBelow: under Auto, a Youzan expires below it (in 2001 as epoch seconds) is seconds to live.
const youzanTTLBelow = 1e9

// expiry reads an expiry value in unit; auto is the provider's reading for ExpiryAuto ("": Youzan's, an epoch
// in milliseconds or seconds by size, or seconds to live below 1e9). An expiry at or before now, or more
// than a year away, is malformed: the unit is misread, and the message says how to set it.
func expiry(v int64, now time.Time, unit, auto ExpiryUnit) (time.Time, *platform.Error) {
	read := unit
	if read == ExpiryAuto {
		read = auto
	}
	var at time.Time
	switch read {
	case ExpiryEpochMilliseconds:
		at = time.UnixMilli(v).UTC()
	case ExpiryEpochSeconds:
		at = time.Unix(v, 0).UTC()
	case ExpirySecondsToLive:
		at = now.Add(time.Duration(min(v, int64(maxLifetime/time.Second)+1)) * time.Second).UTC()
	default:
		if v > 0 && v < youzanTTLBelow {
			read, at = ExpirySecondsToLive, now.Add(time.Duration(v)*time.Second).UTC()
		} else {
			at = platform.EpochTime(v)
		}
	}
	if !at.After(now) || at.Sub(now) > maxLifetime {
		return time.Time{}, &platform.Error{Class: platform.ClassRetryable, Reason: platform.ReasonServerError,
			Msg: fmt.Sprintf("malformed response: the token's expiry %d read as %s (spec.api.expiryUnit %s) is %s, not "+
				"within a year from now: set spec.api.expiryUnit to the unit the platform uses (EpochMilliseconds, "+
				"EpochSeconds or SecondsToLive)", v, readName(read, v), unit, at.Format(time.RFC3339))}
	}
	return at, nil
}

// readName names how an Auto reading read v.
func readName(read ExpiryUnit, v int64) ExpiryUnit {
	switch {
	case read != "":
		return read
	case v > 1e11:
		return ExpiryEpochMilliseconds
	}
	return ExpiryEpochSeconds
}

// classified builds the error of a platform code from a provider's table; a code not in the table is
// retryable (it counts towards the failing streak rather than stopping at once).
func classified(code int, msg string, table map[int]struct {
	class  platform.Class
	reason string
	fix    string
}) *platform.Error {
	e := &platform.Error{Code: code, Msg: msg, Class: platform.ClassRetryable, Reason: platform.ReasonUnknownError}
	if t, ok := table[code]; ok {
		e.Class, e.Reason = t.class, t.reason
		if t.fix != "" {
			e.Msg = msg + "; " + t.fix
		}
	}
	return e
}

func malformed(err error) *platform.Error {
	return &platform.Error{Msg: "malformed response: " + platform.Truncate(err.Error(), 120), Class: platform.ClassRetryable,
		Reason: platform.ReasonServerError}
}

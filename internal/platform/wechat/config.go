// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// DefaultBaseURL is the real platform.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Defaults of Config.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultQPS          = 100
	DefaultBurst        = 200
	DefaultAccountQPS   = 10
	DefaultAccountBurst = 30
	DefaultMaxAttempts  = 4
	DefaultBaseDelay    = 250 * time.Millisecond
	DefaultMaxDelay     = 8 * time.Second
)

// RouteKind says how the client authenticates as an account.
type RouteKind string

// Routes.
const (
	// RouteOwnSecret: each Account's Credential is its AppSecret; tokens come from /cgi-bin/stable_token.
	RouteOwnSecret RouteKind = "OwnSecret"
	// RouteThirdPartyPlatform: each Account's Credential is the authorizer refresh token it granted the
	// third-party platform; tokens come from api_component_token and api_authorizer_token.
	RouteThirdPartyPlatform RouteKind = "ThirdPartyPlatform"
)

// TicketSource gives the latest component_verify_ticket the platform pushed (see NewTicketHandler). The
// platform pushes one every 10 minutes and each is valid 12 hours: when a push is missed, return the last.
type TicketSource interface {
	VerifyTicket(ctx context.Context) (platform.Secret, error)
}

// TicketSourceFunc adapts a function to TicketSource.
type TicketSourceFunc func(ctx context.Context) (platform.Secret, error)

// VerifyTicket implements TicketSource.
func (f TicketSourceFunc) VerifyTicket(ctx context.Context) (platform.Secret, error) { return f(ctx) }

// Route is the credentials route.
type Route struct {
	Kind RouteKind
	// ComponentAppID, ComponentSecret and Tickets are required on the ThirdPartyPlatform route.
	ComponentAppID  string
	ComponentSecret platform.Secret
	Tickets         TicketSource
}

// RetryPolicy bounds the retries of ClassRetryable errors (-1, 45011, HTTP 5xx and 429, network failures,
// malformed bodies). Other classes are never retried here: Auth errors get the token broker's one refresh,
// Terminal and Pending errors go straight back to the caller.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included. Default 4; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the first backoff; each next one doubles, with jitter (a uniform draw from [d/2, d]).
	// Default 250 ms.
	BaseDelay time.Duration
	// MaxDelay caps one backoff. An error with a RetryAfter (45011 waits for the next minute, an HTTP 429
	// or 503 may send a Retry-After header) waits that long instead of the backoff; one whose RetryAfter is
	// longer than MaxDelay (45009 waits for the next day), or would pass the caller's deadline, is returned at
	// once, for the caller to requeue. Default 8 s.
	MaxDelay time.Duration
}

// Config configures a Client. Only BaseURL (or nothing, for the real platform) and Route are needed.
type Config struct {
	// BaseURL is https://api.weixin.qq.com or a server that speaks its API, such as http://127.0.0.1:PORT.
	BaseURL string
	// Timeout bounds one HTTP request. Default 10 s.
	Timeout time.Duration
	// QPS and Burst size the client-side token bucket that every request of this Client (token requests
	// included) passes: the budget of the whole PlatformConfig. Defaults 100 and 200.
	QPS   float64
	Burst int
	// AccountQPS and AccountBurst size a second bucket per account, which every request that spends that
	// account's quota passes: the platform's limits are per account (each API's daily quota, 45009, and
	// per-minute limits, 45011), so one account's burst must not take another's turn, and a fleet of many
	// accounts must not wait behind one small bucket. Defaults 10 and 30: an account whose ten links are
	// applied at once makes them without waiting.
	AccountQPS   float64
	AccountBurst int
	Retry        RetryPolicy
	Route        Route
	// MaxClockSkew bounds how far the platform's clock (a response's Date header) may be from Clock for the
	// client to believe it: a 45009 waits until the platform's next midnight in Beijing when its Date is
	// within MaxClockSkew, until the client's own otherwise (a Date a year off, or a proxy's, must not make it
	// ask again within seconds). It is also the window, at most 30 minutes, after that midnight in which
	// another 45009 is taken for skew and rechecked after 2 minutes rather than a day. Default 10 minutes; a
	// simulator whose clock is set hours off on purpose needs more.
	MaxClockSkew time.Duration

	// Clock is the time source (tests inject one). Default time.Now.
	Clock func() time.Time
	// Sleep waits d or until ctx is done (tests inject one that advances their clock). It serves the
	// rate limiter and the retry backoff. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger gets one V(1) line per request: api, errcode, attempt, duration. Never a URL, body or token.
	Logger logr.Logger
	// Registerer gets the client's metrics. Default: controller-runtime's metrics.Registry.
	Registerer prometheus.Registerer
	// HTTPClient, when set, is used for requests (its Timeout is left alone; Config.Timeout applies per
	// request through the context). Redirects are never followed.
	HTTPClient *http.Client

	// OnToken is called after each access token the client obtains for an account (own or authorizer),
	// so that a controller can publish it to a Secret the user names. refreshAt is when the client will
	// refresh it, on the first call for that account from then on: whoever publishes the token must make
	// a call then, or the published token expires. Called outside the client's locks; it must not block
	// for long.
	OnToken func(appID string, token platform.Secret, expiresAt, refreshAt time.Time)
	// OnAuthorizerRefreshToken is called when api_authorizer_token (or api_get_authorizer_info) returns a
	// refresh token different from the one the client used: the controller must persist it, in place of one
	// of the tokens it replaces (the Credential the caller gave, and the one the client used, when a
	// rotation before was not persisted) only, so that a token a person put there meanwhile is not
	// overwritten. The client keeps using the new one for that account until the caller passes it as the
	// Credential.
	OnAuthorizerRefreshToken func(appID string, replaced []platform.Secret, token platform.Secret)
}

func (cfg *Config) setDefaults() {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.QPS == 0 {
		cfg.QPS = DefaultQPS
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.AccountQPS == 0 {
		cfg.AccountQPS = DefaultAccountQPS
	}
	if cfg.AccountBurst == 0 {
		cfg.AccountBurst = DefaultAccountBurst
	}
	if cfg.Retry.MaxAttempts == 0 {
		cfg.Retry.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Retry.BaseDelay == 0 {
		cfg.Retry.BaseDelay = DefaultBaseDelay
	}
	if cfg.Retry.MaxDelay == 0 {
		cfg.Retry.MaxDelay = DefaultMaxDelay
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.Route.Kind == "" {
		cfg.Route.Kind = RouteOwnSecret
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
}

func (cfg *Config) validate() (*url.URL, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("wechat: BaseURL is not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("wechat: BaseURL must be http(s)://host[:port][/path] with no query, fragment or user info")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	var errs []error
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("wechat config: Timeout must not be negative"))
	}
	if cfg.QPS < 0 || cfg.Burst < 0 || cfg.AccountQPS < 0 || cfg.AccountBurst < 0 {
		errs = append(errs, fmt.Errorf("wechat config: QPS, Burst, AccountQPS and AccountBurst must not be negative"))
	}
	if cfg.Retry.MaxAttempts < 0 || cfg.Retry.BaseDelay < 0 || cfg.Retry.MaxDelay < 0 {
		errs = append(errs, fmt.Errorf("retry policy values must not be negative"))
	}
	if cfg.MaxClockSkew < 0 {
		errs = append(errs, fmt.Errorf("wechat config: MaxClockSkew must not be negative"))
	}
	switch cfg.Route.Kind {
	case RouteOwnSecret:
	case RouteThirdPartyPlatform:
		if cfg.Route.ComponentAppID == "" {
			errs = append(errs, fmt.Errorf("the ThirdPartyPlatform route needs ComponentAppID"))
		}
		if cfg.Route.ComponentSecret == "" {
			errs = append(errs, fmt.Errorf("the ThirdPartyPlatform route needs ComponentSecret"))
		}
		if cfg.Route.Tickets == nil {
			errs = append(errs, fmt.Errorf("the ThirdPartyPlatform route needs a TicketSource"))
		}
	default:
		errs = append(errs, fmt.Errorf("unknown route %q", cfg.Route.Kind))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("wechat: invalid config: %w", err)
	}
	return u, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// The token broker (中控): one refresher per AppID and credential for every caller of a Client.
//
//   - Tokens are cached by (kind, AppID, hash of the credential), so a rotated AppSecret or refresh token
//     gets a token of its own and the old entry simply ages out.
//   - A token is refreshed ahead of expiry, when less than min(5 min, 10% of its TTL) remains. When a
//     refresh fails while the cached token is still valid, the cached token is used and the next attempt
//     waits half the time left, between 5 s and 30 s, so a failing token endpoint is not asked on every call.
//   - Refreshes are single-flight: N concurrent callers cause one token request.
//   - The own-secret route uses POST /cgi-bin/stable_token with force_refresh false, so refreshing never
//     invalidates the token other systems hold for the same AppID.
//   - After an auth errcode (40001, 40014, 42001) from a business call, renew fetches once more; only when
//     stable_token hands back the very token that just failed does it ask with force_refresh true (limited
//     by the platform to 20 a day, 30 s apart; the broker never forces twice within 30 s per AppID).

const (
	refreshAheadMax = 5 * time.Minute
	forceSpacing    = 30 * time.Second
	// refreshRetryMax and refreshRetryMin space the attempts to refresh a token ahead of expiry after one
	// failed: half the time left, within these bounds (and never past expiry).
	refreshRetryMax = 30 * time.Second
	refreshRetryMin = 5 * time.Second
	// flightTimeout bounds a shared token fetch, which runs detached from the first caller's context so
	// that one caller giving up does not fail the others.
	flightTimeout = 2 * time.Minute
)

type tokenKind string

const (
	kindOwn        tokenKind = "own"
	kindComponent  tokenKind = "component"
	kindAuthorizer tokenKind = "authorizer"
)

type cacheKey struct {
	kind  tokenKind
	appID string
	cred  string // hash of the credential
}

func (k cacheKey) String() string { return string(k.kind) + "|" + k.appID + "|" + k.cred }

type cachedToken struct {
	token     string
	expiresAt time.Time
	refreshAt time.Time
}

// source is one kind of token for one account.
type source struct {
	key cacheKey
	// api is the token endpoint, for errors.
	api string
	// appID is reported to OnToken when publish is set.
	appID   string
	publish bool
	// canForce: fetch(ctx, true) asks the platform for a new token even if the current one is valid.
	canForce bool
	fetch    func(ctx context.Context, force bool) (tokenGrant, error)
}

type broker struct {
	c         *Client
	mu        sync.Mutex
	cache     map[cacheKey]cachedToken
	lastForce map[cacheKey]time.Time
	// rotated maps an authorizer key (made from the refresh token the caller passed) to the newer refresh
	// token the platform returned, until the caller passes the new one.
	rotated map[cacheKey]platform.Secret
	sf      singleflight.Group
	// testHookFlight, when set, is called as a caller enters a token flight (tests count them).
	testHookFlight func(key string)
}

func newBroker(c *Client) *broker {
	return &broker{c: c, cache: map[cacheKey]cachedToken{}, lastForce: map[cacheKey]time.Time{},
		rotated: map[cacheKey]platform.Secret{}}
}

func credHash(appID string, cred platform.Secret) string {
	h := sha256.Sum256([]byte(appID + "\x00" + cred.Reveal()))
	return hex.EncodeToString(h[:12])
}

// refreshMargin is how long before expiry a token is refreshed.
func refreshMargin(ttl time.Duration) time.Duration { return min(refreshAheadMax, ttl/10) }

func (b *broker) lookup(k cacheKey) (cachedToken, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.cache[k]
	return e, ok
}

// get returns a token of s, from the cache or fetched (single flight).
func (b *broker) get(ctx context.Context, s source) (cachedToken, error) {
	now := b.c.now()
	if e, ok := b.lookup(s.key); ok && now.Before(e.refreshAt) {
		return e, nil
	}
	return b.flight(ctx, s.api, "get|"+s.key.String(), func(fctx context.Context) (cachedToken, error) {
		now := b.c.now()
		e, ok := b.lookup(s.key)
		if ok && now.Before(e.refreshAt) {
			return e, nil // another flight refreshed it meanwhile
		}
		g, err := s.fetch(fctx, false)
		if err != nil {
			now = b.c.now() // the fetch may have waited out retries
			if ok && now.Before(e.expiresAt) {
				left := e.expiresAt.Sub(now)
				e.refreshAt = now.Add(min(left, max(refreshRetryMin, min(refreshRetryMax, left/2))))
				b.mu.Lock()
				if cur, still := b.cache[s.key]; still && cur.token == e.token {
					b.cache[s.key] = e
				}
				b.mu.Unlock()
				b.c.log.V(1).Info("token refresh ahead of expiry failed; using the cached token",
					"kind", string(s.key.kind), "retryAt", e.refreshAt, "error", err.Error())
				return e, nil
			}
			return cachedToken{}, err
		}
		return b.store(s, g), nil
	})
}

// renew is called after the token failed with an auth errcode: it fetches once more (single flight per
// failed token) and, on a route that can, forces a new token when the platform hands back the same one.
func (b *broker) renew(ctx context.Context, s source, failed string) (string, error) {
	e, err := b.flight(ctx, s.api, "renew|"+s.key.String()+"|"+credHash("", platform.Secret(failed)),
		func(fctx context.Context) (cachedToken, error) {
			now := b.c.now()
			b.mu.Lock()
			if e, ok := b.cache[s.key]; ok {
				if e.token != failed && now.Before(e.expiresAt) {
					b.mu.Unlock()
					return e, nil // renewed already
				}
				delete(b.cache, s.key)
			}
			b.mu.Unlock()
			g, err := s.fetch(fctx, false)
			if err != nil {
				return cachedToken{}, err
			}
			e := b.store(s, g)
			if g.token != failed || !s.canForce {
				return e, nil
			}
			b.mu.Lock()
			last, forced := b.lastForce[s.key]
			allowed := !forced || now.Sub(last) >= forceSpacing
			if allowed {
				b.lastForce[s.key] = now
			}
			b.mu.Unlock()
			if !allowed {
				return e, nil // the retry will fail and the caller gets the Auth error
			}
			b.c.log.Info("the platform returned the token that just failed; asking stable_token with force_refresh",
				"kind", string(s.key.kind))
			g, err = s.fetch(fctx, true)
			if err != nil {
				return cachedToken{}, err
			}
			return b.store(s, g), nil
		})
	return e.token, err
}

func (b *broker) store(s source, g tokenGrant) cachedToken {
	now := b.c.now()
	e := cachedToken{token: g.token, expiresAt: now.Add(g.ttl), refreshAt: now.Add(g.ttl - refreshMargin(g.ttl))}
	b.mu.Lock()
	b.cache[s.key] = e
	b.mu.Unlock()
	if s.publish && b.c.cfg.OnToken != nil {
		b.c.cfg.OnToken(s.appID, platform.Secret(g.token), e.expiresAt, e.refreshAt)
	}
	return e
}

// flight runs fn once for all concurrent callers with the same key. fn runs detached from the caller's
// cancellation (bounded by flightTimeout); each caller still stops waiting when its own context ends.
func (b *broker) flight(ctx context.Context, api, key string, fn func(context.Context) (cachedToken, error)) (cachedToken, error) {
	if b.testHookFlight != nil {
		b.testHookFlight(key)
	}
	ch := b.sf.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flightTimeout)
		defer cancel()
		return fn(fctx)
	})
	select {
	case <-ctx.Done():
		return cachedToken{}, platform.NetworkError(api, "waiting for a token: "+ctx.Err().Error())
	case r := <-ch:
		if r.Err != nil {
			return cachedToken{}, r.Err
		}
		return r.Val.(cachedToken), nil
	}
}

// withToken runs call with a token of s; after an auth errcode it renews the token once and retries once.
func (c *Client) withToken(ctx context.Context, s source, call func(token string) error) error {
	e, err := c.tokens.get(ctx, s)
	if err != nil {
		return err
	}
	err = call(e.token)
	if !platform.IsClass(err, platform.ClassAuth) {
		return err
	}
	c.log.V(1).Info("access token rejected; renewing it once", "kind", string(s.key.kind))
	tok2, rerr := c.tokens.renew(ctx, s, e.token)
	if rerr != nil {
		return rerr
	}
	return call(tok2)
}

// --- sources ---

const (
	apiStableToken     = "cgi-bin/stable_token"
	apiComponentToken  = "cgi-bin/component/api_component_token"
	apiAuthorizerToken = "cgi-bin/component/api_authorizer_token"
)

// credentialError turns an Auth-class errcode from a token endpoint into a terminal one: there, 40001
// means the AppSecret (or component secret) is wrong, not that a token expired.
func credentialError(err error) error {
	if e, ok := platform.As(err); ok && e.Class == platform.ClassAuth {
		cp := *e
		cp.Class, cp.Reason = platform.ClassTerminal, platform.ReasonInvalidCredentials
		return &cp
	}
	return err
}

// ownSource is an account's token on the OwnSecret route.
func (c *Client) ownSource(acct platform.Account) source {
	return source{
		key:      cacheKey{kind: kindOwn, appID: acct.AppID, cred: credHash(acct.AppID, acct.Credential)},
		api:      apiStableToken,
		appID:    acct.AppID,
		publish:  true,
		canForce: true,
		fetch: func(ctx context.Context, force bool) (tokenGrant, error) {
			var g tokenGrant
			body := map[string]any{
				"grant_type":    "client_credential",
				"appid":         acct.AppID,
				"secret":        acct.Credential.Reveal(),
				"force_refresh": force,
			}
			err := c.do(ctx, request{api: apiStableToken, method: http.MethodPost, body: body,
				secrets: []string{acct.Credential.Reveal()}, account: acct.AppID},
				func(data []byte) *platform.Error {
					var perr *platform.Error
					g, perr = decodeAccessToken(apiStableToken, data, c.now())
					return perr
				})
			if err != nil {
				return tokenGrant{}, credentialError(err)
			}
			return g, nil
		},
	}
}

// componentSource is the third-party platform's component_access_token.
func (c *Client) componentSource() source {
	r := c.cfg.Route
	return source{
		key: cacheKey{kind: kindComponent, appID: r.ComponentAppID, cred: credHash(r.ComponentAppID, r.ComponentSecret)},
		api: apiComponentToken,
		fetch: func(ctx context.Context, _ bool) (tokenGrant, error) {
			ticket, err := r.Tickets.VerifyTicket(ctx)
			if err != nil || ticket == "" {
				msg := "no component_verify_ticket yet: the platform pushes one every 10 minutes to the ticket callback"
				if err != nil {
					msg = "reading the component_verify_ticket: " + scrub(err, []string{r.ComponentSecret.Reveal()})
				}
				return tokenGrant{}, &platform.Error{API: apiComponentToken, Msg: msg,
					Class: platform.ClassRetryable, Reason: platform.ReasonTicketInvalid}
			}
			var g tokenGrant
			body := map[string]any{
				"component_appid":         r.ComponentAppID,
				"component_appsecret":     r.ComponentSecret.Reveal(),
				"component_verify_ticket": ticket.Reveal(),
			}
			err = c.do(ctx, request{api: apiComponentToken, method: http.MethodPost, body: body, account: r.ComponentAppID,
				secrets: []string{r.ComponentSecret.Reveal(), ticket.Reveal()}},
				func(data []byte) *platform.Error {
					var perr *platform.Error
					g, perr = decodeComponentToken(apiComponentToken, data, c.now())
					return perr
				})
			if err != nil {
				return tokenGrant{}, credentialError(err)
			}
			return g, nil
		},
	}
}

// componentQuery carries the component_access_token under both names the docs use: the older pages say
// component_access_token=, the newer ones access_token=.
func componentQuery(token string) url.Values {
	return url.Values{"component_access_token": {token}, "access_token": {token}}
}

// authorizerSource is an account's authorizer_access_token on the ThirdPartyPlatform route.
func (c *Client) authorizerSource(acct platform.Account) source {
	key := cacheKey{kind: kindAuthorizer, appID: acct.AppID, cred: credHash(acct.AppID, acct.Credential)}
	return source{
		key:     key,
		api:     apiAuthorizerToken,
		appID:   acct.AppID,
		publish: true,
		fetch: func(ctx context.Context, _ bool) (tokenGrant, error) {
			refresh := c.currentRefreshToken(key, acct.Credential)
			var g tokenGrant
			err := c.withToken(ctx, c.componentSource(), func(ct string) error {
				body := map[string]any{
					"component_appid":          c.cfg.Route.ComponentAppID,
					"authorizer_appid":         acct.AppID,
					"authorizer_refresh_token": refresh.Reveal(),
				}
				return c.do(ctx, request{api: apiAuthorizerToken, method: http.MethodPost,
					query: componentQuery(ct), body: body,
					secrets: []string{refresh.Reveal(), acct.Credential.Reveal()}, account: c.cfg.Route.ComponentAppID},
					func(data []byte) *platform.Error {
						var perr *platform.Error
						g, perr = decodeAuthorizerToken(apiAuthorizerToken, data, c.now())
						return perr
					})
			})
			if err != nil {
				return tokenGrant{}, err
			}
			c.noteRefreshToken(key, acct, refresh, g.refreshToken)
			return g, nil
		},
	}
}

func (c *Client) currentRefreshToken(key cacheKey, given platform.Secret) platform.Secret {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	if r, ok := c.tokens.rotated[key]; ok {
		return r
	}
	return given
}

// noteRefreshToken records a refresh token the platform returned and reports it when it differs from the
// one used. The report names the tokens the new one replaces: the one the caller gave (what its store holds)
// and the one used (a rotation the store may not have taken yet).
func (c *Client) noteRefreshToken(key cacheKey, acct platform.Account, used platform.Secret, returned string) {
	if returned == "" || returned == used.Reveal() {
		return
	}
	c.tokens.mu.Lock()
	c.tokens.rotated[key] = platform.Secret(returned)
	c.tokens.mu.Unlock()
	c.log.Info("the platform rotated an authorizer refresh token", "appID", acct.AppID)
	if c.cfg.OnAuthorizerRefreshToken != nil {
		replaced := []platform.Secret{acct.Credential}
		if used != acct.Credential {
			replaced = append(replaced, used)
		}
		c.cfg.OnAuthorizerRefreshToken(acct.AppID, replaced, platform.Secret(returned))
	}
}

// AccessToken implements platform.Platform: the account's token from the broker, renewed when due.
func (c *Client) AccessToken(ctx context.Context, acct platform.Account) (platform.AccessToken, error) {
	e, err := c.tokens.get(ctx, c.accountSource(acct))
	if err != nil {
		return platform.AccessToken{}, err
	}
	return platform.AccessToken{Value: platform.Secret(e.token), ExpiresAt: e.expiresAt, RefreshAt: e.refreshAt}, nil
}

// accountSource is the token source of acct on the configured route.
func (c *Client) accountSource(acct platform.Account) source {
	if c.cfg.Route.Kind == RouteThirdPartyPlatform {
		return c.authorizerSource(acct)
	}
	return c.ownSource(acct)
}

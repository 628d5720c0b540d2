// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// maxResponseBody bounds what the client reads of one response.
const maxResponseBody = 4 << 20

// Client is the WeChat API client. It implements platform.Platform and is safe for concurrent use; share
// one per PlatformConfig so that its token broker and rate limiter see every call.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	limiter *rate.Limiter
	// accounts are the per-account buckets (ratelimit.go).
	accounts accountLimiters
	metrics  *metricSet
	log      logr.Logger
	tokens   *broker
	// jitter returns a number in [0, 1); tests replace it.
	jitter func() float64
	// instance is unique among the Clients of the process.
	instance uint64
	// quotaResets are the midnights the last 45009s waited for (dailyquota.go).
	quotaResets quotaResets
}

var _ platform.Platform = (*Client)(nil)

var instances atomic.Uint64

// Instance is unique among the Clients of the process and never reused, unlike the Client's address:
// callers that cache what a Client read key the cache by it.
func (c *Client) Instance() uint64 { return c.instance }

// New builds a Client.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	reg := cfg.Registerer
	if reg == nil {
		reg = metrics.Registry
	}
	m, err := metricsFor(reg)
	if err != nil {
		return nil, fmt.Errorf("wechat: registering metrics: %w", err)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		hc = &cp
	}
	// A redirect would carry access_token to wherever it points: never follow one.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{instance: instances.Add(1),
		cfg:     cfg,
		base:    base,
		http:    hc,
		limiter: rate.NewLimiter(rate.Limit(cfg.QPS), cfg.Burst),
		metrics: m,
		log:     cfg.Logger,
		jitter:  rand.Float64,
	}
	c.tokens = newBroker(c)
	return c, nil
}

func (c *Client) now() time.Time { return c.cfg.Clock() }

// request is one API call.
type request struct {
	// api is the endpoint path without host or query, e.g. "cgi-bin/wxopen/wxamplink".
	api    string
	method string
	query  url.Values
	// body is sent as JSON; nil sends no body.
	body any
	// secrets are the values (tokens, AppSecrets) that must never appear in an error or log; every value
	// in query is scrubbed too.
	secrets []string
	// account is the AppID whose quota the call spends (the component's for third-party platform calls):
	// the call passes that account's bucket as well as the client's.
	account string
	// unanswered, when set, counts the attempts that reached the platform and got no answer (the connection
	// dropped, or a 5xx): the platform may have applied them.
	unanswered *int
}

// do sends req with rate limiting and bounded retries of ClassRetryable errors, and hands a 200 body to
// decode, which checks the errcode and fills its result. Every error is a *platform.Error free of URLs and
// credentials.
func (c *Client) do(ctx context.Context, req request, decode func(body []byte) *platform.Error) error {
	payload := []byte(nil)
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return &platform.Error{API: req.api, Msg: "encoding request: " + err.Error(),
				Class: platform.ClassTerminal, Reason: platform.ReasonBadRequest}
		}
		payload = b
	}
	secrets := append([]string(nil), req.secrets...)
	for _, vs := range req.query {
		secrets = append(secrets, vs...)
	}

	// The caller's deadline, on the client's clock (so that an injected clock and Sleep agree).
	budgetEnd, hasDeadline := time.Time{}, false
	if dl, ok := ctx.Deadline(); ok {
		budgetEnd, hasDeadline = c.now().Add(time.Until(dl)), true
	}
	attempts := max(c.cfg.Retry.MaxAttempts, 1)
	var last *platform.Error
	for attempt := 1; ; attempt++ {
		last = c.attempt(ctx, req, payload, secrets, attempt, hasDeadline, budgetEnd, decode)
		if last == nil {
			return nil
		}
		if req.unanswered != nil && *req.unanswered >= 2 {
			// An attempt that reached the platform unanswered is retried once: a second one ends the call,
			// whose outcome the caller reads from the platform. Each further retry would be one more request
			// the platform may have applied or must refuse as a duplicate.
			return last
		}
		if last.Class != platform.ClassRetryable || attempt >= attempts || ctx.Err() != nil {
			return last
		}
		d := c.backoff(attempt)
		if last.RetryAfter > 0 {
			if last.RetryAfter > c.cfg.Retry.MaxDelay {
				return last // the caller requeues; the client does not hold a worker for that long
			}
			d = last.RetryAfter // the platform said how long: wait that, not the backoff
		}
		if hasDeadline && c.now().Add(d).After(budgetEnd) {
			return last
		}
		if err := c.cfg.Sleep(ctx, d); err != nil {
			return last
		}
	}
}

// backoff is the wait after the attempt-th failure: BaseDelay·2^(attempt-1), capped at MaxDelay, drawn
// uniformly from [d/2, d].
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.Retry.BaseDelay
	for i := 1; i < attempt && d < c.cfg.Retry.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.cfg.Retry.MaxDelay)
	half := d / 2
	return half + time.Duration(c.jitter()*float64(d-half))
}

func (c *Client) attempt(ctx context.Context, req request, payload []byte, secrets []string, attempt int,
	hasDeadline bool, budgetEnd time.Time, decode func([]byte) *platform.Error) *platform.Error {
	if err := c.waitRate(ctx, req.account, hasDeadline, budgetEnd); err != nil {
		return platform.NetworkError(req.api, "client rate limiter: "+scrub(err, secrets))
	}
	start := time.Now()
	perr := c.roundTrip(ctx, req, payload, secrets, decode)
	elapsed := time.Since(start)
	c.metrics.requests.WithLabelValues(req.api, metricLabel(perr)).Inc()
	c.metrics.duration.WithLabelValues(req.api).Observe(elapsed.Seconds())
	c.metrics.blocks.note(req.api, req.account, perr, c.cfg.Clock)
	c.log.V(1).Info("wechat API call", "api", req.api, "errcode", outcomeLabel(perr), "attempt", attempt,
		"duration", elapsed.String())
	return perr
}

func (c *Client) roundTrip(ctx context.Context, req request, payload []byte, secrets []string,
	decode func([]byte) *platform.Error) *platform.Error {
	u := *c.base
	u.Path = c.base.Path + "/" + req.api
	u.RawQuery = req.query.Encode()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		return &platform.Error{API: req.api, Msg: "building request: " + scrub(err, secrets),
			Class: platform.ClassTerminal, Reason: platform.ReasonBadRequest}
	}
	if payload != nil {
		hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	hr.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(hr)
	if err != nil {
		if !neverSent(err) {
			req.noteUnanswered()
		}
		return platform.NetworkError(req.api, scrub(err, secrets))
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode >= http.StatusInternalServerError {
			req.noteUnanswered()
		}
		e := platform.HTTPError(req.api, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		return e
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		req.noteUnanswered()
		return platform.NetworkError(req.api, "reading response: "+scrub(err, secrets))
	}
	if len(data) > maxResponseBody {
		return &platform.Error{API: req.api, Msg: "response body exceeds 4 MiB",
			Class: platform.ClassTerminal, Reason: platform.ReasonServerError}
	}
	if perr := decode(data); perr != nil {
		perr.Msg = scrubString(perr.Msg, secrets)
		if perr.Code == 45009 {
			perr.RetryAfter = c.dailyQuotaWait(req, resp.Header.Get("Date"), perr.RetryAfter)
		}
		return perr
	}
	return nil
}

func (r request) noteUnanswered() {
	if r.unanswered != nil {
		*r.unanswered++
	}
}

// neverSent reports whether a transport error happened before the request could reach the platform: the
// connection was never made.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// maxRetryAfter bounds what a Retry-After header can ask for, so that a huge number cannot overflow.
const maxRetryAfter = 7 * 24 * time.Hour

// retryAfter reads a Retry-After header: delay-seconds or an HTTP-date, relative to now. Absent, malformed
// or past values give 0 (the client's own backoff then applies).
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		switch {
		case secs <= 0:
			return 0
		case secs > int64(maxRetryAfter/time.Second):
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(h)
	if err != nil || !t.After(now) {
		return 0
	}
	return min(t.Sub(now), maxRetryAfter)
}

var tokenParam = regexp.MustCompile(`(?i)((?:access_token|component_access_token|secret|appsecret|refresh_token)=)[^&\s"']*`)

// scrub renders err without the request URL (net/http's *url.Error embeds it, and it carries the access
// token) and without any of the secrets.
func scrub(err error, secrets []string) string {
	var ue *url.Error
	msg := err.Error()
	if errors.As(err, &ue) {
		msg = ue.Op + ": " + ue.Err.Error()
	}
	return scrubString(msg, secrets)
}

func scrubString(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) < 4 { // too short to be a credential; replacing it would mangle the message
			continue
		}
		msg = strings.ReplaceAll(msg, s, platform.Redacted)
		if q := url.QueryEscape(s); q != s {
			msg = strings.ReplaceAll(msg, q, platform.Redacted)
		}
	}
	return tokenParam.ReplaceAllString(msg, "${1}"+platform.Redacted)
}

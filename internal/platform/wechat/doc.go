// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package wechat is wxlink's HTTP client for the WeChat platform API (https://api.weixin.qq.com, or any
// server that speaks it, such as wechatsim). *Client implements platform.Platform.
//
// # What it does
//
//   - Token broker (中控): one refresher per AppID and credential hash, shared by every caller of a Client;
//     single flight; refresh ahead of expiry (when less than min(5 min, 10% of the TTL) remains); the
//     own-secret route uses POST /cgi-bin/stable_token with force_refresh false, so it never invalidates
//     tokens that other systems hold; on 40001/40014/42001 it renews once (force_refresh true only when
//     stable_token hands back the token that just failed, at most once per 30 s per AppID) and retries the
//     call once. The third-party platform route chains api_component_token (with the latest
//     component_verify_ticket from a TicketSource) and api_authorizer_token, and reports rotated refresh
//     tokens through Config.OnAuthorizerRefreshToken.
//   - One client-side token bucket (golang.org/x/time/rate) for every request of the Client, token
//     requests included. golang.org/x/time/rate is used directly rather than through client-go's
//     flowcontrol: flowcontrol's Wait(ctx) delegates to rate.Limiter.Wait and ignores its injected clock,
//     whereas ReserveN(now) on the client's own clock lets tests measure throttling without wall time and
//     lets the client refuse, up front, a wait that would pass the caller's deadline.
//   - Bounded retries of ClassRetryable errors only (-1, 45011, HTTP 5xx/429, network, malformed bodies):
//     exponential backoff with jitter, replaced by (*platform.Error).RetryAfter when the platform gives one
//     (45011, or a Retry-After header on HTTP 429 and 503, in seconds or as an HTTP-date), never sleeping past the
//     context deadline; a RetryAfter longer than RetryPolicy.MaxDelay (45009 waits for the next day) is
//     returned at once for the controller to requeue.
//   - Tolerant decoding: unknown fields ignored; errcode absent or 0 is success; numbers and booleans as
//     1/0, "1"/"0" or true/false; wxamplinkget items without appid keep their username; func_infos and the
//     SDK spelling func_info both read; undocumented link statuses (4) pass through as numbers; bodies are
//     capped at 4 MiB.
//   - Errors are *platform.Error only (platform.Classify, HTTPError, NetworkError). The request URL carries
//     access_token: net/http's *url.Error is reduced to its Op and inner error, and every token, secret and
//     ticket value is scrubbed from every error message and log line. Redirects are never followed.
//   - Metrics wechat_api_requests_total{api,errcode} and wechat_api_request_duration_seconds{api}, registered
//     once per Registerer and shared by every Client on it. No AppID or credential is ever a label value, and
//     errcode is bounded: "0", the errcodes wxlink knows, "other", "http_4xx"/"http_5xx", "network",
//     "malformed" (the log line keeps the exact errcode and HTTP status).
//   - NewTicketHandler: the component_verify_ticket callback, with WeChat's message encryption (安全模式).
//
// # Library evaluation
//
// Two Go libraries were evaluated before writing this by hand.
//
// github.com/silenceper/wechat/v2 v2.1.10: not used.
//   - The host cannot be configured. Every endpoint is a package constant holding the full URL
//     ("https://api.weixin.qq.com/cgi-bin/component/api_component_token", about 400 such literals), and
//     requests go through a package-global util.DefaultHTTPClient. Pointing it at a simulator on 127.0.0.1
//     would need a process-wide transport that rewrites hosts: it would reach every other user of that
//     client in the process too.
//   - Endpoints wxlink needs are missing: wxamplinkget, wxamplink and wxampunlink; open/create, open/get,
//     open/bind and open/unbind; wxa/bind_tester, unbind_tester and memberauth. Its getaccountbasicinfo
//     result type is an empty struct (only errcode/errmsg), and its authorizer types read func_info, the
//     spelling the wxamplinkget docs correct to func_infos.
//   - Errors leak credentials: its HTTP helpers build messages as fmt.Errorf("http get error : uri=%v , ...")
//     with the full URL, access_token included.
//   - Errors are fmt strings ("get stable access_token error : errcode=%v , errormsg=%v"): no typed
//     errcode to classify, so retry, refresh and terminal decisions would mean parsing messages.
//   - Token handling does not fit a broker: the caller must push the component token in with a ticket
//     (SetComponentAccessToken), which caches it under a fixed key with a fixed 1500 s margin; the
//     stable_token cache key holds only the AppID (a rotated AppSecret keeps the old token); there is no
//     "force_refresh only when the same token comes back" logic and no way to invalidate one failed token.
//   - Its message crypto (util.EncryptMsg/DecryptMsg) is the right scheme but checks only the last padding
//     byte, not the whole PKCS#7 run, relies on panic/recover for malformed input, and importing its util
//     package links golang.org/x/crypto/pkcs12 and package log into the operator. The scheme is ~80 lines
//     on the standard library, so it is written here and checked against the official sample's
//     known-answer vector and an openssl-computed vector (ticket_test.go).
//
// github.com/wechatpay-apiv3/wechatpay-go v0.2.20: not used. It is the WeChat Pay v3 SDK: its host is
// https://api.mch.weixin.qq.com (core/consts.WechatPayAPIServer) and every call is signed with a merchant
// certificate. It covers none of the api.weixin.qq.com endpoints (tokens, component tokens, wxamplink*,
// open/*, testers) nor the message encryption. WeChat Pay has no API to bind a merchant to an AppID either
// (that step is the merchant platform's console), so nothing in wxlink needs it.
//
// # Where the docs are inconsistent, and what the client does
//
//   - api_authorizer_token and api_get_authorizer_info: older pages put the token in component_access_token=,
//     newer ones in access_token=. The client sends both.
//   - wxamplinkget: the field list says func_info, the example and the new pages say func_infos: both read.
//     Older responses lack appid: username is kept. An empty POST body drew 44002: the client sends {}.
//   - getaccountbasicinfo: documented as POST with no body, SDKs send GET: the client POSTs {}.
//   - wxampunlink: no errcode is documented for "not linked"; see UnlinkMiniProgram.
//   - bind_tester 85004: the response may lack userstr, and no API maps a WeChat ID to a userstr; see
//     BindTester.
//   - Subject type and verification mappings: see DescribeAccount.
package wechat

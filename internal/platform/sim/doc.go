// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package sim is wechatsim: a stateful simulator of the WeChat platform API (https://api.weixin.qq.com) that
// speaks the same paths, JSON fields and errcodes, keeps state and enforces the platform's own rules, so that
// the demo, the e2e suite, the benchmark and users' CI can run offline (as LocalStack does for AWS). It is
// written independently of internal/rules, so that a misunderstanding cannot hide in both.
//
// # Using it from Go tests
//
//	srv, err := sim.Start(sim.Options{TokenTTL: time.Minute})  // 127.0.0.1, random port
//	defer srv.Close()
//	_ = srv.Seed(sim.Account{AppID: "wxoa", Secret: "s", Type: sim.OfficialAccount,
//		Subject: sim.Subject{Name: "ACME", Type: sim.Enterprise}, Verification: sim.Verified})
//	// point the client at srv.URL; then play the humans:
//	_ = srv.Confirm("wxoa", "wxmp")                      // or Advance (12 -> 2 -> 1), Reject (-> 3)
//	_, _ = srv.InjectFault(sim.Fault{Path: "/cgi-bin/wxopen/wxamplink", ErrCode: -1, Count: 2})
//	srv.AdvanceClock(31 * 24 * time.Hour)                // or Options.Clock / SetNow
//	snap := srv.State(); calls := srv.Calls()
//
// Without a listener, New(Options) gives a *Simulator whose Handler() serves both the API and the admin API.
//
// # The API (conventions)
//
// JSON bodies; access_token in the query string; every answer has errcode and errmsg (errmsg carries a
// trailing " rid: …" on errors, as the real one does; never match on it). Requests are decoded tolerantly:
// unknown fields are ignored, booleans may be true/false, 1/0 or "1"/"0", numbers may be strings. Malformed
// JSON, or a field of the wrong type, gives 47001; an empty body where one is required gives 44002; a body
// over Options.MaxBodyBytes (1 MiB) gives 47001. A GET on a POST-only path gives 43002 (43001 the other way).
// Answers are HTTP 200 (404 with errcode 40066 for an unknown path).
//
// Tokens: a missing token gives 41001, a malformed one 40014, an unknown one 40001, an expired one 42001.
// Business endpoints need an account's access token (own-secret or authorizer token) of the right account
// type (else 48001: e.g. wxamplink with a Mini Program's token); a component_access_token there gives 48001.
// An authorizer token of an account whose Account.PermissionSets does not include the API's set (33 for
// wxopen/*, 24 for open/*, 18 for the tester APIs) gives 48001.
//
//	GET  /cgi-bin/token                   a NEW token each call; the previous one stays valid TokenGrace (5m).
//	                                      40002 bad grant_type, 41002/41004 missing appid/secret,
//	                                      40013 unknown appid, 40125 wrong secret (40125, not 40001: the
//	                                      platform's "invalid appsecret" code, so a client can tell the cases)
//	POST /cgi-bin/stable_token            the same token while it has more than 5m left, then a fresh one
//	                                      (the old keeps its expiry); force_refresh issues a new one (the
//	                                      previous stays valid 5m), 20 a day (45009) and 30s apart (45011).
//	                                      Independent of /cgi-bin/token's tokens, as documented.
//	POST /cgi-bin/component/api_component_token     61006 unknown ticket, 61005 ticket older than TicketTTL
//	POST /cgi-bin/component/api_authorizer_token    61003 the account never authorised (no refresh token
//	                                                seeded), 61023 wrong refresh token
//	POST /cgi-bin/component/api_get_authorizer_info (component_access_token= or access_token= accepted)
//	GET|POST /cgi-bin/account/getaccountbasicinfo
//	POST /cgi-bin/wxopen/wxamplinkget, wxamplink, wxampunlink
//	POST /cgi-bin/open/create, bind, unbind, get; GET|POST /cgi-bin/open/have
//	POST /wxa/bind_tester, unbind_tester, memberauth
//	POST /channels/ec/cooperation/list, invitation/get, invitation/qrcode/generate, invitation/cancel, unbind
//
// # Links (公众号关联小程序)
//
// An API link (wxamplink) starts at 12 (waiting for the Official Account admin), then 2 (waiting for the
// Mini Program admin), then 1, or 3 when the Mini Program admin rejects. When autoConfirm holds it is 1 at
// once: by default for same-subject pairs (the console's instant path), overridable per account with
// Account.AutoConfirm (an explicit false on either side wins over an explicit true). Pending links occupy a
// quota slot; a rejected link frees it and stays listed as 3 until unlinked or requested again. Checks, in
// order: 40013 unknown Mini Program, -1 the appid is not a Mini Program, 89013 banned, 89008 overseas,
// 89015 already linked, 89010 pending, 89016 10 same-subject, 89407 (Options.DifferentSubjectErrcode: 89017
// or 1005 as alternatives) 3 different-subject, 89009 the Mini Program has 500, 89030 13 operations this
// month for the Official Account or 500 for the Mini Program. The monthly count is taken when a request is
// accepted (one operation for each side), in calendar months of Beijing time (UTC+8); console links are not
// counted. wxamplinkget lists every record with source "SOURCE_NORMAL" (the only value the real API is known
// to return; origin api/console is in the state dump), func_infos id 1 (verified) and id 2 (a merchant is
// bound). wxampunlink removes the record at once (or, with Options.UnlinkNeedsConfirm, marks it pending:
// 89018 on repeat, until ConfirmUnlink); unlinking a pair with no record answers ok.
//
// # Open Platform, testers, merchants, store partners
//
// open/create: a new unverified, API-created account with the caller's subject (89000 if bound). open/bind:
// 40013 unknown open_appid, 89000 already bound, 89001 other subject, 89003 console-created and unverified,
// 89004 100 members, 89036 an unverified API-created account already has 5. open/unbind: 89003 if not
// created by API, 89002 not bound to it. open/get: 89002 when not bound.
// bind_tester: 85001 unless the ID matches ^[a-zA-Z][-_a-zA-Z0-9]{5,19}$ and is not marked unknown; 85004
// already a tester; 85002 full (Individual 10, unverified organisation 20, verified 40); 85003 the ID already
// tests 50 Mini Programs. unbind_tester of a non-tester answers ok. memberauth needs action get_experiencer.
// Merchant bindings have no API: BindMerchant (verified accounts only, 50 AppIDs per merchant, permanent).
// Store partners: qrcode/generate invites (4), the admin API accepts/refuses/times out, unbind (1 -> 2) and
// cancel (4 -> 7); 803131000 unknown sharer_id, 788191008 no record, 788191005 invalid transition.
//
// # component_verify_ticket
//
// With Options.Component (appid, secret, token, 43-character EncodingAESKey, callback URL) the simulator
// POSTs a ticket at once and every TicketInterval (10m), and on demand (PushTicket, POST /sim/ticket/push):
// body <xml><ToUserName>appid</ToUserName><AppId>appid</AppId><Encrypt>…</Encrypt></xml> (real pushes carry
// AppId; the SDK samples read ToUserName), query timestamp, nonce, encrypt_type=aes, signature =
// sha1(sort(token, timestamp, nonce)) and msg_signature = sha1(sort(token, timestamp, nonce, encrypt)).
// Encrypt = base64(AES-256-CBC(key = base64(EncodingAESKey+"="), IV = key[:16], PKCS#7 to 32-byte blocks,
// 16 random bytes + 4-byte big-endian length + message + component appid)); the message is
// <xml><AppId/><CreateTime/><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket/></xml>.
// The callback must answer "success". A ticket is valid TicketTTL (12h) whether or not its push succeeded.
//
// # Admin API (JSON, under /sim/)
//
// Answers carry errcode/errmsg too (0 on success; on failure HTTP 400, 404 or 409 with the platform errcode
// of the refusal when there is one). With Options.AdminToken, send "Authorization: Bearer <token>".
//
//	GET    /sim/healthz
//	GET    /sim/state                       the whole state (Snapshot), secrets redacted
//	POST   /sim/reset
//	POST   /sim/accounts                    Account | [Account] | SeedFile
//	POST   /sim/accounts/delete             {"appid"}
//	POST   /sim/accounts/verification       {"appid","verification"}
//	POST   /sim/links/confirm               {"officialAccount","miniProgram","step"}   step: 12->2->1
//	POST   /sim/links/reject                {"officialAccount","miniProgram"}
//	POST   /sim/links/console               {"officialAccount","miniProgram","showProfile","force"}
//	POST   /sim/links/remove                {"officialAccount","miniProgram"}
//	POST   /sim/links/status                {"officialAccount","miniProgram","status"}
//	POST   /sim/links/confirm-unlink        {"officialAccount","miniProgram"}
//	POST   /sim/open-accounts               {"openAppID","subject","verified","createdByAPI","members"}
//	POST   /sim/merchants                   {"appid","mchid"}
//	POST   /sim/wechat-ids                  {"wechatid","unknown"}
//	POST   /sim/cooperations                {"storeAppID","sharerID","sharerType","action"}
//	GET    /sim/faults | POST /sim/faults {"path","errcode","errmsg","latency","drop","dropAfterApply","httpStatus","probability" or "rate","count"}
//	DELETE /sim/faults?id=…&path=…          (no query: all)
//	GET    /sim/calls | DELETE /sim/calls | POST /sim/calls/reset (counters and the call log)
//	GET    /sim/calls/log                   the link calls that reached the platform, one by one
//	POST   /sim/ticket/push
//	GET    /sim/clock | POST /sim/clock {"advance":"1h"} | {"offset":"720h"} | {"now":"2026-11-30T16:00:00Z"}
//	POST   /sim/tokens/expire               {"appid"} (empty: every account)
//
// # State and safety
//
// With Options.StateFile the state (accounts, links, monthly counts, open accounts, testers, merchants,
// partners, tokens, tickets, clock offset) is loaded at start and written atomically (temp file + rename,
// mode 0600: it holds secrets) at most PersistDelay after a mutation and on Close. Faults and call counters
// are not persisted. Memory is bounded (Options.Limits); expired tokens are pruned after
// ExpiredTokenRetention. A panic in a handler answers errcode -1 and is logged. Logs carry paths, errcodes and
// durations, never query strings, bodies, secrets or tokens.
package sim

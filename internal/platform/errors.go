// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package platform

import (
	"errors"
	"fmt"
	"time"

	"github.com/wxlink/wxlink-operator/internal/rules"
)

// Class is what a caller should do about an error.
type Class string

// Error classes.
const (
	// ClassTerminal: retrying cannot help; a person must change something (the spec, a quota, a console
	// setting). Controllers set a condition and an Event and wait for a change.
	ClassTerminal Class = "Terminal"
	// ClassRetryable: a passing fault (system busy, rate limit, network, 5xx). Back off and retry; RetryAfter,
	// when set, says how long.
	ClassRetryable Class = "Retryable"
	// ClassAuth: the access token is invalid or expired. The client refreshes it once and retries; when it
	// still fails the error reaches the caller with this class.
	ClassAuth Class = "Auth"
	// ClassPending: the platform accepted the request and waits for a person (an invitation or an unlink
	// confirmation is already pending). Keep polling.
	ClassPending Class = "Pending"
)

// Reasons say what an error means, in words a condition reason can use. Each line says what a person must
// do. No reason here is "QuotaExceeded" or "MonthlyLimitReached": on a condition those mean that wxlink
// itself queued the object (api/v1alpha1), never that the platform refused it.
const (
	// ReasonPlatformSameSubjectQuotaFull (89016): unlink one of the Official Account's 10 same-subject Mini Programs.
	ReasonPlatformSameSubjectQuotaFull = "PlatformSameSubjectQuotaFull"
	// ReasonPlatformOtherSubjectQuotaFull (89017, 89407, 1005 on wxamplink): unlink one of its 3 other-subject Mini Programs.
	ReasonPlatformOtherSubjectQuotaFull = "PlatformOtherSubjectQuotaFull"
	// ReasonPlatformLinkedByLimitReached (89009): the Mini Program has 500 Official Accounts; one must unlink it.
	ReasonPlatformLinkedByLimitReached = "PlatformLinkedByLimitReached"
	// ReasonPlatformQuotaFull (89007): free a slot of the quota the platform names, in its console, then retry.
	ReasonPlatformQuotaFull = "PlatformQuotaFull"
	// ReasonPlatformMonthlyLimitReached (89030): wait for the next calendar month in Beijing time (UTC+8).
	ReasonPlatformMonthlyLimitReached = "PlatformMonthlyLimitReached"
	// ReasonOpenPlatformAccountFull (89004): unbind an account from the Open Platform account (100) or use another.
	ReasonOpenPlatformAccountFull = "OpenPlatformAccountFull"
	// ReasonSubjectMismatch (89001): bind only accounts of the Open Platform account's subject.
	ReasonSubjectMismatch = "SubjectMismatch"
	// ReasonNotVerified (89036): verify the Open Platform account (微信认证) in its console.
	ReasonNotVerified = "NotVerified"
	// ReasonInvalidAppID (40013): correct the AppID in the spec.
	ReasonInvalidAppID = "InvalidAppID"
	// ReasonInvalidCredentials (40125): put the account's current AppSecret in its credentials Secret.
	ReasonInvalidCredentials = "InvalidCredentials"
	// ReasonNotAuthorized (48001, 61003, 61007): grant the third-party platform the API's permission set.
	ReasonNotAuthorized = "NotAuthorized"
	// ReasonReauthorize (61023): the account's admin must authorise the third-party platform again.
	ReasonReauthorize = "ReauthorizationRequired"
	// ReasonIPNotWhitelisted (40164, 61004): add the operator's egress IP to the account's IP whitelist.
	ReasonIPNotWhitelisted = "IPNotWhitelisted"
	// ReasonAlreadyBound (89000): unbind the account from its other Open Platform account first, in the console.
	ReasonAlreadyBound = "AlreadyBound"
	// ReasonBanned (89013): the Mini Program is banned; its admin must resolve that with WeChat first.
	ReasonBanned = "Banned"
	// ReasonOverseas (89008): nothing to do by API; overseas accounts cannot be linked.
	ReasonOverseas = "OverseasAccount"
	// ReasonNotCreatedByAPI (89003): unbind in the Open Platform console; only API-created accounts unbind by API.
	ReasonNotCreatedByAPI = "NotCreatedByAPI"
	// ReasonConsoleOnly (89011, 89012): make this change by hand in the console.
	ReasonConsoleOnly = "ConsoleOnly"
	// ReasonTesterUnknown (85001): correct the WeChat ID, or ask the person to make it searchable.
	ReasonTesterUnknown = "TesterUnknown"
	// ReasonTesterLimit (85002, 85003): remove a tester from the Mini Program, or from the person's other ones.
	ReasonTesterLimit = "TesterLimitReached"
	// ReasonBadRequest: a request wxlink built wrongly; report it as a wxlink bug.
	ReasonBadRequest = "BadRequest"
	// ReasonTicketInvalid (61005, 61006): check that the verify-ticket callback URL receives the platform's pushes.
	ReasonTicketInvalid = "VerifyTicketInvalid"
	// ReasonUnknownError: an errcode wxlink does not know; read the message and report it to wxlink.
	ReasonUnknownError = "UnknownError"
	// ReasonSystemBusy (-1): nothing; wxlink retries.
	ReasonSystemBusy = "SystemBusy"
	// ReasonDailyQuota (45009): wait for the next day in Beijing time, or reset the quota (clear_quota).
	ReasonDailyQuota = "DailyQuotaExhausted"
	// ReasonMinuteQuota (45011): nothing; wxlink waits for the next minute.
	ReasonMinuteQuota = "MinuteQuotaExhausted"
	// ReasonNetwork: check the operator's egress to the platform if it persists; wxlink retries.
	ReasonNetwork = "NetworkError"
	// ReasonServerError (HTTP 5xx, 429, malformed bodies): nothing; wxlink retries.
	ReasonServerError = "ServerError"
	// ReasonTokenInvalid (40001, 40014, 42001): check that no other system force-refreshes the account's token.
	ReasonTokenInvalid = "TokenInvalid"
	// ReasonInvitationPending (89010): the admins must confirm the invitation in WeChat.
	ReasonInvitationPending = "InvitationPending"
	// ReasonUnlinkPending (89018): the Official Account's admin must confirm the unlink in WeChat.
	ReasonUnlinkPending = "UnlinkPending"
	// ReasonAccountCountReached (1003, 1005): the admin must unbind an account from their WeChat (or phone) first.
	ReasonAccountCountReached = "AdminAccountLimit"
)

// Error is a failed platform call: the API, the platform's errcode and errmsg, and what to do about it. It
// never holds a credential or an access token: the client builds it from the response body and the path.
type Error struct {
	// API is the endpoint path without host or query, for example "cgi-bin/wxopen/wxamplink".
	API string
	// Code is the platform's errcode; 0 for network and HTTP-level failures.
	Code int
	// Msg is the platform's errmsg, or a description of the network or HTTP failure.
	Msg string
	// HTTPStatus is the HTTP status when it was not 200.
	HTTPStatus int
	Class      Class
	Reason     string
	// RetryAfter is the least wait before a retry can help: 45009 waits for the next day in Beijing time,
	// 45011 for the next minute, and an HTTP 429 or 503 for its Retry-After header.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	switch {
	case e.Code != 0:
		return fmt.Sprintf("wechat %s: errcode %d (%s): %s", e.API, e.Code, e.Reason, e.Msg)
	case e.HTTPStatus != 0:
		return fmt.Sprintf("wechat %s: HTTP %d (%s): %s", e.API, e.HTTPStatus, e.Reason, e.Msg)
	default:
		return fmt.Sprintf("wechat %s: %s: %s", e.API, e.Reason, e.Msg)
	}
}

// errcode meanings. The per-endpoint tables in the official docs are incomplete; these follow the docs, the
// team's notes in shared/wechat-api.md and the community's reports of real responses.
var taxonomy = map[int]struct {
	class  Class
	reason string
}{
	-1:    {ClassRetryable, ReasonSystemBusy},
	45009: {ClassRetryable, ReasonDailyQuota},
	45011: {ClassRetryable, ReasonMinuteQuota},

	40001: {ClassAuth, ReasonTokenInvalid},
	40014: {ClassAuth, ReasonTokenInvalid},
	42001: {ClassAuth, ReasonTokenInvalid},

	40013:  {ClassTerminal, ReasonInvalidAppID},
	40125:  {ClassTerminal, ReasonInvalidCredentials},
	40002:  {ClassTerminal, ReasonBadRequest},
	40164:  {ClassTerminal, ReasonIPNotWhitelisted},
	61004:  {ClassTerminal, ReasonIPNotWhitelisted},
	61005:  {ClassTerminal, ReasonTicketInvalid},
	61006:  {ClassTerminal, ReasonTicketInvalid},
	61023:  {ClassTerminal, ReasonReauthorize},
	61003:  {ClassTerminal, ReasonNotAuthorized},
	61007:  {ClassTerminal, ReasonNotAuthorized},
	48001:  {ClassTerminal, ReasonNotAuthorized},
	44002:  {ClassTerminal, ReasonBadRequest},
	47001:  {ClassTerminal, ReasonBadRequest},
	89016:  {ClassTerminal, ReasonPlatformSameSubjectQuotaFull},
	89017:  {ClassTerminal, ReasonPlatformOtherSubjectQuotaFull},
	89407:  {ClassTerminal, ReasonPlatformOtherSubjectQuotaFull},
	89009:  {ClassTerminal, ReasonPlatformLinkedByLimitReached},
	89007:  {ClassTerminal, ReasonPlatformQuotaFull},
	89030:  {ClassTerminal, ReasonPlatformMonthlyLimitReached},
	89008:  {ClassTerminal, ReasonOverseas},
	89013:  {ClassTerminal, ReasonBanned},
	89011:  {ClassTerminal, ReasonConsoleOnly},
	89012:  {ClassTerminal, ReasonConsoleOnly},
	1003:   {ClassTerminal, ReasonAccountCountReached},
	1005:   {ClassTerminal, ReasonAccountCountReached},
	89000:  {ClassTerminal, ReasonAlreadyBound},
	89001:  {ClassTerminal, ReasonSubjectMismatch},
	89004:  {ClassTerminal, ReasonOpenPlatformAccountFull},
	89003:  {ClassTerminal, ReasonNotCreatedByAPI},
	89036:  {ClassTerminal, ReasonNotVerified},
	85001:  {ClassTerminal, ReasonTesterUnknown},
	85002:  {ClassTerminal, ReasonTesterLimit},
	85003:  {ClassTerminal, ReasonTesterLimit},
	89010:  {ClassPending, ReasonInvitationPending},
	89018:  {ClassPending, ReasonUnlinkPending},
	803131: {ClassTerminal, ReasonBadRequest},

	CodeInvalidSharer:     {ClassTerminal, ReasonInvalidSharer},
	CodeInvalidTransition: {ClassTerminal, ReasonBadRequest},
}

// Errcodes that callers treat as success or as a state rather than as a failure.
const (
	CodeAlreadyLinked      = 89015 // wxamplink: the Mini Program is already linked: adopt it
	CodeInvitationPending  = 89010 // wxamplink: an invitation is already pending: keep polling
	CodeOpenNotBound       = 89002 // open/get: the account is bound to no Open Platform account
	CodeAlreadyBoundOpen   = 89000 // open/bind, open/create: already bound (to this or another account)
	CodeTesterAlreadyBound = 85004 // bind_tester: already a tester
)

// KnownCode reports whether code is an errcode wxlink knows: one of the taxonomy, or one of the codes above
// that callers treat as a state. Anything else is classified as UnknownError.
func KnownCode(code int) bool {
	if _, ok := taxonomy[code]; ok {
		return true
	}
	switch code {
	case CodeAlreadyLinked, CodeInvitationPending, CodeOpenNotBound, CodeAlreadyBoundOpen, CodeTesterAlreadyBound,
		CodeUnlinkPending, CodeNotPartner:
		return true
	}
	return false
}

// Classify builds the Error for an errcode returned by api. now gives the wait for 45009 (the next day in
// Beijing time); an unknown errcode is terminal with reason UnknownError, so that it surfaces in status
// instead of being retried forever.
func Classify(api string, code int, msg string, now time.Time) *Error {
	e := &Error{API: api, Code: code, Msg: msg, Class: ClassTerminal, Reason: ReasonUnknownError}
	if t, ok := taxonomy[code]; ok {
		e.Class, e.Reason = t.class, t.reason
	}
	if api == "cgi-bin/wxopen/wxamplink" && code == 1005 {
		// On wxamplink the community reports 1005 for a 4th different-subject Mini Program: a quota, not the
		// admin's bound-account count that 1005 means elsewhere.
		e.Reason = ReasonPlatformOtherSubjectQuotaFull
	}
	switch code {
	case 45009:
		e.RetryAfter = UntilNextBeijingDay(now)
	case 45011:
		e.RetryAfter = time.Minute - time.Duration(now.Second())*time.Second
	}
	return e
}

// HTTPError builds the Error for a non-200 response: 5xx and 429 are retryable, anything else is terminal.
func HTTPError(api string, status int) *Error {
	e := &Error{API: api, HTTPStatus: status, Msg: fmt.Sprintf("unexpected HTTP status %d", status),
		Class: ClassTerminal, Reason: ReasonBadRequest}
	if status >= 500 || status == 429 {
		e.Class, e.Reason = ClassRetryable, ReasonServerError
	}
	return e
}

// NetworkError builds the Error for a request that got no response. what must not contain the request URL,
// which carries the access token.
func NetworkError(api, what string) *Error {
	return &Error{API: api, Msg: what, Class: ClassRetryable, Reason: ReasonNetwork}
}

// UntilNextBeijingDay is the time from now until the next midnight in Beijing, when daily quotas reset.
func UntilNextBeijingDay(now time.Time) time.Duration {
	b := now.In(rules.BeijingTime)
	next := time.Date(b.Year(), b.Month(), b.Day()+1, 0, 0, 0, 0, rules.BeijingTime)
	return next.Sub(now)
}

// As returns the *Error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsClass reports whether err is a platform Error of class c.
func IsClass(err error, c Class) bool {
	e, ok := As(err)
	return ok && e.Class == c
}

// IsRetryable reports whether err is a passing fault worth retrying.
func IsRetryable(err error) bool { return IsClass(err, ClassRetryable) }

// IsTerminal reports whether err needs a person to change something before a retry can help.
func IsTerminal(err error) bool { return IsClass(err, ClassTerminal) }

// HasCode reports whether err is a platform Error with errcode code.
func HasCode(err error, code int) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

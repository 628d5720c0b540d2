// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Endpoint paths, as they appear in errors and in the api metric label.
const (
	apiLinkGet        = "cgi-bin/wxopen/wxamplinkget"
	apiLink           = "cgi-bin/wxopen/wxamplink"
	apiUnlink         = "cgi-bin/wxopen/wxampunlink"
	apiOpenCreate     = "cgi-bin/open/create"
	apiOpenGet        = "cgi-bin/open/get"
	apiOpenBind       = "cgi-bin/open/bind"
	apiOpenUnbind     = "cgi-bin/open/unbind"
	apiBindTester     = "wxa/bind_tester"
	apiUnbindTester   = "wxa/unbind_tester"
	apiMemberAuth     = "wxa/memberauth"
	apiBasicInfo      = "cgi-bin/account/getaccountbasicinfo"
	apiAuthorizerInfo = "cgi-bin/component/api_get_authorizer_info"
)

func checkAccount(api string, acct platform.Account) error {
	if acct.AppID == "" {
		return &platform.Error{API: api, Msg: "the account has no AppID", Class: platform.ClassTerminal,
			Reason: platform.ReasonInvalidAppID}
	}
	if acct.Credential == "" {
		return &platform.Error{API: api, Msg: "the account has no credential (AppSecret or authorizer refresh token)",
			Class: platform.ClassTerminal, Reason: platform.ReasonInvalidCredentials}
	}
	return nil
}

// call POSTs body to api with acct's access token, renewing the token once on an auth errcode.
func (c *Client) call(ctx context.Context, acct platform.Account, api string, body any,
	decode func(data []byte) *platform.Error) error {
	return c.callCounting(ctx, acct, api, body, decode, nil)
}

// callCounting is call, counting into unanswered the attempts that reached the platform without an answer.
func (c *Client) callCounting(ctx context.Context, acct platform.Account, api string, body any,
	decode func(data []byte) *platform.Error, unanswered *int) error {
	if err := checkAccount(api, acct); err != nil {
		return err
	}
	if decode == nil {
		decode = func(data []byte) *platform.Error { return decodeBody(api, data, nil, c.now()) }
	}
	return c.withToken(ctx, c.accountSource(acct), func(token string) error {
		return c.do(ctx, request{api: api, method: http.MethodPost, query: url.Values{"access_token": {token}},
			body: body, secrets: []string{acct.Credential.Reveal()}, account: acct.AppID, unanswered: unanswered}, decode)
	})
}

// ListMiniProgramLinks implements platform.Platform with wxamplinkget. Items without appid keep their
// username; statuses other than 1/2/3/12 pass through as numbers.
func (c *Client) ListMiniProgramLinks(ctx context.Context, oa platform.Account) ([]platform.MiniProgramLink, error) {
	var links []platform.MiniProgramLink
	err := c.call(ctx, oa, apiLinkGet, struct{}{}, func(data []byte) *platform.Error {
		var perr *platform.Error
		links, perr = decodeLinks(apiLinkGet, data, c.now())
		return perr
	})
	if err != nil {
		return nil, err
	}
	return links, nil
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// LinkMiniProgram implements platform.Platform with wxamplink: success is LinkRequested, 89015 (already
// linked) is LinkAlreadyLinked and 89010 (invitation pending) is LinkAlreadyPending, each with a nil error:
// not new links. Only when they answer the retry of an attempt that reached the platform and went
// unanswered are they the platform's memory of that attempt, which made the link: LinkRequested.
func (c *Client) LinkMiniProgram(ctx context.Context, oa platform.Account, miniProgramAppID string,
	opts platform.LinkOptions) (platform.LinkOutcome, error) {
	body := map[string]any{
		"appid":        miniProgramAppID,
		"notify_users": bit(opts.NotifyFollowers),
		"show_profile": bit(opts.ShowOnProfile),
	}
	unanswered := 0
	err := c.callCounting(ctx, oa, apiLink, body, nil, &unanswered)
	already := platform.HasCode(err, platform.CodeAlreadyLinked) || platform.HasCode(err, platform.CodeInvitationPending)
	switch {
	case err == nil:
		return platform.LinkRequested, nil
	case already && unanswered > 0:
		// An earlier attempt of this very call reached the platform and went unanswered: "already linked" (or
		// "already pending") is the platform's memory of that attempt, which made the association and
		// counted against the month. It is a new link, not an existing one.
		c.log.V(1).Info("an unanswered attempt of this link request made it", "errcode", codeOf(err))
		return platform.LinkRequested, nil
	case platform.HasCode(err, platform.CodeAlreadyLinked):
		return platform.LinkAlreadyLinked, nil
	case platform.HasCode(err, platform.CodeInvitationPending):
		return platform.LinkAlreadyPending, nil
	case unanswered > 0 && answeredWithCode(err):
		// The unanswered attempt may have made the association (and taken the slot or the month's allowance
		// the retry is now refused for): whatever errcode the retry got, the outcome is unknown. The caller
		// keeps its request unsettled and settles it from the platform's list. (An error without an errcode,
		// a network or HTTP failure, says so already.)
		return 0, uncertain(apiLink, err)
	}
	return 0, err
}

// answeredWithCode reports whether the platform answered the call with an errcode.
func answeredWithCode(err error) bool {
	pe, ok := platform.As(err)
	return ok && pe.Code != 0
}

// uncertain is the retryable error of a call whose unanswered attempt may have been applied while its retry
// failed with an errcode. It keeps the retry's RetryAfter: after a 45009 the caller waits for the next day
// rather than asking again at once (its outcome stays unsettled meanwhile).
func uncertain(api string, err error) *platform.Error {
	e := &platform.Error{API: api, Class: platform.ClassRetryable, Reason: platform.ReasonNetwork,
		Msg: fmt.Sprintf("an attempt reached the platform without an answer and its retry failed (%v): "+
			"whether the request was made is read from the platform's list", err)}
	if pe, ok := platform.As(err); ok {
		e.RetryAfter = pe.RetryAfter
	}
	return e
}

// UnlinkMiniProgram implements platform.Platform with wxampunlink.
//
// The docs name no errcode for "that Mini Program is not linked" (the endpoint's table lists only 89013),
// so the client does not guess one: when wxampunlink fails with a terminal errcode, it reads wxamplinkget
// and returns nil when the Mini Program holds no slot there (absent, or status 3 rejected). When some
// occupying item lacks an appid the absence cannot be proven and the error is returned. 89018 (an unlink
// is already waiting for the Official Account admin) is returned as is: ClassPending, keep polling.
func (c *Client) UnlinkMiniProgram(ctx context.Context, oa platform.Account, miniProgramAppID string) error {
	err := c.call(ctx, oa, apiUnlink, map[string]any{"appid": miniProgramAppID}, nil)
	if err == nil || !platform.IsTerminal(err) {
		return err
	}
	links, lerr := c.ListMiniProgramLinks(ctx, oa)
	if lerr != nil {
		return err
	}
	if linkMayHold(links, miniProgramAppID) {
		return err
	}
	c.log.V(1).Info("wxampunlink failed but the Mini Program is not linked; nothing to unlink",
		"errcode", codeOf(err))
	return nil
}

// linkMayHold reports whether the Mini Program may hold a slot in links.
func linkMayHold(links []platform.MiniProgramLink, appID string) bool {
	for _, l := range links {
		if !l.Status.Occupying() {
			continue
		}
		if l.AppID == appID || l.AppID == "" {
			return true
		}
	}
	return false
}

func codeOf(err error) int {
	if e, ok := platform.As(err); ok {
		return e.Code
	}
	return 0
}

// GetOpenAccount implements platform.Platform with open/get; 89002 (not bound) returns ("", nil).
func (c *Client) GetOpenAccount(ctx context.Context, acct platform.Account) (string, error) {
	var open string
	err := c.call(ctx, acct, apiOpenGet, map[string]any{"appid": acct.AppID}, func(data []byte) *platform.Error {
		var perr *platform.Error
		open, perr = decodeOpen(apiOpenGet, data, c.now())
		return perr
	})
	if platform.HasCode(err, platform.CodeOpenNotBound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return open, nil
}

// CreateOpenAccount implements platform.Platform with open/create. 89000 (already bound) is returned as the
// terminal error: the client cannot tell whether it created that Open Platform account. Only when it answers
// the retry of an attempt that reached the platform and went unanswered is it the platform's memory of that
// attempt, which created the account and bound acct to it: the client reads that open_appid with open/get and
// returns it as created (so that the caller records it as created by API, with the smaller binding limit of
// an unverified one, and unbinds from it on deletion).
func (c *Client) CreateOpenAccount(ctx context.Context, acct platform.Account) (string, error) {
	var open string
	unanswered := 0
	err := c.callCounting(ctx, acct, apiOpenCreate, map[string]any{"appid": acct.AppID}, func(data []byte) *platform.Error {
		var perr *platform.Error
		open, perr = decodeOpen(apiOpenCreate, data, c.now())
		if perr == nil && open == "" {
			perr = errMalformed(apiOpenCreate, fmt.Errorf("no open_appid in response"))
		}
		return perr
	}, &unanswered)
	if platform.HasCode(err, platform.CodeAlreadyBoundOpen) && unanswered > 0 {
		return c.createdUnanswered(ctx, acct, err)
	}
	if err != nil {
		return "", err
	}
	return open, nil
}

// createdUnanswered reads the Open Platform account that an unanswered open/create made, once its retry got
// 89000 (refused): the account's open_appid from open/get. The caller created no account of its own just
// before (it calls open/create only for an account open/get showed bound to none), so the binding is the
// unanswered attempt's. When open/get fails, its error is returned; when it shows no binding, refused.
func (c *Client) createdUnanswered(ctx context.Context, acct platform.Account, refused error) (string, error) {
	current, err := c.GetOpenAccount(ctx, acct)
	if err != nil {
		return "", err
	}
	if current == "" {
		return "", refused
	}
	c.log.V(1).Info("an unanswered attempt of open/create made the Open Platform account", "openAppID", current)
	return current, nil
}

// BindOpenAccount implements platform.Platform with open/bind. 89000 returns nil when open/get shows the
// account bound to openAppID already; otherwise the terminal error, naming the other open_appid.
func (c *Client) BindOpenAccount(ctx context.Context, acct platform.Account, openAppID string) error {
	err := c.call(ctx, acct, apiOpenBind, map[string]any{"appid": acct.AppID, "open_appid": openAppID}, nil)
	if !platform.HasCode(err, platform.CodeAlreadyBoundOpen) {
		return err
	}
	current, gerr := c.GetOpenAccount(ctx, acct)
	if gerr != nil {
		return gerr
	}
	if current == openAppID {
		return nil
	}
	e, _ := platform.As(err)
	cp := *e
	if current != "" {
		cp.Msg = fmt.Sprintf("%s (the account is bound to Open Platform account %s)", cp.Msg, current)
	}
	return &cp
}

// UnbindOpenAccount implements platform.Platform with open/unbind. 89002 (bound to no Open Platform
// account) returns nil.
func (c *Client) UnbindOpenAccount(ctx context.Context, acct platform.Account, openAppID string) error {
	err := c.call(ctx, acct, apiOpenUnbind, map[string]any{"appid": acct.AppID, "open_appid": openAppID}, nil)
	if platform.HasCode(err, platform.CodeOpenNotBound) {
		return nil
	}
	return err
}

// ListTesters implements platform.Platform with memberauth get_experiencer.
func (c *Client) ListTesters(ctx context.Context, mp platform.Account) ([]platform.Tester, error) {
	var testers []platform.Tester
	err := c.call(ctx, mp, apiMemberAuth, map[string]any{"action": "get_experiencer"}, func(data []byte) *platform.Error {
		var perr *platform.Error
		testers, perr = decodeMembers(apiMemberAuth, data, c.now())
		return perr
	})
	if err != nil {
		return nil, err
	}
	return testers, nil
}

// BindTester implements platform.Platform with bind_tester. On 85004 (already a tester) it returns the
// userstr when the response carries one and ("", nil) otherwise: the platform offers no WeChat ID →
// userstr lookup (memberauth lists userstrs only), so the caller keeps the userstr from the first bind.
func (c *Client) BindTester(ctx context.Context, mp platform.Account, wechatID string) (string, error) {
	var userStr string
	err := c.call(ctx, mp, apiBindTester, map[string]any{"wechatid": wechatID}, func(data []byte) *platform.Error {
		var r bindTesterResp
		if json.Unmarshal(data, &r) == nil {
			userStr = string(r.UserStr)
		}
		return decodeBody(apiBindTester, data, nil, c.now())
	})
	if platform.HasCode(err, platform.CodeTesterAlreadyBound) {
		return userStr, nil
	}
	if err != nil {
		return "", err
	}
	return userStr, nil
}

// UnbindTester implements platform.Platform with unbind_tester: by userstr when the caller knows it, else by
// wechatid (the endpoint accepts either). A ref with neither is refused locally.
func (c *Client) UnbindTester(ctx context.Context, mp platform.Account, tester platform.TesterRef) error {
	body := map[string]any{"userstr": tester.UserStr}
	if tester.UserStr == "" {
		if tester.WeChatID == "" {
			return &platform.Error{API: apiUnbindTester, Msg: "the tester has neither a userstr nor a WeChat ID",
				Class: platform.ClassTerminal, Reason: platform.ReasonBadRequest}
		}
		body = map[string]any{"wechatid": tester.WeChatID}
	}
	return c.call(ctx, mp, apiUnbindTester, body, nil)
}

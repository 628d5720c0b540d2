// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package fake

import (
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// apis is the endpoint the real client calls for each method (the first one, where it calls several).
var apis = map[string]string{
	MethodDescribeAccount:      "cgi-bin/account/getaccountbasicinfo",
	MethodListMiniProgramLinks: "cgi-bin/wxopen/wxamplinkget",
	MethodLinkMiniProgram:      "cgi-bin/wxopen/wxamplink",
	MethodUnlinkMiniProgram:    "cgi-bin/wxopen/wxampunlink",
	MethodGetOpenAccount:       "cgi-bin/open/get",
	MethodCreateOpenAccount:    "cgi-bin/open/create",
	MethodBindOpenAccount:      "cgi-bin/open/bind",
	MethodUnbindOpenAccount:    "cgi-bin/open/unbind",
	MethodListTesters:          "wxa/memberauth",
	MethodBindTester:           "wxa/bind_tester",
	MethodUnbindTester:         "wxa/unbind_tester",
	MethodAccessToken:          "cgi-bin/stable_token",
	MethodGetStorePartner:      "channels/ec/cooperation/invitation/get",
	MethodListStorePartners:    "channels/ec/cooperation/list",
	MethodInviteStorePartner:   "channels/ec/cooperation/invitation/qrcode/generate",
	MethodCancelStoreInvite:    "channels/ec/cooperation/invitation/cancel",
	MethodUnbindStorePartner:   "channels/ec/cooperation/unbind",
}

// API returns the endpoint path the real client calls for method, for example "cgi-bin/wxopen/wxamplink"
// for MethodLinkMiniProgram; "" for an unknown method.
func API(method string) string { return apis[method] }

// Errcode returns the typed error the real client returns when api answers with errcode code, classified
// by platform.Classify, with errmsg "injected".
func Errcode(api string, code int) error {
	return platform.Classify(api, code, "injected", time.Now())
}

// ErrcodeFor is Errcode for the endpoint of method: ErrcodeFor(MethodLinkMiniProgram, 89016) is the
// quota error of wxamplink.
func ErrcodeFor(method string, code int) error {
	return Errcode(API(method), code)
}

// NetworkError returns the retryable error the real client returns when the request for method gets no
// response.
func NetworkError(method string) error {
	return platform.NetworkError(API(method), "injected: connection refused")
}

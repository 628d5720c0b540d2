// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// DescribeAccount implements platform.Platform.
//
// OwnSecret route: getaccountbasicinfo (POST {} with the account's token).
//
// ThirdPartyPlatform route: api_get_authorizer_info (component token) for the type, original ID, nickname,
// subject name, verify_type_info and business_info.open_pay; then, best effort, getaccountbasicinfo with
// the authorizer token for principal_type (api_get_authorizer_info has no subject type) and the fresher
// wx_verify_info (the community reports verify_type_info lagging behind a new verification). When the
// permission set for getaccountbasicinfo was not granted (48001, 61007) the subject type stays empty and
// the caller reports it as unknown.
//
// Mapping decisions (the docs leave them open):
//   - principal_type 0 Individual, 1 Enterprise (customer_type 12 → IndividualBusiness), 2 Media,
//     3 Government, 4 OtherOrganization; anything else or absent → empty type. The community reports an
//     individual business answering customer_type 1; it then reads as Enterprise, which the platform
//     itself says.
//   - verification: Verified when wx_verify_info.qualification_verify is true or customer_type is non-zero
//     (qualification verification is what grants 微信认证's privileges, naming verification is not needed);
//     Expired when it is verified, annual_review is true and annual_review_end_time has passed;
//     InProgress when unverified, the subject is not Individual and realname_status is 2 (in progress);
//     otherwise Unverified. verify_type_info.id: 0 and 3/4/5 (qualification verified, name not) →
//     Verified; -1, 1, 2 (none, or a Weibo verification only) → Unverified; anything else → empty, which
//     the rules report as an unknown state.
//   - Released: neither endpoint says; it stays nil (wxamplinkget reports it per link).
//   - PaymentEnabled: business_info.open_pay on the third-party route; getaccountbasicinfo has no such
//     field, so on the OwnSecret route it is false.
func (c *Client) DescribeAccount(ctx context.Context, acct platform.Account) (*platform.AccountInfo, error) {
	if c.cfg.Route.Kind == RouteThirdPartyPlatform {
		return c.describeAuthorizer(ctx, acct)
	}
	b, err := c.basicInfo(ctx, acct)
	if err != nil {
		return nil, err
	}
	return accountFromBasicInfo(acct.AppID, b, c.now()), nil
}

func (c *Client) basicInfo(ctx context.Context, acct platform.Account) (*basicInfoResp, error) {
	var b *basicInfoResp
	err := c.call(ctx, acct, apiBasicInfo, struct{}{}, func(data []byte) *platform.Error {
		var perr *platform.Error
		b, perr = decodeBasicInfo(apiBasicInfo, data, c.now())
		return perr
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (c *Client) describeAuthorizer(ctx context.Context, acct platform.Account) (*platform.AccountInfo, error) {
	if err := checkAccount(apiAuthorizerInfo, acct); err != nil {
		return nil, err
	}
	var ai *authorizerInfoResp
	err := c.withToken(ctx, c.componentSource(), func(ct string) error {
		body := map[string]any{"component_appid": c.cfg.Route.ComponentAppID, "authorizer_appid": acct.AppID}
		return c.do(ctx, request{api: apiAuthorizerInfo, method: http.MethodPost, query: componentQuery(ct),
			body: body, secrets: []string{acct.Credential.Reveal()}, account: c.cfg.Route.ComponentAppID}, func(data []byte) *platform.Error {
			var perr *platform.Error
			ai, perr = decodeAuthorizerInfo(data, c.now())
			return perr
		})
	})
	if err != nil {
		return nil, err
	}
	src := c.authorizerSource(acct)
	c.noteRefreshToken(src.key, acct, c.currentRefreshToken(src.key, acct.Credential),
		ai.AuthorizationInfo.AuthorizerRefreshToken)

	b, err := c.basicInfo(ctx, acct)
	if err != nil {
		if !permissionMissing(err) {
			return nil, err
		}
		c.log.V(1).Info("getaccountbasicinfo not permitted for this authorizer; subject type unknown",
			"errcode", codeOf(err))
		b = nil
	}
	return accountFromAuthorizerInfo(acct.AppID, ai, b, c.now()), nil
}

// permissionMissing reports whether err says the permission set (or the endpoint) is not available.
func permissionMissing(err error) bool {
	e, ok := platform.As(err)
	if !ok {
		return false
	}
	return e.Code == 48001 || e.Code == 61007 || e.HTTPStatus == http.StatusNotFound
}

func accountType(n flexInt) platform.AccountType {
	switch n {
	case 1:
		return platform.AccountSubscription
	case 2:
		return platform.AccountService
	case 3:
		return platform.AccountMiniProgram
	}
	return platform.AccountUnknown
}

// customerIndividualBusiness is customer_type 12, 个体工商户.
const customerIndividualBusiness = 12

func subjectType(principalType *flexInt, customerType flexInt) rules.SubjectType {
	if principalType == nil {
		return ""
	}
	switch *principalType {
	case 0:
		return rules.SubjectIndividual
	case 1:
		if customerType == customerIndividualBusiness {
			return rules.SubjectIndividualBusiness
		}
		return rules.SubjectEnterprise
	case 2:
		return rules.SubjectMedia
	case 3:
		return rules.SubjectGovernment
	case 4:
		return rules.SubjectOtherOrganization
	}
	return ""
}

// realnameInProgress is realname_status 2.
const realnameInProgress = 2

func verificationFromBasic(b *basicInfoResp, st rules.SubjectType, now time.Time) rules.VerificationState {
	wx := b.WxVerifyInfo
	if (wx != nil && bool(wx.QualificationVerify)) || b.CustomerType != 0 {
		if wx != nil && bool(wx.AnnualReview) && wx.AnnualReviewEndTime > 0 && now.Unix() > int64(wx.AnnualReviewEndTime) {
			return rules.VerificationExpired
		}
		return rules.VerificationVerified
	}
	if st != rules.SubjectIndividual && b.RealnameStatus == realnameInProgress {
		return rules.VerificationInProgress
	}
	return rules.VerificationUnverified
}

func verificationFromVerifyType(v *idObject) rules.VerificationState {
	if v == nil || v.ID == nil {
		return ""
	}
	switch *v.ID {
	case 0, 3, 4, 5:
		return rules.VerificationVerified
	case -1, 1, 2:
		return rules.VerificationUnverified
	}
	return ""
}

func accountFromBasicInfo(appID string, b *basicInfoResp, now time.Time) *platform.AccountInfo {
	st := subjectType(b.PrincipalType, b.CustomerType)
	return &platform.AccountInfo{
		AppID:        appID,
		Type:         accountType(b.AccountType),
		Nickname:     string(b.Nickname),
		Subject:      rules.Subject{Name: string(b.PrincipalName), Type: st},
		Verification: verificationFromBasic(b, st, now),
	}
}

func accountFromAuthorizerInfo(appID string, ai *authorizerInfoResp, b *basicInfoResp, now time.Time) *platform.AccountInfo {
	a := ai.AuthorizerInfo
	info := &platform.AccountInfo{
		AppID:        appID,
		Type:         platform.AccountUnknown,
		Username:     string(a.UserName),
		Nickname:     string(a.NickName),
		Subject:      rules.Subject{Name: string(a.PrincipalName)},
		Verification: verificationFromVerifyType(a.VerifyTypeInfo),
	}
	switch mp := bytes.TrimSpace(a.MiniProgramInfo); {
	case len(mp) > 0 && string(mp) != "null":
		info.Type = platform.AccountMiniProgram
	case a.ServiceTypeInfo != nil && a.ServiceTypeInfo.ID != nil:
		switch *a.ServiceTypeInfo.ID {
		case 0, 1:
			info.Type = platform.AccountSubscription
		case 2:
			info.Type = platform.AccountService
		}
	}
	if a.BusinessInfo != nil {
		pay := bool(a.BusinessInfo.OpenPay)
		info.PaymentEnabled = &pay
	}
	if b != nil {
		info.Subject.Type = subjectType(b.PrincipalType, b.CustomerType)
		if info.Subject.Name == "" {
			info.Subject.Name = string(b.PrincipalName)
		}
		if info.Type == platform.AccountUnknown {
			info.Type = accountType(b.AccountType)
		}
		if info.Nickname == "" {
			info.Nickname = string(b.Nickname)
		}
		if b.WxVerifyInfo != nil || b.CustomerType != 0 {
			info.Verification = verificationFromBasic(b, info.Subject.Type, now)
		}
	}
	return info
}

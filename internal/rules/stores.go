// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "fmt"

// Third-party store (微店 / 有赞 / 微盟) bindings to WeChat accounts: the WeChat-side prerequisites
// (shared/platform-rules.md, "third-party store <-> WeChat"). A Mini Program binding needs a released,
// verified Mini Program whose web-view business domains (业务域名) include the store's, which only its
// console shows; an Official Account binding needs a verified service account (服务号); a Channels binding an
// enterprise-verified Channels account with the product showcase (商品橱窗) open.

// Store binding reasons.
const (
	// ReasonMiniProgramNotReleased: the Mini Program has no released version.
	ReasonMiniProgramNotReleased = "MiniProgramNotReleased"
	// ReasonWebViewDomainUnconfirmed: the web-view business domain is set in the console only; a person must
	// add it and record that they did.
	ReasonWebViewDomainUnconfirmed = "WebViewDomainUnconfirmed"
	// ReasonNotServiceAccount: an Official Account binding needs a service account (服务号), not a
	// subscription account (订阅号).
	ReasonNotServiceAccount = "NotServiceAccount"
	// ReasonAccountTypeUnknown: the platform did not report whether an Official Account is a service account,
	// and its object declares no spec.accountType; a person declares it.
	ReasonAccountTypeUnknown = "AccountTypeUnknown"
	// ReasonChannelsNotEnterprise: a Channels binding needs an enterprise-verified Channels account.
	ReasonChannelsNotEnterprise = "ChannelsNotEnterprise"
	// ReasonShowcaseNotEnabled: a Channels binding needs the product showcase (商品橱窗) open.
	ReasonShowcaseNotEnabled = "ShowcaseNotEnabled"
	// ReasonShowcaseUnconfirmed: the Channels account's verification and product showcase are not observed
	// through an API; a person must check them and record that they did.
	ReasonShowcaseUnconfirmed = "ShowcaseUnconfirmed"
)

// StoreBindingKind is the kind of WeChat account a store serves.
type StoreBindingKind string

// Store binding kinds.
const (
	StoreBindsMiniProgram     StoreBindingKind = "MiniProgram"
	StoreBindsOfficialAccount StoreBindingKind = "OfficialAccount"
	StoreBindsChannels        StoreBindingKind = "ChannelsAccount"
)

// StoreBindingFacts is what wxlink observed (or was told) about one bound account.
type StoreBindingFacts struct {
	Kind StoreBindingKind
	Name string
	// Verified: the account's WeChat verification is Verified (Mini Program, Official Account).
	Verified bool
	// Released: the Mini Program has a released version (nil: unknown, as on the OwnSecret route, where
	// the platform does not say: not held against it).
	Released *bool
	// ServiceAccount: the Official Account is a service account (服务号); nil when neither the platform nor
	// the spec says which type it is.
	ServiceAccount *bool
	// Enterprise: the Channels account's subject is an enterprise.
	Enterprise bool
	// Showcase: the Channels account's product showcase is open (nil: not observed).
	Showcase *bool
	// ConsoleConfirmed: a person recorded checking in the console what no API shows (a Mini Program's
	// web-view business domain; a Channels account's enterprise verification and showcase).
	ConsoleConfirmed bool
}

// CheckStoreBinding returns the first unmet prerequisite of one binding, with the exact fix, or nil.
func CheckStoreBinding(f StoreBindingFacts) *Violation {
	switch f.Kind {
	case StoreBindsMiniProgram:
		return checkMiniProgramBinding(f)
	case StoreBindsOfficialAccount:
		return checkOfficialAccountBinding(f)
	}
	return checkChannelsBinding(f)
}

func checkMiniProgramBinding(f StoreBindingFacts) *Violation {
	switch {
	case !f.Verified:
		return &Violation{ReasonAccountNotVerified, fmt.Sprintf("Mini Program %s is not verified (微信认证): its admin "+
			"completes verification at mp.weixin.qq.com → 设置 → 微信认证", f.Name)}
	case f.Released != nil && !*f.Released:
		return &Violation{ReasonMiniProgramNotReleased, fmt.Sprintf("Mini Program %s has no released version: release "+
			"one (mp.weixin.qq.com → 管理 → 版本管理 → 提交审核, then 发布) before the store can open in it", f.Name)}
	case !f.ConsoleConfirmed:
		return &Violation{ReasonWebViewDomainUnconfirmed, fmt.Sprintf("the store opens in Mini Program %s through "+
			"web-view, whose business domains (业务域名) only the console shows: its admin adds the store's domain at "+
			"mp.weixin.qq.com → 开发 → 开发管理 → 开发设置 → 业务域名 (uploading the check file to the store's domain), "+
			"then records it in the binding's confirmedInConsole (by, on)", f.Name)}
	}
	return nil
}

func checkOfficialAccountBinding(f StoreBindingFacts) *Violation {
	switch {
	case f.ServiceAccount == nil:
		return &Violation{ReasonAccountTypeUnknown, fmt.Sprintf("the platform does not report the type of Official "+
			"Account %s: a store binding needs a service account (服务号); declare its type in the OfficialAccount's "+
			"spec.accountType (Service or Subscription, shown at mp.weixin.qq.com → 设置与开发 → 公众号设置)", f.Name)}
	case !*f.ServiceAccount:
		return &Violation{ReasonNotServiceAccount, fmt.Sprintf("Official Account %s is a subscription account (订阅号): "+
			"a store binding needs a service account (服务号); bind a service account instead (an account's type cannot "+
			"be changed by API)", f.Name)}
	case !f.Verified:
		return &Violation{ReasonAccountNotVerified, fmt.Sprintf("Official Account %s is not verified (微信认证): its "+
			"admin completes verification at mp.weixin.qq.com → 设置与开发 → 微信认证", f.Name)}
	}
	return nil
}

func checkChannelsBinding(f StoreBindingFacts) *Violation {
	switch {
	case !f.Enterprise:
		return &Violation{ReasonChannelsNotEnterprise, fmt.Sprintf("Channels account %s does not belong to an enterprise: "+
			"a store binding needs an enterprise-verified Channels account; bind one of an enterprise subject", f.Name)}
	case f.Showcase != nil && !*f.Showcase:
		return &Violation{ReasonShowcaseNotEnabled, fmt.Sprintf("Channels account %s has no product showcase (商品橱窗): "+
			"its admin opens it in the Channels assistant (channels.weixin.qq.com) → 带货中心 → 商品橱窗", f.Name)}
	case f.Showcase == nil && !f.ConsoleConfirmed:
		return &Violation{ReasonShowcaseUnconfirmed, fmt.Sprintf("wxlink cannot observe whether Channels account %s is "+
			"enterprise-verified (企业认证) with the product showcase (商品橱窗) open: its admin checks both in the Channels "+
			"assistant (channels.weixin.qq.com), then records it in the binding's confirmedInConsole (by, on)", f.Name)}
	}
	return nil
}

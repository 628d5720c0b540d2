// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "time"

// Every WeChat platform limit wxlink enforces is one named constant here, so
// that when the platform changes a number there is exactly one place to change.
// "platform-rules.md" refers to the team reference shared/platform-rules.md (the project's
// collected rules) and "wechat-api.md" to the team reference shared/wechat-api.md.

// Official Account <-> Mini Program associations (公众号关联小程序).
const (
	// OfficialAccountSameSubjectLinkLimit is how many Mini Programs of the SAME
	// subject one Official Account may associate.
	// Source: platform-rules.md, "Official Account <-> Mini Program associations",
	// row "per Official Account"; the platform answers errcode 89016
	// (reach same realname quota) beyond it.
	OfficialAccountSameSubjectLinkLimit = 10

	// OfficialAccountOtherSubjectLinkLimit is how many Mini Programs of a
	// DIFFERENT subject one Official Account may associate.
	// Source: platform-rules.md, "Official Account <-> Mini Program associations",
	// row "per Official Account"; errcode 89017 / 89407 (reach different
	// realname quota / limit) beyond it.
	OfficialAccountOtherSubjectLinkLimit = 3

	// MiniProgramLinkedByLimit is how many Official Accounts may associate one
	// Mini Program.
	// Source: platform-rules.md, "Official Account <-> Mini Program associations",
	// row "per Mini Program"; errcode 89009 (wxa reach link limit).
	MiniProgramLinkedByLimit = 500

	// OfficialAccountMonthlyNewLinkLimit is how many NEW associations an
	// Official Account may add per calendar month (Beijing time, see
	// BeijingTime).
	// Source: platform-rules.md, "Official Account <-> Mini Program associations",
	// row "monthly new associations"; errcode 89030 (operation reach month limit).
	OfficialAccountMonthlyNewLinkLimit = 13

	// MiniProgramMonthlyNewLinkLimit is how many NEW associations by Official
	// Accounts a Mini Program may receive per calendar month (Beijing time).
	// Source: platform-rules.md, "Official Account <-> Mini Program associations",
	// row "monthly new associations"; errcode 89030.
	MiniProgramMonthlyNewLinkLimit = 500
)

// Members of a Mini Program (成员管理). Source for all six: platform-rules.md,
// "Accounts and subjects (主体)", row "members of a Mini Program"; the tester
// API answers errcode 85002 (tester count full) beyond the tester limit
// (wechat-api.md, "Mini Program members").
const (
	// IndividualMaxDevelopers is the developer limit of an Individual (个人)
	// subject, whatever its verification state (it cannot be verified).
	IndividualMaxDevelopers = 5
	// IndividualMaxTesters is the tester (体验成员) limit of an Individual subject.
	IndividualMaxTesters = 10
	// UnverifiedOrgMaxDevelopers is the developer limit of an organisation
	// subject that is not (or no longer) verified.
	UnverifiedOrgMaxDevelopers = 10
	// UnverifiedOrgMaxTesters is the tester limit of an organisation subject
	// that is not (or no longer) verified.
	UnverifiedOrgMaxTesters = 20
	// VerifiedMaxDevelopers is the developer limit of a verified (微信认证)
	// organisation subject.
	VerifiedMaxDevelopers = 20
	// VerifiedMaxTesters is the tester limit of a verified organisation subject.
	VerifiedMaxTesters = 40
)

// WeChat Pay merchants (商户号).
const (
	// MerchantMaxAppIDs is how many AppIDs one WeChat Pay merchant may bind.
	// Source: platform-rules.md, "Other associations", row "WeChat Pay merchant
	// (商户号) <-> Mini Program"; wechat-api.md, "Console-only or partly console".
	MerchantMaxAppIDs = 50

	// MerchantBindingRequestTTL is how long a merchant's binding request waits
	// for the AppID admin's confirmation before it expires.
	// Source: platform-rules.md, "Other associations", row "WeChat Pay merchant
	// (商户号) <-> Mini Program" ("an unconfirmed request expires after 7 days").
	MerchantBindingRequestTTL time.Duration = 7 * 24 * time.Hour
)

// Open Platform (开放平台) binding. Source: platform-rules.md, "Open Platform
// (开放平台) binding"; WeChat third-party platform docs for /cgi-bin/open/create
// and /cgi-bin/open/bind.
const (
	// OpenPlatformMaxBoundAccounts is how many Official Accounts and Mini
	// Programs together one Open Platform account may bind (errcode 89004).
	OpenPlatformMaxBoundAccounts = 100

	// OpenPlatformUnverifiedAPICreatedMaxBound is how many (same-subject)
	// accounts an Open Platform account that was created through the API
	// (/cgi-bin/open/create) and has not completed developer verification may
	// bind. The open/create doc: "创建的open账号是未认证状态；对于未认证主体，
	// 相同主体最多只能绑定 5 个小程序"; the open/bind doc: "最多只能绑定5个".
	OpenPlatformUnverifiedAPICreatedMaxBound = 5
)

// WeChatUTCOffset is the offset of the time zone WeChat counts calendar
// months in (Beijing time, UTC+8, no daylight saving). Source: the monthly
// limits in platform-rules.md are counted per calendar month on the platform,
// which runs on China Standard Time.
const WeChatUTCOffset = 8 * time.Hour

// BeijingTime is WeChat's time zone, equivalent to Asia/Shanghai (UTC+8 with
// no daylight saving since 1991). It is a fixed zone so the package does not
// depend on the tzdata database being installed. It is never reassigned.
var BeijingTime = time.FixedZone("CST", int(WeChatUTCOffset/time.Second))

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "fmt"

// OpenPlatformFacts are what the rules need to know about an Open Platform
// account (开放平台账号) before binding another account to it. The kind of the
// account being bound is AccountFacts.Kind.
type OpenPlatformFacts struct {
	// OpenAppID is the Open Platform account's open_appid (used in messages
	// and to recognise an account that is already bound to it).
	OpenAppID string
	// Subject is the Open Platform account's subject.
	Subject Subject
	// DeveloperVerified: developer verification (开发者资质认证) is complete.
	DeveloperVerified bool
	// CreatedByAPI: the account was created through /cgi-bin/open/create
	// rather than registered in the web console.
	CreatedByAPI bool
	// BoundCount is how many Official Accounts and Mini Programs are bound to
	// it now, not counting the account being checked.
	BoundCount int
}

// CheckOpenPlatformBind returns nil when acct may be bound to the Open
// Platform account op through the API (/cgi-bin/open/bind), and otherwise the
// first broken rule, checked in this order (platform-rules.md, "Open Platform
// (开放平台) binding" and the Open Platform row of "Accounts and subjects"):
//  1. acct is already bound to op: nil, nothing to do (the platform answers
//     89000, which is success here). Bound to another Open Platform account:
//     ReasonAlreadyBoundToOpenPlatform (89000).
//  2. op is not developer-verified and was registered in the web console: it
//     cannot bind through the API at all (89036). For a Mini Program this is
//     ReasonOpenPlatformNotVerified (verification is required before an Open
//     Platform account binds Mini Programs); for any other kind it is
//     ReasonOpenPlatformNotCreatedByAPI.
//  3. Subjects differ: ReasonSubjectMismatch (89001). Every API bind needs the
//     same subject; cross-subject binding is a console step.
//  4. op already binds OpenPlatformMaxBoundAccounts: ReasonOpenPlatformFull
//     (89004).
//  5. op is unverified (and so created by API) and already binds
//     OpenPlatformUnverifiedAPICreatedMaxBound: ReasonOpenPlatformUnverifiedLimitReached.
//
// An unverified account created by the API may bind Mini Programs (up to the
// limit of 5): the open/create documentation says so explicitly, and it is the
// more specific source than the general "verification before Mini Programs".
func CheckOpenPlatformBind(op OpenPlatformFacts, acct AccountFacts) *Violation {
	opName := "the Open Platform account"
	if op.OpenAppID != "" {
		opName += " " + op.OpenAppID
	}
	if acct.OpenAppID != "" {
		if acct.OpenAppID == op.OpenAppID {
			return nil
		}
		return violation(ReasonAlreadyBoundToOpenPlatform, fmt.Sprintf(
			"%s is already bound to the Open Platform account %s (errcode 89000) and an account binds to only one; unbind it there first (a console step unless that account was created by the API)",
			acct.name(), acct.OpenAppID))
	}
	if !op.DeveloperVerified && !op.CreatedByAPI {
		if acct.Kind == KindMiniProgram {
			return violation(ReasonOpenPlatformNotVerified, fmt.Sprintf(
				"%s has not completed developer verification (开发者资质认证), which is required before it can bind Mini Programs (the API answers errcode 89036); complete it in the Open Platform console, then %s is bound",
				opName, acct.name()))
		}
		return violation(ReasonOpenPlatformNotCreatedByAPI, fmt.Sprintf(
			"%s was registered in the web console and is not verified, so accounts cannot be bound to it through the API (errcode 89036); complete developer verification (开发者资质认证) in the Open Platform console, or bind %s there by hand",
			opName, acct.name()))
	}
	if !SameSubject(op.Subject, acct.Subject) {
		return violation(ReasonSubjectMismatch, fmt.Sprintf(
			"%s has subject %s but %s has subject %s; the API binds only accounts of the same subject (errcode 89001) and a subject never changes, so use an Open Platform account of the same subject",
			acct.name(), acct.Subject, opName, op.Subject))
	}
	if op.BoundCount >= OpenPlatformMaxBoundAccounts {
		return violation(ReasonOpenPlatformFull, fmt.Sprintf(
			"%s already binds %d/%d Official Accounts and Mini Programs (errcode 89004); unbind one, or use another Open Platform account for %s",
			opName, op.BoundCount, OpenPlatformMaxBoundAccounts, acct.name()))
	}
	if !op.DeveloperVerified && op.BoundCount >= OpenPlatformUnverifiedAPICreatedMaxBound {
		return violation(ReasonOpenPlatformUnverifiedLimitReached, fmt.Sprintf(
			"%s was created by the API and is not verified, so it binds at most %d same-subject accounts and already binds %d; complete developer verification (开发者资质认证) to raise the limit to %d, then %s is bound",
			opName, OpenPlatformUnverifiedAPICreatedMaxBound, op.BoundCount, OpenPlatformMaxBoundAccounts, acct.name()))
	}
	return nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"strings"
	"testing"
)

func TestCheckOpenPlatformBind(t *testing.T) {
	subj := Subject{Name: "甲科技（深圳）有限公司", Type: SubjectEnterprise}
	other := Subject{Name: "乙科技有限公司", Type: SubjectEnterprise}
	verified := OpenPlatformFacts{OpenAppID: "wxopen1", Subject: subj, DeveloperVerified: true}
	apiCreated := OpenPlatformFacts{OpenAppID: "wxopen1", Subject: subj, CreatedByAPI: true}
	consoleUnverified := OpenPlatformFacts{OpenAppID: "wxopen1", Subject: subj}
	mp := AccountFacts{AppID: "wxmp1", Kind: KindMiniProgram, Subject: Subject{Name: "甲科技(深圳)有限公司", Type: SubjectEnterprise}}
	oa := AccountFacts{AppID: "wxoa1", Kind: KindOfficialAccount, Subject: subj}

	withCount := func(op OpenPlatformFacts, n int) OpenPlatformFacts { op.BoundCount = n; return op }
	withOpen := func(a AccountFacts, open string) AccountFacts { a.OpenAppID = open; return a }
	withSubject := func(a AccountFacts, s Subject) AccountFacts { a.Subject = s; return a }

	for _, tc := range []struct {
		name   string
		op     OpenPlatformFacts
		acct   AccountFacts
		reason string
		msg    []string
	}{
		{"verified, empty", verified, mp, "", nil},
		{"verified, 99 bound", withCount(verified, 99), mp, "", nil},
		{"verified, 100 bound", withCount(verified, 100), mp, ReasonOpenPlatformFull, []string{"100/100", "89004"}},
		{"verified, 101 bound", withCount(verified, 101), oa, ReasonOpenPlatformFull, []string{"101/100"}},
		{"verified and console-created binds an OA", verified, oa, "", nil},
		{"verified, different subject", verified, withSubject(mp, other), ReasonSubjectMismatch, []string{"89001", "乙科技有限公司", "甲科技（深圳）有限公司"}},
		{"verified, same name other type", verified, withSubject(mp, Subject{Name: subj.Name, Type: SubjectIndividualBusiness}), ReasonSubjectMismatch, nil},
		{"api-created unverified, 4 bound, MP", withCount(apiCreated, 4), mp, "", nil},
		{"api-created unverified, 4 bound, OA", withCount(apiCreated, 4), oa, "", nil},
		{"api-created unverified, 5 bound", withCount(apiCreated, 5), mp, ReasonOpenPlatformUnverifiedLimitReached, []string{"at most 5", "already binds 5", "开发者资质认证", "100"}},
		{"api-created unverified, different subject", apiCreated, withSubject(oa, other), ReasonSubjectMismatch, []string{"89001"}},
		{"api-created verified, 5 bound", withCount(OpenPlatformFacts{Subject: subj, CreatedByAPI: true, DeveloperVerified: true}, 5), mp, "", nil},
		{"api-created unverified, 100 bound: capacity first", withCount(apiCreated, 100), mp, ReasonOpenPlatformFull, nil},
		{"console unverified, MP", consoleUnverified, mp, ReasonOpenPlatformNotVerified, []string{"开发者资质认证", "Mini Programs", "89036", "wxopen1"}},
		{"console unverified, OA", consoleUnverified, oa, ReasonOpenPlatformNotCreatedByAPI, []string{"web console", "89036", "wxoa1"}},
		{"console unverified, different subject: verification first", consoleUnverified, withSubject(mp, other), ReasonOpenPlatformNotVerified, nil},
		{"already bound here", withCount(verified, 100), withOpen(mp, "wxopen1"), "", nil},
		{"already bound elsewhere", verified, withOpen(mp, "wxopen2"), ReasonAlreadyBoundToOpenPlatform, []string{"wxopen2", "89000"}},
		{"already bound, op without id", OpenPlatformFacts{Subject: subj, DeveloperVerified: true}, withOpen(oa, "wxopen2"), ReasonAlreadyBoundToOpenPlatform, nil},
		{"no account kind is not a Mini Program", consoleUnverified, AccountFacts{Subject: subj}, ReasonOpenPlatformNotCreatedByAPI, []string{"the account"}},
		{"unknown subject of the Open Platform", OpenPlatformFacts{DeveloperVerified: true}, mp, ReasonSubjectMismatch, []string{"the Open Platform account has"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckOpenPlatformBind(tc.op, tc.acct)
			if tc.reason == "" {
				if got != nil {
					t.Fatalf("want nil, got %v", got)
				}
				return
			}
			if got == nil || got.Reason != tc.reason {
				t.Fatalf("want %s, got %v", tc.reason, got)
			}
			for _, s := range tc.msg {
				if !strings.Contains(got.Message, s) {
					t.Errorf("message %q lacks %q", got.Message, s)
				}
			}
		})
	}
}

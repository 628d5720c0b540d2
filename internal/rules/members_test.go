// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"strconv"
	"strings"
	"testing"
)

// TestMemberLimitsFor crosses every subject type with every verification
// state, plus unknown ones.
func TestMemberLimitsFor(t *testing.T) {
	individual := MemberLimits{5, 10}
	unverified := MemberLimits{10, 20}
	verified := MemberLimits{20, 40}
	//                                     Unverified  InProgress  Verified  Expired
	want := map[SubjectType][4]MemberLimits{
		SubjectIndividual:         {individual, individual, individual, individual},
		SubjectEnterprise:         {unverified, unverified, verified, unverified},
		SubjectIndividualBusiness: {unverified, unverified, verified, unverified},
		SubjectGovernment:         {unverified, unverified, verified, unverified},
		SubjectMedia:              {unverified, unverified, verified, unverified},
		SubjectOtherOrganization:  {unverified, unverified, verified, unverified},
		SubjectOverseas:           {unverified, unverified, verified, unverified},
	}
	for _, st := range AllSubjectTypes() {
		for i, v := range AllVerificationStates() {
			if got := MemberLimitsFor(st, v); got != want[st][i] {
				t.Errorf("MemberLimitsFor(%s, %s) = %+v, want %+v", st, v, got, want[st][i])
			}
		}
	}
	if got := MemberLimitsFor(SubjectEnterprise, "Weird"); got != unverified {
		t.Errorf("unknown state of an organisation: got %+v, want unverified limits", got)
	}
	if got := MemberLimitsFor("Charity", VerificationVerified); got != individual {
		t.Errorf("unknown subject type: got %+v, want the smallest limits", got)
	}
}

// TestCheckMembers checks every subject type and state at the limit and at
// limit+1 for developers and testers.
func TestCheckMembers(t *testing.T) {
	for _, st := range AllSubjectTypes() {
		for _, v := range AllVerificationStates() {
			lim := MemberLimitsFor(st, v)
			name := string(st) + "/" + string(v)
			t.Run(name, func(t *testing.T) {
				if got := CheckMembers(st, v, lim.Developers, lim.Testers); got != nil {
					t.Errorf("at the limits: %v", got)
				}
				if got := CheckMembers(st, v, 0, 0); got != nil {
					t.Errorf("no members: %v", got)
				}
				got := CheckMembers(st, v, lim.Developers+1, lim.Testers)
				if got == nil || got.Reason != ReasonTooManyDevelopers {
					t.Fatalf("developers+1: got %v", got)
				}
				if !strings.Contains(got.Message, strconv.Itoa(lim.Developers+1)) ||
					!strings.Contains(got.Message, "at most "+strconv.Itoa(lim.Developers)) ||
					!strings.Contains(got.Message, "remove 1 developer") {
					t.Errorf("developers message lacks the numbers: %q", got.Message)
				}
				if strings.Contains(got.Message, "testers are over") {
					t.Errorf("testers are within their limit: %q", got.Message)
				}
				got = CheckMembers(st, v, lim.Developers, lim.Testers+1)
				if got == nil || got.Reason != ReasonTooManyTesters {
					t.Fatalf("testers+1: got %v", got)
				}
				if !strings.Contains(got.Message, "at most "+strconv.Itoa(lim.Testers)) ||
					!strings.Contains(got.Message, "remove 1 tester") {
					t.Errorf("testers message lacks the numbers: %q", got.Message)
				}
				got = CheckMembers(st, v, lim.Developers+2, lim.Testers+3)
				if got == nil || got.Reason != ReasonTooManyDevelopers ||
					!strings.Contains(got.Message, "testers are over their limit too") ||
					!strings.Contains(got.Message, "remove 3 tester") {
					t.Errorf("both over: got %v", got)
				}
			})
		}
	}
}

func TestCheckMembersMessagesSayWhy(t *testing.T) {
	for _, tc := range []struct {
		st       SubjectType
		v        VerificationState
		dev      int
		contains []string
		absent   []string
	}{
		{SubjectIndividual, VerificationUnverified, 6, []string{"Individual subject", "cannot be verified", "at most 5"}, []string{"raise"}},
		{SubjectEnterprise, VerificationUnverified, 11, []string{"Enterprise subject that is not verified", "at most 10", "complete 微信认证 to raise the limit to 20 developers"}, nil},
		{SubjectGovernment, VerificationExpired, 11, []string{"state Expired", "raise the limit to 20"}, nil},
		{SubjectMedia, VerificationVerified, 21, []string{"verified Media subject", "at most 20"}, []string{"raise"}},
		{SubjectEnterprise, "Weird", 11, []string{"unknown verification state", "treated as unverified"}, nil},
	} {
		got := CheckMembers(tc.st, tc.v, tc.dev, 0)
		if got == nil {
			t.Errorf("%s/%s %d developers: no violation", tc.st, tc.v, tc.dev)
			continue
		}
		for _, s := range tc.contains {
			if !strings.Contains(got.Message, s) {
				t.Errorf("%s/%s: message %q lacks %q", tc.st, tc.v, got.Message, s)
			}
		}
		for _, s := range tc.absent {
			if strings.Contains(got.Message, s) {
				t.Errorf("%s/%s: message %q should not contain %q", tc.st, tc.v, got.Message, s)
			}
		}
	}
	got := CheckMembers(SubjectEnterprise, VerificationUnverified, 0, 21)
	if got == nil || !strings.Contains(got.Message, "raise the limit to 40 testers") {
		t.Errorf("unverified testers: %v", got)
	}
	if got := CheckMembers("Charity", VerificationVerified, 0, 0); got == nil || got.Reason != ReasonUnknownSubjectType {
		t.Errorf("unknown subject type: %v", got)
	}
}

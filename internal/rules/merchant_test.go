// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"strings"
	"testing"
	"time"
)

func TestCheckMerchantBinding(t *testing.T) {
	verifiedMP := AccountFacts{AppID: "wxmp1", Kind: KindMiniProgram, Subject: Subject{Name: "A", Type: SubjectEnterprise}, Verification: VerificationVerified}
	for _, tc := range []struct {
		name   string
		acct   AccountFacts
		bound  int
		reason string // "" = allowed
		msg    []string
	}{
		{"verified, empty merchant", verifiedMP, 0, "", nil},
		{"verified, 49 bound", verifiedMP, 49, "", nil},
		{"verified, 50 bound", verifiedMP, 50, ReasonMerchantAppIDLimitReached, []string{"50/50", "cannot be undone", "wxmp1"}},
		{"verified, 51 bound", verifiedMP, 51, ReasonMerchantAppIDLimitReached, []string{"51/50"}},
		{"unverified", withVerification(verifiedMP, VerificationUnverified), 0, ReasonAccountNotVerified, []string{"Unverified", "微信认证", "Mini Program console", "wxmp1"}},
		{"individual subject", withSubjectType(withVerification(verifiedMP, VerificationUnverified), SubjectIndividual), 0,
			ReasonIndividualCannotTakePay, []string{"Individual subject", "can never be verified", "can never be made", "wxmp1"}},
		{"in progress", withVerification(verifiedMP, VerificationInProgress), 0, ReasonAccountNotVerified, []string{"InProgress"}},
		{"expired", withVerification(verifiedMP, VerificationExpired), 0, ReasonAccountNotVerified, []string{"Expired"}},
		{"unknown state", withVerification(verifiedMP, ""), 0, ReasonAccountNotVerified, []string{"state unknown"}},
		{"unverified and merchant full: verification first", withVerification(verifiedMP, VerificationUnverified), 50, ReasonAccountNotVerified, nil},
		{"official account unverified", AccountFacts{Kind: KindOfficialAccount, Verification: VerificationUnverified}, 0, ReasonAccountNotVerified, []string{"the Official Account has", "Official Account console"}},
		{"no kind points at the Mini Program console", AccountFacts{Verification: VerificationUnverified}, 0, ReasonAccountNotVerified, []string{"the account has", "Mini Program console"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckMerchantBinding(tc.acct, tc.bound)
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

func withVerification(a AccountFacts, v VerificationState) AccountFacts {
	a.Verification = v
	return a
}

func TestMerchantRequestExpired(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	if MerchantBindingRequestTTL != 7*24*time.Hour {
		t.Fatalf("TTL = %v", MerchantBindingRequestTTL)
	}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{at, false},
		{at.Add(6 * 24 * time.Hour), false},
		{at.Add(7*24*time.Hour - time.Nanosecond), false},
		{at.Add(7 * 24 * time.Hour), true},
		{at.Add(8 * 24 * time.Hour), true},
		{at.Add(-time.Hour), false}, // clock behind the request
	} {
		if got := MerchantRequestExpired(at, tc.now); got != tc.want {
			t.Errorf("MerchantRequestExpired(%v, %v) = %v, want %v", at, tc.now, got, tc.want)
		}
	}
	if MerchantRequestExpired(time.Time{}, at) {
		t.Error("a request never made must not expire")
	}
	if got := MerchantRequestExpiresAt(at); !got.Equal(time.Date(2026, 11, 8, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("MerchantRequestExpiresAt = %v", got)
	}
}

func TestMerchantNeedsCommitmentLetter(t *testing.T) {
	a := Subject{Name: "甲公司", Type: SubjectEnterprise}
	if MerchantNeedsCommitmentLetter(a, Subject{Name: " 甲公司 ", Type: SubjectEnterprise}) {
		t.Error("same subject needs no letter")
	}
	if !MerchantNeedsCommitmentLetter(a, Subject{Name: "乙公司", Type: SubjectEnterprise}) {
		t.Error("different subject needs a letter")
	}
}

func TestAccountKindString(t *testing.T) {
	for k, want := range map[AccountKind]string{KindOfficialAccount: "Official Account", KindMiniProgram: "Mini Program", "": "account", "Channels": "account"} {
		if got := k.String(); got != want {
			t.Errorf("%q.String() = %q, want %q", string(k), got, want)
		}
	}
}

func withSubjectType(a AccountFacts, t SubjectType) AccountFacts {
	a.Subject.Type = t
	return a
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAllSubjectTypes(t *testing.T) {
	want := []SubjectType{"Individual", "Enterprise", "IndividualBusiness", "Government", "Media", "OtherOrganization", "Overseas"}
	got := AllSubjectTypes()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("AllSubjectTypes() = %v, want %v", got, want)
	}
	for _, st := range got {
		if !st.Known() {
			t.Errorf("%s.Known() = false", st)
		}
		if st.IsOrganisation() != (st != SubjectIndividual) {
			t.Errorf("%s.IsOrganisation() = %v", st, st.IsOrganisation())
		}
	}
	got[0] = "Mutated"
	if AllSubjectTypes()[0] != SubjectIndividual {
		t.Fatal("AllSubjectTypes returned a shared slice")
	}
	for _, st := range []SubjectType{"", "individual", "Company"} {
		if st.Known() || st.IsOrganisation() {
			t.Errorf("%q should be unknown and not an organisation", st)
		}
	}
}

func TestAllVerificationStates(t *testing.T) {
	want := []VerificationState{"Unverified", "InProgress", "Verified", "Expired"}
	got := AllVerificationStates()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("AllVerificationStates() = %v, want %v", got, want)
	}
	for _, v := range got {
		if !v.Known() {
			t.Errorf("%s.Known() = false", v)
		}
	}
	if VerificationState("verified").Known() || VerificationState("").Known() {
		t.Error("unknown states reported as known")
	}
}

func TestNormaliseSubjectName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"\u3000腾讯科技（深圳）有限公司\u3000", "腾讯科技(深圳)有限公司"},
		{"腾讯科技 (深圳) 有限公司", "腾讯科技(深圳)有限公司"},
		{"  Acme   Trading\tLtd  ", "acme trading ltd"},
		{"ACME (HK) Ltd", "acme(hk)ltd"},
		{"Ａｃｍｅ", "Ａｃｍｅ"}, // full-width letters are not folded
	} {
		if got := NormaliseSubjectName(tc.in); got != tc.want {
			t.Errorf("NormaliseSubjectName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSameSubject(t *testing.T) {
	ent := func(name string) Subject { return Subject{Name: name, Type: SubjectEnterprise} }
	for _, tc := range []struct {
		name string
		a, b Subject
		want bool
	}{
		{"identical", ent("腾讯科技（深圳）有限公司"), ent("腾讯科技（深圳）有限公司"), true},
		{"full and half width parentheses", ent("腾讯科技（深圳）有限公司"), ent("腾讯科技(深圳)有限公司"), true},
		{"mixed parentheses", ent("腾讯科技(深圳）有限公司"), ent("腾讯科技（深圳)有限公司"), true},
		{"surrounding spaces", ent("  Acme Ltd "), ent("Acme Ltd"), true},
		{"ideographic space trimmed", ent("\u3000某某公司"), ent("某某公司"), true},
		{"internal whitespace collapsed", ent("Acme  \t Trading Ltd"), ent("Acme Trading Ltd"), true},
		{"ascii case", ent("ACME trading"), ent("acme TRADING"), true},
		{"space before parenthesis", ent("Acme (HK) Ltd"), ent("Acme（HK）Ltd"), true},
		{"internal space is not removed", ent("Acme Trading"), ent("AcmeTrading"), false},
		{"different names", ent("Acme Ltd"), ent("Acme Inc"), false},
		{"different types", Subject{Name: "Acme", Type: SubjectEnterprise}, Subject{Name: "Acme", Type: SubjectIndividualBusiness}, false},
		{"empty names", ent(""), ent(""), false},
		{"blank names", ent("  "), ent("\u3000"), false},
		{"one empty name", ent("Acme"), ent(""), false},
		{"empty types", Subject{Name: "Acme"}, Subject{Name: "Acme"}, false},
		{"full-width letters differ from ascii", ent("Ａcme"), ent("Acme"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameSubject(tc.a, tc.b); got != tc.want {
				t.Errorf("SameSubject(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := SameSubject(tc.b, tc.a); got != tc.want {
				t.Errorf("SameSubject is not symmetric for %v, %v", tc.a, tc.b)
			}
		})
	}
}

func TestVerificationRequirementFor(t *testing.T) {
	want := map[SubjectType]VerificationRequirement{
		SubjectIndividual:         RequirementNotAllowed,
		SubjectEnterprise:         RequirementOptional,
		SubjectIndividualBusiness: RequirementOptional,
		SubjectGovernment:         RequirementRequired,
		SubjectMedia:              RequirementRequired,
		SubjectOtherOrganization:  RequirementRequired,
		SubjectOverseas:           RequirementOptional,
		"":                        RequirementUnknown,
		"Charity":                 RequirementUnknown,
	}
	for st, w := range want {
		if got := VerificationRequirementFor(st); got != w {
			t.Errorf("VerificationRequirementFor(%q) = %s, want %s", st, got, w)
		}
	}
	if len(want)-2 != len(AllSubjectTypes()) {
		t.Error("a subject type is missing from this table")
	}
}

// TestCheckVerification crosses every subject type with every verification
// state. The expected reasons are written out, not derived from the code.
func TestCheckVerification(t *testing.T) {
	const ok, req, notAllowed = "", ReasonVerificationRequired, ReasonVerificationNotAllowed
	//                                 Unverified  InProgress  Verified    Expired
	want := map[SubjectType][4]string{
		SubjectIndividual:         {ok, notAllowed, notAllowed, notAllowed},
		SubjectEnterprise:         {ok, ok, ok, ok},
		SubjectIndividualBusiness: {ok, ok, ok, ok},
		SubjectGovernment:         {req, req, ok, req},
		SubjectMedia:              {req, req, ok, req},
		SubjectOtherOrganization:  {req, req, ok, req},
		SubjectOverseas:           {ok, ok, ok, ok},
	}
	for _, st := range AllSubjectTypes() {
		row, found := want[st]
		if !found {
			t.Fatalf("no expectation for %s", st)
		}
		for i, v := range AllVerificationStates() {
			t.Run(string(st)+"/"+string(v), func(t *testing.T) {
				got := CheckVerification(st, v)
				if row[i] == ok {
					if got != nil {
						t.Fatalf("want nil, got %v", got)
					}
					return
				}
				if got == nil || got.Reason != row[i] {
					t.Fatalf("want reason %s, got %v", row[i], got)
				}
				if !strings.Contains(got.Message, string(v)) && v != VerificationExpired {
					t.Errorf("message does not name the state %s: %q", v, got.Message)
				}
				if row[i] == req && !strings.Contains(got.Message, string(st)) {
					t.Errorf("message does not name the subject type: %q", got.Message)
				}
			})
		}
	}

	msg := CheckVerification(SubjectGovernment, VerificationExpired).Message
	if !strings.Contains(msg, "年审") || !strings.Contains(msg, "renew") {
		t.Errorf("expired message should say to renew the annual review: %q", msg)
	}
	msg = CheckVerification(SubjectMedia, VerificationInProgress).Message
	if !strings.Contains(msg, "wait") {
		t.Errorf("in-progress message should say to wait: %q", msg)
	}
	msg = CheckVerification(SubjectOtherOrganization, VerificationUnverified).Message
	if !strings.Contains(msg, "complete 微信认证") {
		t.Errorf("unverified message should say to complete 微信认证: %q", msg)
	}

	if v := CheckVerification("Charity", VerificationVerified); v == nil || v.Reason != ReasonUnknownSubjectType ||
		!strings.Contains(v.Message, "Charity") || !strings.Contains(v.Message, "OtherOrganization") {
		t.Errorf("unknown subject type: got %v", v)
	}
	if v := CheckVerification(SubjectEnterprise, "Pending"); v == nil || v.Reason != ReasonUnknownVerificationState ||
		!strings.Contains(v.Message, "Pending") {
		t.Errorf("unknown verification state: got %v", v)
	}
}

func TestLinkApprovalFor(t *testing.T) {
	a := Subject{Name: "甲公司（北京）", Type: SubjectEnterprise}
	a2 := Subject{Name: "甲公司(北京)", Type: SubjectEnterprise}
	b := Subject{Name: "乙公司", Type: SubjectEnterprise}
	if got := LinkApprovalFor(a, a2); got != ApprovalInstant {
		t.Errorf("same subject: got %s", got)
	}
	if got := LinkApprovalFor(a, b); got != ApprovalNeedsAuthorization {
		t.Errorf("different subject: got %s", got)
	}
	if got := LinkApprovalFor(Subject{}, Subject{}); got != ApprovalNeedsAuthorization {
		t.Errorf("unknown subjects must not be instant: got %s", got)
	}
	if m := ApprovalInstant.Message(); !strings.Contains(m, "at once") {
		t.Errorf("instant message: %q", m)
	}
	if m := ApprovalNeedsAuthorization.Message(); !strings.Contains(m, "1-3 working days") || !strings.Contains(m, "Mini Program's admin") {
		t.Errorf("authorization message: %q", m)
	}
	if m := Approval("Other").Message(); !strings.Contains(m, "unknown") {
		t.Errorf("unknown approval message: %q", m)
	}
}

func TestViolationError(t *testing.T) {
	v := &Violation{Reason: ReasonTooManyTesters, Message: "too many"}
	if v.Error() != "TooManyTesters: too many" {
		t.Errorf("Error() = %q", v.Error())
	}
	var err error = v
	wrapped := fmt.Errorf("reconcile: %w", err)
	if !HasReason(wrapped, ReasonTooManyTesters) {
		t.Error("HasReason should see through wrapping")
	}
	if HasReason(wrapped, ReasonTooManyDevelopers) {
		t.Error("HasReason matched the wrong reason")
	}
	if HasReason(errors.New("plain"), ReasonTooManyTesters) || HasReason(nil, ReasonTooManyTesters) {
		t.Error("HasReason matched a non-violation")
	}
	var nilV *Violation
	if HasReason(error(nilV), "") {
		t.Error("HasReason matched a typed nil")
	}
}

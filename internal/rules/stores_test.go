// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import "testing"

func TestCheckStoreBinding(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name string
		f    StoreBindingFacts
		want string
	}{
		{"mp unverified", StoreBindingFacts{Kind: StoreBindsMiniProgram, Released: &yes}, ReasonAccountNotVerified},
		{"mp not released", StoreBindingFacts{Kind: StoreBindsMiniProgram, Verified: true, Released: &no}, ReasonMiniProgramNotReleased},
		{"mp release unknown, web-view unconfirmed", StoreBindingFacts{Kind: StoreBindsMiniProgram, Verified: true}, ReasonWebViewDomainUnconfirmed},
		{"mp web-view unconfirmed", StoreBindingFacts{Kind: StoreBindsMiniProgram, Verified: true, Released: &yes}, ReasonWebViewDomainUnconfirmed},
		{"mp met", StoreBindingFacts{Kind: StoreBindsMiniProgram, Verified: true, Released: &yes, ConsoleConfirmed: true}, ""},
		{"mp release unknown, met", StoreBindingFacts{Kind: StoreBindsMiniProgram, Verified: true, ConsoleConfirmed: true}, ""},
		{"oa subscription", StoreBindingFacts{Kind: StoreBindsOfficialAccount, Verified: true, ServiceAccount: &no}, ReasonNotServiceAccount},
		{"oa type unknown", StoreBindingFacts{Kind: StoreBindsOfficialAccount, Verified: true}, ReasonAccountTypeUnknown},
		{"oa unverified", StoreBindingFacts{Kind: StoreBindsOfficialAccount, ServiceAccount: &yes}, ReasonAccountNotVerified},
		{"oa met", StoreBindingFacts{Kind: StoreBindsOfficialAccount, ServiceAccount: &yes, Verified: true}, ""},
		{"channels personal", StoreBindingFacts{Kind: StoreBindsChannels, Showcase: &yes}, ReasonChannelsNotEnterprise},
		{"channels no showcase", StoreBindingFacts{Kind: StoreBindsChannels, Enterprise: true, Showcase: &no, ConsoleConfirmed: true}, ReasonShowcaseNotEnabled},
		{"channels showcase unobserved", StoreBindingFacts{Kind: StoreBindsChannels, Enterprise: true}, ReasonShowcaseUnconfirmed},
		{"channels showcase confirmed", StoreBindingFacts{Kind: StoreBindsChannels, Enterprise: true, ConsoleConfirmed: true}, ""},
		{"channels showcase observed", StoreBindingFacts{Kind: StoreBindsChannels, Enterprise: true, Showcase: &yes}, ""},
	} {
		v := CheckStoreBinding(c.f)
		got := ""
		if v != nil {
			got = v.Reason
			if v.Message == "" {
				t.Errorf("%s: a violation without a message", c.name)
			}
		}
		if got != c.want {
			t.Errorf("%s: CheckStoreBinding = %q, want %q", c.name, got, c.want)
		}
	}
}

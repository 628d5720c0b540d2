// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package fake

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

var (
	oa = platform.Account{AppID: "wxoa", Credential: "s"}
	mp = platform.Account{AppID: "wxmp", Credential: "s"}
	// store is a WeChat Store, for the partner methods.
	store = platform.Account{AppID: "wxstore", Credential: "s"}
)

// invocation calls one method with fixed arguments, the Call it must record and a check that its state change
// did not happen (for the failure tests).
type invocation struct {
	call      func(ctx context.Context, p *Platform) error
	want      Call
	unchanged func(p *Platform) bool
}

func invocations() map[string]invocation {
	noLink := func(p *Platform) bool { return len(p.Links["wxoa"]) == 0 }
	return map[string]invocation{
		MethodDescribeAccount: {func(ctx context.Context, p *Platform) error {
			_, err := p.DescribeAccount(ctx, mp)
			return err
		}, Call{MethodDescribeAccount, "wxmp", ""}, nil},
		MethodListMiniProgramLinks: {func(ctx context.Context, p *Platform) error {
			_, err := p.ListMiniProgramLinks(ctx, oa)
			return err
		}, Call{MethodListMiniProgramLinks, "wxoa", ""}, nil},
		MethodLinkMiniProgram: {func(ctx context.Context, p *Platform) error {
			_, err := p.LinkMiniProgram(ctx, oa, "wxmp", platform.LinkOptions{})
			return err
		}, Call{MethodLinkMiniProgram, "wxoa", "wxmp"}, noLink},
		MethodUnlinkMiniProgram: {func(ctx context.Context, p *Platform) error {
			return p.UnlinkMiniProgram(ctx, oa, "wxmp")
		}, Call{MethodUnlinkMiniProgram, "wxoa", "wxmp"}, nil},
		MethodGetOpenAccount: {func(ctx context.Context, p *Platform) error {
			_, err := p.GetOpenAccount(ctx, mp)
			return err
		}, Call{MethodGetOpenAccount, "wxmp", ""}, nil},
		MethodCreateOpenAccount: {func(ctx context.Context, p *Platform) error {
			_, err := p.CreateOpenAccount(ctx, mp)
			return err
		}, Call{MethodCreateOpenAccount, "wxmp", ""}, func(p *Platform) bool { return p.OpenAccounts["wxmp"] == "" }},
		MethodBindOpenAccount: {func(ctx context.Context, p *Platform) error {
			return p.BindOpenAccount(ctx, mp, "wxopenX")
		}, Call{MethodBindOpenAccount, "wxmp", "wxopenX"}, func(p *Platform) bool { return p.OpenAccounts["wxmp"] == "" }},
		MethodUnbindOpenAccount: {func(ctx context.Context, p *Platform) error {
			return p.UnbindOpenAccount(ctx, mp, "wxopenX")
		}, Call{MethodUnbindOpenAccount, "wxmp", "wxopenX"}, nil},
		MethodListTesters: {func(ctx context.Context, p *Platform) error {
			_, err := p.ListTesters(ctx, mp)
			return err
		}, Call{MethodListTesters, "wxmp", ""}, nil},
		MethodBindTester: {func(ctx context.Context, p *Platform) error {
			_, err := p.BindTester(ctx, mp, "alice")
			return err
		}, Call{MethodBindTester, "wxmp", "alice"}, func(p *Platform) bool { return len(p.Testers["wxmp"]) == 0 }},
		MethodUnbindTester: {func(ctx context.Context, p *Platform) error {
			return p.UnbindTester(ctx, mp, platform.TesterRef{WeChatID: "alice", UserStr: "userstr-alice"})
		}, Call{MethodUnbindTester, "wxmp", "userstr-alice"}, nil},
		MethodAccessToken: {func(ctx context.Context, p *Platform) error {
			_, err := p.AccessToken(ctx, mp)
			return err
		}, Call{MethodAccessToken, "wxmp", ""}, nil},
		MethodGetStorePartner: {func(ctx context.Context, p *Platform) error {
			_, _, err := p.GetStorePartner(ctx, store, platform.StoreSharer{ID: "gh_accepting", Type: 2})
			return err
		}, Call{MethodGetStorePartner, "wxstore", "gh_accepting"}, nil},
		MethodListStorePartners: {func(ctx context.Context, p *Platform) error {
			_, err := p.ListStorePartners(ctx, store, 2)
			return err
		}, Call{MethodListStorePartners, "wxstore", ""}, nil},
		MethodInviteStorePartner: {func(ctx context.Context, p *Platform) error {
			_, err := p.InviteStorePartner(ctx, store, platform.StoreSharer{ID: "gh_new", Type: 2})
			return err
		}, Call{MethodInviteStorePartner, "wxstore", "gh_new"}, func(p *Platform) bool { return len(p.Partners["wxstore"]) == 2 }},
		MethodCancelStoreInvite: {func(ctx context.Context, p *Platform) error {
			return p.CancelStoreInvitation(ctx, store, platform.StoreSharer{ID: "gh_accepting", Type: 2})
		}, Call{MethodCancelStoreInvite, "wxstore", "gh_accepting"}, func(p *Platform) bool {
			return p.Partners["wxstore"][0].Status == platform.PartnerAccepting
		}},
		MethodUnbindStorePartner: {func(ctx context.Context, p *Platform) error {
			return p.UnbindStorePartner(ctx, store, platform.StoreSharer{ID: "gh_bound", Type: 2})
		}, Call{MethodUnbindStorePartner, "wxstore", "gh_bound"}, func(p *Platform) bool {
			return p.Partners["wxstore"][1].Status == platform.PartnerBound
		}},
	}
}

// seeded returns a fake in which every invocation succeeds.
func seeded() *Platform {
	p := New()
	p.SetAccount(platform.AccountInfo{AppID: "wxmp", Type: platform.AccountMiniProgram})
	p.Partners["wxstore"] = []platform.StorePartner{
		{Sharer: platform.StoreSharer{ID: "gh_accepting", Type: 2}, Status: platform.PartnerAccepting},
		{Sharer: platform.StoreSharer{ID: "gh_bound", Type: 2}, Status: platform.PartnerBound},
	}
	return p
}

func TestEveryMethodIsCovered(t *testing.T) {
	n := reflect.TypeFor[platform.Platform]().NumMethod()
	if got := len(invocations()); got != n {
		t.Fatalf("invocations cover %d methods, platform.Platform has %d", got, n)
	}
	for m := range invocations() {
		if API(m) == "" {
			t.Errorf("API(%s) is empty", m)
		}
		if _, ok := reflect.TypeFor[platform.Platform]().MethodByName(m); !ok {
			t.Errorf("%s is not a method of platform.Platform", m)
		}
	}
}

func boolPtr(b bool) *bool { return &b }

// linkCase is a case of TestLinks: the links ListMiniProgramLinks returns after setup and action.
type linkCase struct {
	name   string
	setup  func(p *Platform)
	action func(p *Platform) (platform.LinkOutcome, error)
	// outcome is what action returns: LinkMiniProgram's outcome, 0 for the other methods.
	outcome platform.LinkOutcome
	want    []platform.MiniProgramLink
}

func linkCases() []linkCase {
	ctx := context.Background()
	existing := platform.MiniProgramLink{AppID: "wxmp", Status: platform.LinkAwaitingMiniProgramAdmin}
	link := func(opts platform.LinkOptions) func(p *Platform) (platform.LinkOutcome, error) {
		return func(p *Platform) (platform.LinkOutcome, error) { return p.LinkMiniProgram(ctx, oa, "wxmp", opts) }
	}
	unlink := func(p *Platform) (platform.LinkOutcome, error) { return 0, p.UnlinkMiniProgram(ctx, oa, "wxmp") }
	listing := func(l ...platform.MiniProgramLink) func(p *Platform) {
		return func(p *Platform) { p.Links["wxoa"] = l }
	}
	withUsername := func(p *Platform) {
		p.SetAccount(platform.AccountInfo{AppID: "wxmp", Username: "gh_mp"})
		p.Links["wxoa"] = []platform.MiniProgramLink{{Username: "gh_mp", Status: platform.LinkLinked}}
	}
	return []linkCase{
		{"link adds a linked link by default", nil, link(platform.LinkOptions{}), platform.LinkRequested,
			[]platform.MiniProgramLink{{AppID: "wxmp", Status: platform.LinkLinked}}},
		{"link uses LinkStatus and ShowOnProfile",
			func(p *Platform) { p.LinkStatus = platform.LinkAwaitingOfficialAccountAdmin },
			link(platform.LinkOptions{ShowOnProfile: true}), platform.LinkRequested,
			[]platform.MiniProgramLink{{AppID: "wxmp", Status: platform.LinkAwaitingOfficialAccountAdmin,
				ShowOnProfile: true}}},
		{"link takes names and flags from Accounts",
			func(p *Platform) {
				p.SetAccount(platform.AccountInfo{AppID: "wxmp", Username: "gh_mp", Nickname: "MP",
					Released: boolPtr(true), PaymentEnabled: boolPtr(true)})
			},
			link(platform.LinkOptions{}), platform.LinkRequested,
			[]platform.MiniProgramLink{{AppID: "wxmp", Username: "gh_mp", Nickname: "MP",
				Status: platform.LinkLinked, Released: true, PaymentEnabled: true}}},
		{"link of a pending Mini Program is already pending and changes nothing", listing(existing),
			link(platform.LinkOptions{}), platform.LinkAlreadyPending, []platform.MiniProgramLink{existing}},
		{"link of a linked Mini Program is already linked and changes nothing",
			listing(platform.MiniProgramLink{AppID: "wxmp", Status: platform.LinkLinked}),
			link(platform.LinkOptions{ShowOnProfile: true}), platform.LinkAlreadyLinked,
			[]platform.MiniProgramLink{{AppID: "wxmp", Status: platform.LinkLinked}}},
		{"link of a Mini Program listed by username only is already linked", withUsername,
			link(platform.LinkOptions{}), platform.LinkAlreadyLinked,
			[]platform.MiniProgramLink{{Username: "gh_mp", Status: platform.LinkLinked}}},
		{"link after a rejection requests anew, in place",
			listing(platform.MiniProgramLink{AppID: "wxmp", Status: platform.LinkRejected},
				platform.MiniProgramLink{AppID: "wxother", Status: 1}),
			link(platform.LinkOptions{}), platform.LinkRequested,
			[]platform.MiniProgramLink{{AppID: "wxmp", Status: 1}, {AppID: "wxother", Status: 1}}},
		{"link appends after others", listing(platform.MiniProgramLink{AppID: "wxother", Status: 1}),
			link(platform.LinkOptions{}), platform.LinkRequested,
			[]platform.MiniProgramLink{{AppID: "wxother", Status: 1}, {AppID: "wxmp", Status: 1}}},
		{"unlink removes", listing(platform.MiniProgramLink{AppID: "wxother", Status: 1}, existing), unlink, 0,
			[]platform.MiniProgramLink{{AppID: "wxother", Status: 1}}},
		{"unlink of the last link", listing(existing), unlink, 0, nil},
		{"unlink of an absent link is not an error", nil, unlink, 0, nil},
	}
}

func TestLinks(t *testing.T) {
	ctx := context.Background()
	for _, tc := range linkCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := New()
			if tc.setup != nil {
				tc.setup(p)
			}
			outcome, err := tc.action(p)
			if err != nil || outcome != tc.outcome {
				t.Fatalf("got (%s, %v), want (%s, nil)", outcome, err, tc.outcome)
			}
			got, err := p.ListMiniProgramLinks(ctx, oa)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("links = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestOpenAccounts(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		setup  map[string]string
		action func(p *Platform) (string, error)
		ret    string
		want   string // GetOpenAccount afterwards
	}{
		{"get unbound", nil, func(p *Platform) (string, error) { return p.GetOpenAccount(ctx, mp) }, "", ""},
		{"get bound", map[string]string{"wxmp": "wxopenA"},
			func(p *Platform) (string, error) { return p.GetOpenAccount(ctx, mp) }, "wxopenA", "wxopenA"},
		{"create binds a new account", nil,
			func(p *Platform) (string, error) { return p.CreateOpenAccount(ctx, mp) }, "wxopen1", "wxopen1"},
		{"create counts", nil, func(p *Platform) (string, error) {
			if _, err := p.CreateOpenAccount(ctx, oa); err != nil {
				return "", err
			}
			return p.CreateOpenAccount(ctx, mp)
		}, "wxopen2", "wxopen2"},
		{"bind sets", nil, func(p *Platform) (string, error) {
			return "", p.BindOpenAccount(ctx, mp, "wxopenB")
		}, "", "wxopenB"},
		{"bind replaces", map[string]string{"wxmp": "wxopenA"}, func(p *Platform) (string, error) {
			return "", p.BindOpenAccount(ctx, mp, "wxopenB")
		}, "", "wxopenB"},
		{"unbind clears", map[string]string{"wxmp": "wxopenA"}, func(p *Platform) (string, error) {
			return "", p.UnbindOpenAccount(ctx, mp, "wxopenA")
		}, "", ""},
		{"unbind of another account leaves the binding", map[string]string{"wxmp": "wxopenA"},
			func(p *Platform) (string, error) { return "", p.UnbindOpenAccount(ctx, mp, "wxopenB") }, "", "wxopenA"},
		{"unbind of an unbound account is not an error", nil,
			func(p *Platform) (string, error) { return "", p.UnbindOpenAccount(ctx, mp, "wxopenA") }, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New()
			for k, v := range tc.setup {
				p.OpenAccounts[k] = v
			}
			ret, err := tc.action(p)
			if err != nil || ret != tc.ret {
				t.Fatalf("got (%q, %v), want (%q, nil)", ret, err, tc.ret)
			}
			if got, err := p.GetOpenAccount(ctx, mp); err != nil || got != tc.want {
				t.Errorf("GetOpenAccount = (%q, %v), want %q", got, err, tc.want)
			}
		})
	}
}

func TestTesters(t *testing.T) {
	ctx := context.Background()
	alice, bob := platform.Tester{UserStr: "userstr-alice"}, platform.Tester{UserStr: "userstr-bob"}
	byUserStr, byWeChatID := platform.TesterRef{UserStr: "userstr-alice"}, platform.TesterRef{WeChatID: "alice"}
	for _, tc := range []struct {
		name   string
		setup  []platform.Tester
		action func(p *Platform) (string, error)
		ret    string
		want   []platform.Tester
	}{
		{"list none", nil, func(*Platform) (string, error) { return "", nil }, "", nil},
		{"bind returns the userstr", nil,
			func(p *Platform) (string, error) { return p.BindTester(ctx, mp, "alice") }, "userstr-alice",
			[]platform.Tester{alice}},
		{"bind appends", []platform.Tester{alice},
			func(p *Platform) (string, error) { return p.BindTester(ctx, mp, "bob") }, "userstr-bob",
			[]platform.Tester{alice, bob}},
		{"bind twice keeps one", []platform.Tester{alice},
			func(p *Platform) (string, error) { return p.BindTester(ctx, mp, "alice") }, "userstr-alice",
			[]platform.Tester{alice}},
		{"unbind by userstr", []platform.Tester{alice, bob},
			func(p *Platform) (string, error) { return "", p.UnbindTester(ctx, mp, byUserStr) }, "",
			[]platform.Tester{bob}},
		{"unbind by WeChat ID when the userstr is unknown", []platform.Tester{alice, bob},
			func(p *Platform) (string, error) { return "", p.UnbindTester(ctx, mp, byWeChatID) }, "",
			[]platform.Tester{bob}},
		{"the userstr wins over the WeChat ID", []platform.Tester{alice, bob},
			func(p *Platform) (string, error) {
				return "", p.UnbindTester(ctx, mp, platform.TesterRef{WeChatID: "bob", UserStr: "userstr-alice"})
			}, "", []platform.Tester{bob}},
		{"unbind the last", []platform.Tester{alice},
			func(p *Platform) (string, error) { return "", p.UnbindTester(ctx, mp, byUserStr) }, "", nil},
		{"unbind of an absent tester is not an error", []platform.Tester{bob},
			func(p *Platform) (string, error) { return "", p.UnbindTester(ctx, mp, byUserStr) }, "",
			[]platform.Tester{bob}},
		{"unbind of an absent WeChat ID is not an error", []platform.Tester{bob},
			func(p *Platform) (string, error) { return "", p.UnbindTester(ctx, mp, byWeChatID) }, "",
			[]platform.Tester{bob}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New()
			if tc.setup != nil {
				p.Testers["wxmp"] = tc.setup
			}
			ret, err := tc.action(p)
			if err != nil || ret != tc.ret {
				t.Fatalf("got (%q, %v), want (%q, nil)", ret, err, tc.ret)
			}
			got, err := p.ListTesters(ctx, mp)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ListTesters = (%v, %v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestUnbindTesterRecordsWhatItUnboundBy(t *testing.T) {
	ctx := context.Background()
	p := New()
	_ = p.UnbindTester(ctx, mp, platform.TesterRef{WeChatID: "alice", UserStr: "userstr-alice"})
	_ = p.UnbindTester(ctx, mp, platform.TesterRef{WeChatID: "bob"})
	want := []Call{{MethodUnbindTester, "wxmp", "userstr-alice"}, {MethodUnbindTester, "wxmp", "bob"}}
	if got := p.CallsTo(MethodUnbindTester); !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %+v, want %+v", got, want)
	}
}

func TestDescribeAccount(t *testing.T) {
	ctx := context.Background()
	info := platform.AccountInfo{AppID: "wxmp", Type: platform.AccountMiniProgram, Username: "gh_mp",
		Subject:      rules.Subject{Name: "ACME", Type: rules.SubjectEnterprise},
		Verification: rules.VerificationVerified, Released: boolPtr(false)}
	p := New()
	p.SetAccount(info)
	got, err := p.DescribeAccount(ctx, mp)
	if err != nil || !reflect.DeepEqual(*got, info) {
		t.Fatalf("DescribeAccount = (%+v, %v), want %+v", got, err, info)
	}

	_, err = p.DescribeAccount(ctx, platform.Account{AppID: "wxunknown"})
	e, ok := platform.As(err)
	if !ok || e.Code != 40013 || e.Class != platform.ClassTerminal || e.Reason != platform.ReasonInvalidAppID ||
		e.API != "cgi-bin/account/getaccountbasicinfo" {
		t.Errorf("unknown account: err = %#v, want terminal 40013 InvalidAppID", err)
	}
}

func TestAccessToken(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	fixed := platform.AccessToken{Value: "set", ExpiresAt: now, RefreshAt: now}
	for _, tc := range []struct {
		name   string
		ttl    time.Duration
		tokens map[string]platform.AccessToken
		want   platform.AccessToken
	}{
		{"default TTL", 0, nil, platform.AccessToken{Value: "fake-token-wxmp",
			ExpiresAt: now.Add(2 * time.Hour), RefreshAt: now.Add(2*time.Hour - 5*time.Minute)}},
		{"short TTL refreshes at 90%", time.Minute, nil, platform.AccessToken{Value: "fake-token-wxmp",
			ExpiresAt: now.Add(time.Minute), RefreshAt: now.Add(54 * time.Second)}},
		{"Tokens override", 0, map[string]platform.AccessToken{"wxmp": fixed}, fixed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := New()
			p.Now = func() time.Time { return now }
			p.TokenTTL = tc.ttl
			for k, v := range tc.tokens {
				p.Tokens[k] = v
			}
			got, err := p.AccessToken(ctx, mp)
			if err != nil || got != tc.want {
				t.Errorf("AccessToken = (%+v, %v), want %+v", got, err, tc.want)
			}
			if got.Value.Reveal() != string(tc.want.Value) {
				t.Errorf("token value %q", got.Value.Reveal())
			}
		})
	}
	if TokenFor("wxa") != "fake-token-wxa" || TokenFor("wxa") == TokenFor("wxb") {
		t.Error("TokenFor is not a deterministic function of the AppID")
	}
}

func TestResultsDoNotAlias(t *testing.T) {
	ctx := context.Background()
	p := New()
	info := platform.AccountInfo{AppID: "wxmp", Nickname: "MP", Released: boolPtr(true),
		PaymentEnabled: boolPtr(true)}
	p.SetAccount(info)
	*info.Released, info.Nickname = false, "changed"
	got, _ := p.DescribeAccount(ctx, mp)
	if !*got.Released || got.Nickname != "MP" {
		t.Fatal("SetAccount kept the caller's AccountInfo")
	}
	got.Nickname, *got.Released, *got.PaymentEnabled = "changed", false, false
	again, _ := p.DescribeAccount(ctx, mp)
	if again.Nickname != "MP" || !*again.Released || !*again.PaymentEnabled {
		t.Error("DescribeAccount returned the internal AccountInfo")
	}

	_, _ = p.LinkMiniProgram(ctx, oa, "wxmp", platform.LinkOptions{})
	links, _ := p.ListMiniProgramLinks(ctx, oa)
	links[0].Status = platform.LinkRejected
	if p.Links["wxoa"][0].Status != platform.LinkLinked {
		t.Error("ListMiniProgramLinks returned the internal slice")
	}

	_, _ = p.BindTester(ctx, mp, "alice")
	testers, _ := p.ListTesters(ctx, mp)
	testers[0].UserStr = "changed"
	if p.Testers["wxmp"][0].UserStr != "userstr-alice" {
		t.Error("ListTesters returned the internal slice")
	}

	calls := p.Calls()
	calls[0].Method = "changed"
	if p.Calls()[0].Method != MethodDescribeAccount {
		t.Error("Calls returned the internal slice")
	}
}

func TestSeededSlicesAreNotWrittenThrough(t *testing.T) {
	ctx := context.Background()
	p := New()
	backing := make([]platform.MiniProgramLink, 2, 4)
	backing[0], backing[1] = platform.MiniProgramLink{AppID: "wxa"}, platform.MiniProgramLink{AppID: "wxmp"}
	p.Links["wxoa"] = backing[:1]
	_, _ = p.LinkMiniProgram(ctx, oa, "wxnew", platform.LinkOptions{})
	if backing[:2][1].AppID != "wxmp" {
		t.Error("LinkMiniProgram wrote into the spare capacity of the test's slice")
	}
	p.Links["wxoa"] = backing[:2]
	_ = p.UnlinkMiniProgram(ctx, oa, "wxa")
	if backing[0].AppID != "wxa" {
		t.Error("UnlinkMiniProgram shifted the test's slice")
	}
	testers := []platform.Tester{{UserStr: "userstr-a"}, {UserStr: "userstr-b"}}
	p.Testers["wxmp"] = testers
	_ = p.UnbindTester(ctx, mp, platform.TesterRef{UserStr: "userstr-a"})
	if testers[0].UserStr != "userstr-a" {
		t.Error("UnbindTester shifted the test's slice")
	}
}

func TestRecording(t *testing.T) {
	ctx := context.Background()
	p := seeded()
	var want []Call
	for _, m := range []string{MethodLinkMiniProgram, MethodListMiniProgramLinks, MethodDescribeAccount,
		MethodBindTester, MethodLinkMiniProgram, MethodAccessToken} {
		inv := invocations()[m]
		if err := inv.call(ctx, p); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		want = append(want, inv.want)
	}
	if got := p.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("Calls = %+v, want %+v", got, want)
	}
	if got := p.CallsTo(MethodLinkMiniProgram); !reflect.DeepEqual(got, []Call{want[0], want[4]}) {
		t.Errorf("CallsTo(Link) = %+v", got)
	}
	if got := p.CallsTo(MethodUnbindTester); got != nil {
		t.Errorf("CallsTo(UnbindTester) = %+v, want none", got)
	}
	if p.Count(MethodLinkMiniProgram) != 2 || p.Count(MethodBindTester) != 1 || p.Count(MethodUnbindTester) != 0 {
		t.Error("Count disagrees with the calls made")
	}
	p.Reset()
	if len(p.Calls()) != 0 {
		t.Error("Reset kept calls")
	}
	if len(p.Links["wxoa"]) != 1 || len(p.Testers["wxmp"]) != 1 {
		t.Error("Reset changed state")
	}
}

func TestEveryMethodRecordsItsCall(t *testing.T) {
	for m, inv := range invocations() {
		t.Run(m, func(t *testing.T) {
			p := seeded()
			if err := inv.call(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			if got := p.Calls(); !reflect.DeepEqual(got, []Call{inv.want}) {
				t.Errorf("Calls = %+v, want %+v", got, inv.want)
			}
		})
	}
}

func TestFailOnce(t *testing.T) {
	for m, inv := range invocations() {
		t.Run(m, func(t *testing.T) {
			ctx := context.Background()
			p := seeded()
			injected := ErrcodeFor(m, -1)
			p.Fail(m, injected)
			if err := inv.call(ctx, p); !errors.Is(err, injected) {
				t.Fatalf("first call: err = %v, want the injected error", err)
			}
			if inv.unchanged != nil && !inv.unchanged(p) {
				t.Error("state changed on an injected failure")
			}
			if err := inv.call(ctx, p); err != nil {
				t.Fatalf("second call: %v", err)
			}
			if p.Count(m) != 2 {
				t.Errorf("Count = %d, want 2: failed calls are recorded too", p.Count(m))
			}
		})
	}
}

func TestFailAlwaysUntilHeal(t *testing.T) {
	for m, inv := range invocations() {
		t.Run(m, func(t *testing.T) {
			ctx := context.Background()
			p := seeded()
			injected := NetworkError(m)
			p.FailAlways(m, injected)
			for i := range 3 {
				if err := inv.call(ctx, p); !errors.Is(err, injected) {
					t.Fatalf("call %d: err = %v, want the injected error", i, err)
				}
			}
			if inv.unchanged != nil && !inv.unchanged(p) {
				t.Error("state changed on an injected failure")
			}
			p.Heal(m)
			if err := inv.call(ctx, p); err != nil {
				t.Fatalf("after Heal: %v", err)
			}
			if p.Count(m) != 4 {
				t.Errorf("Count = %d, want 4", p.Count(m))
			}
		})
	}
}

func TestFailureOrdering(t *testing.T) {
	ctx := context.Background()
	p := New()
	first, second, always := errors.New("first"), errors.New("second"), errors.New("always")
	p.FailAlways(MethodGetOpenAccount, always)
	p.Fail(MethodGetOpenAccount, first)
	p.Fail(MethodGetOpenAccount, second)
	for i, want := range []error{first, second, always, always} {
		if _, err := p.GetOpenAccount(ctx, mp); !errors.Is(err, want) {
			t.Errorf("call %d: err = %v, want %v", i, err, want)
		}
	}
	if _, err := p.ListTesters(ctx, mp); err != nil {
		t.Errorf("another method failed: %v", err)
	}
	p.Fail(MethodGetOpenAccount, first)
	p.Heal(MethodGetOpenAccount)
	if _, err := p.GetOpenAccount(ctx, mp); err != nil {
		t.Errorf("Heal left a queued failure: %v", err)
	}
}

func TestErrorHelpers(t *testing.T) {
	for _, tc := range []struct {
		err    error
		api    string
		class  platform.Class
		reason string
	}{
		{Errcode("cgi-bin/open/bind", 89001), "cgi-bin/open/bind", platform.ClassTerminal,
			platform.ReasonSubjectMismatch},
		{ErrcodeFor(MethodLinkMiniProgram, 89016), "cgi-bin/wxopen/wxamplink", platform.ClassTerminal,
			platform.ReasonPlatformSameSubjectQuotaFull},
		{ErrcodeFor(MethodLinkMiniProgram, 1005), "cgi-bin/wxopen/wxamplink", platform.ClassTerminal,
			platform.ReasonPlatformOtherSubjectQuotaFull},
		{ErrcodeFor(MethodBindTester, 1005), "wxa/bind_tester", platform.ClassTerminal,
			platform.ReasonAccountCountReached},
		{ErrcodeFor(MethodUnlinkMiniProgram, platform.CodeUnlinkPending), "cgi-bin/wxopen/wxampunlink",
			platform.ClassPending, platform.ReasonUnlinkPending},
		{ErrcodeFor(MethodAccessToken, 40001), "cgi-bin/stable_token", platform.ClassAuth,
			platform.ReasonTokenInvalid},
		{ErrcodeFor(MethodListTesters, -1), "wxa/memberauth", platform.ClassRetryable, platform.ReasonSystemBusy},
		{NetworkError(MethodDescribeAccount), "cgi-bin/account/getaccountbasicinfo", platform.ClassRetryable,
			platform.ReasonNetwork},
	} {
		t.Run(fmt.Sprint(tc.err), func(t *testing.T) {
			e, ok := platform.As(fmt.Errorf("wrapped: %w", tc.err))
			if !ok {
				t.Fatalf("%v is not a *platform.Error", tc.err)
			}
			if e.API != tc.api || e.Class != tc.class || e.Reason != tc.reason {
				t.Errorf("got %s %s %s, want %s %s %s", e.API, e.Class, e.Reason, tc.api, tc.class, tc.reason)
			}
		})
	}
	if API("NoSuchMethod") != "" {
		t.Error("API of an unknown method is not empty")
	}
}

func TestZeroValue(t *testing.T) {
	var p Platform
	// What needs state the zero Platform lacks answers as the platform does: an unknown account (40013), no
	// partner record to cancel or unbind (788191008).
	needsState := map[string]bool{MethodDescribeAccount: true, MethodCancelStoreInvite: true, MethodUnbindStorePartner: true}
	for m, inv := range invocations() {
		if err := inv.call(context.Background(), &p); err != nil && !needsState[m] {
			t.Errorf("%s on the zero Platform: %v", m, err)
		}
	}
	if got, want := len(p.Calls()), len(invocations()); got != want {
		t.Errorf("%d calls recorded, want %d", got, want)
	}
	if _, err := p.DescribeAccount(context.Background(), mp); !platform.HasCode(err, 40013) {
		t.Errorf("DescribeAccount of an unknown account on the zero Platform: %v", err)
	}
}

func TestUpdate(t *testing.T) {
	p := New()
	p.Update(func(p *Platform) { p.Links["wxoa"] = []platform.MiniProgramLink{{AppID: "wxmp", Status: 2}} })
	got, err := p.ListMiniProgramLinks(context.Background(), oa)
	if err != nil || len(got) != 1 || got[0].Status != platform.LinkAwaitingMiniProgramAdmin {
		t.Errorf("after Update: %+v, %v", got, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	const goroutines, calls = 8, 100
	ctx := context.Background()
	p := seeded()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			oa := platform.Account{AppID: fmt.Sprintf("wxoa%d", g)}
			for i := range calls {
				mpID := fmt.Sprintf("wxmp%d", i/5%10) // 20 links of 10 Mini Programs: half are repeats
				switch i % 5 {
				case 0:
					_, _ = p.LinkMiniProgram(ctx, oa, mpID, platform.LinkOptions{})
				case 1:
					_, _ = p.ListMiniProgramLinks(ctx, oa)
				case 2:
					_, _ = p.BindTester(ctx, mp, fmt.Sprintf("u%d-%d", g, i))
				case 3:
					p.Fail(MethodGetOpenAccount, errors.New("x"))
					_, _ = p.GetOpenAccount(ctx, oa)
				case 4:
					_ = p.Count(MethodLinkMiniProgram)
					_ = p.Calls()
					p.Update(func(p *Platform) { _ = len(p.Links) })
				}
			}
		})
	}
	wg.Wait()
	per := calls / 5
	if got := p.Count(MethodLinkMiniProgram); got != goroutines*per {
		t.Errorf("Count(Link) = %d, want %d", got, goroutines*per)
	}
	if got := len(p.Calls()); got != goroutines*per*4 {
		t.Errorf("%d calls recorded, want %d", got, goroutines*per*4)
	}
	testers, _ := p.ListTesters(ctx, mp)
	if len(testers) != goroutines*per {
		t.Errorf("%d testers, want %d", len(testers), goroutines*per)
	}
	for g := range goroutines {
		if n := len(p.Links[fmt.Sprintf("wxoa%d", g)]); n != 10 {
			t.Errorf("wxoa%d has %d links, want 10", g, n)
		}
	}
}

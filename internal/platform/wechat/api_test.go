// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

func TestListMiniProgramLinksSendsEmptyObject(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-list-00001")
	env.srv.handle(apiLinkGet, func(w http.ResponseWriter, c call) {
		if c.Body == nil {
			t.Error("wxamplinkget got no JSON body")
		}
		writeJSON(w, ok(map[string]any{"wxopens": map[string]any{"items": []any{
			map[string]any{"status": 1, "appid": "wxaaa", "username": "gh_aaa", "selected": "1", "released": 1,
				"func_infos": []any{map[string]any{"id": 2, "status": 1, "name": "微信支付"}}},
			map[string]any{"status": 4, "username": "gh_bbb"},
		}}}))
	})
	links, err := env.client.ListMiniProgramLinks(context.Background(), ownOA)
	if err != nil {
		t.Fatal(err)
	}
	want := []platform.MiniProgramLink{
		{AppID: "wxaaa", Username: "gh_aaa", Status: platform.LinkLinked, ShowOnProfile: true, Released: true, PaymentEnabled: true},
		{Username: "gh_bbb", Status: 4},
	}
	if len(links) != 2 || links[0] != want[0] || links[1] != want[1] {
		t.Fatalf("links = %+v, want %+v", links, want)
	}
	if links[1].Status.Known() || links[1].Status.Occupying() {
		t.Fatal("status 4 must be unknown and not occupying")
	}
}

func TestLinkMiniProgram(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-link-00001")
	codes := map[string]int{"wxlinked": 89015, "wxpending": 89010, "wxquota": 89017, "wxnew": 0}
	env.srv.handle(apiLink, func(w http.ResponseWriter, c call) {
		code := codes[c.Body["appid"].(string)]
		writeJSON(w, errBody(code, "x"))
	})
	ctx := context.Background()
	if got, err := env.client.LinkMiniProgram(ctx, ownOA, "wxnew", platform.LinkOptions{NotifyFollowers: true}); err != nil ||
		got != platform.LinkRequested {
		t.Fatalf("a new request = %s, %v; want Requested", got, err)
	}
	body := env.srv.callsTo(apiLink)[0].Body
	if body["notify_users"] != float64(1) || body["show_profile"] != float64(0) || body["appid"] != "wxnew" {
		t.Fatalf("wxamplink body = %v", body)
	}
	for appID, want := range map[string]platform.LinkOutcome{"wxlinked": platform.LinkAlreadyLinked,
		"wxpending": platform.LinkAlreadyPending} {
		got, err := env.client.LinkMiniProgram(ctx, ownOA, appID, platform.LinkOptions{ShowOnProfile: true})
		if err != nil || got != want {
			t.Fatalf("%s: %s, %v; want %s, nil", appID, got, err, want)
		}
	}
	_, err := env.client.LinkMiniProgram(ctx, ownOA, "wxquota", platform.LinkOptions{})
	if e := mustClass(t, err, platform.ClassTerminal); e.Reason != platform.ReasonPlatformOtherSubjectQuotaFull {
		t.Fatalf("error = %+v", e)
	}
}

func TestUnlinkMiniProgram(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-unlink-0001")
	var mu sync.Mutex
	listed := []any{
		map[string]any{"status": 1, "appid": "wxlinked", "username": "gh_l"},
		map[string]any{"status": 3, "appid": "wxrejected", "username": "gh_r"},
	}
	env.srv.handle(apiLinkGet, func(w http.ResponseWriter, _ call) {
		mu.Lock()
		defer mu.Unlock()
		writeJSON(w, ok(map[string]any{"wxopens": map[string]any{"items": listed}}))
	})
	env.srv.handle(apiUnlink, func(w http.ResponseWriter, c call) {
		switch c.Body["appid"] {
		case "wxok":
			writeJSON(w, ok(nil))
		case "wxpending":
			writeJSON(w, errBody(89018, "unlink message has sent"))
		case "wxbusy":
			writeJSON(w, errBody(-1, "system error"))
		default: // what the platform says for a link that is not there is undocumented: any terminal code
			writeJSON(w, errBody(89999, "not linked"))
		}
	})
	ctx := context.Background()
	if err := env.client.UnlinkMiniProgram(ctx, ownOA, "wxok"); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"wxnever", "wxrejected"} {
		if err := env.client.UnlinkMiniProgram(ctx, ownOA, absent); err != nil {
			t.Fatalf("%s: %v, want nil (not linked)", absent, err)
		}
	}
	err := env.client.UnlinkMiniProgram(ctx, ownOA, "wxlinked")
	if e := mustClass(t, err, platform.ClassTerminal); e.Code != 89999 {
		t.Fatalf("a link that is there: %+v", e)
	}
	_ = mustClass(t, env.client.UnlinkMiniProgram(ctx, ownOA, "wxpending"), platform.ClassPending)
	_ = mustClass(t, env.client.UnlinkMiniProgram(ctx, ownOA, "wxbusy"), platform.ClassRetryable)

	// An occupying item without appid: absence cannot be proven.
	mu.Lock()
	listed = []any{map[string]any{"status": 12, "username": "gh_x"}}
	mu.Unlock()
	_ = mustClass(t, env.client.UnlinkMiniProgram(ctx, ownOA, "wxnever"), platform.ClassTerminal)
}

func TestOpenPlatform(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-open-00001")
	bound := map[string]string{ownOA.AppID: "wxopen-same"} // ownMP is bound to none
	env.srv.handle(apiOpenGet, func(w http.ResponseWriter, c call) {
		if open, ok2 := bound[c.Body["appid"].(string)]; ok2 {
			writeJSON(w, ok(map[string]any{"open_appid": open}))
			return
		}
		writeJSON(w, errBody(89002, "open not exists"))
	})
	env.srv.handle(apiOpenBind, func(w http.ResponseWriter, c call) {
		if _, ok2 := bound[c.Body["appid"].(string)]; ok2 {
			writeJSON(w, errBody(89000, "account has bound open"))
			return
		}
		writeJSON(w, ok(nil))
	})
	env.srv.handle(apiOpenCreate, func(w http.ResponseWriter, _ call) { writeJSON(w, ok(map[string]any{"open_appid": "wxopen-new"})) })
	env.srv.handle(apiOpenUnbind, func(w http.ResponseWriter, c call) {
		if _, ok2 := bound[c.Body["appid"].(string)]; !ok2 {
			writeJSON(w, errBody(89002, "open not exists"))
			return
		}
		writeJSON(w, errBody(89003, "not created by api"))
	})
	ctx := context.Background()

	if open, err := env.client.GetOpenAccount(ctx, ownOA); err != nil || open != "wxopen-same" {
		t.Fatalf("GetOpenAccount(bound) = %q, %v", open, err)
	}
	if open, err := env.client.GetOpenAccount(ctx, ownMP); err != nil || open != "" {
		t.Fatalf("GetOpenAccount(unbound) = %q, %v; want \"\", nil", open, err)
	}
	if open, err := env.client.CreateOpenAccount(ctx, ownMP); err != nil || open != "wxopen-new" {
		t.Fatalf("CreateOpenAccount = %q, %v", open, err)
	}
	if err := env.client.BindOpenAccount(ctx, ownOA, "wxopen-same"); err != nil {
		t.Fatalf("bind to the same open account: %v, want nil", err)
	}
	err := env.client.BindOpenAccount(ctx, ownOA, "wxopen-other")
	e := mustClass(t, err, platform.ClassTerminal)
	if e.Code != 89000 || !strings.Contains(e.Msg, "wxopen-same") {
		t.Fatalf("bind to another open account: %+v", e)
	}
	if err := env.client.BindOpenAccount(ctx, ownMP, "wxopen-new"); err != nil {
		t.Fatal(err)
	}
	if err := env.client.UnbindOpenAccount(ctx, ownMP, "wxopen-new"); err != nil {
		t.Fatalf("unbind when not bound: %v, want nil", err)
	}
	if e := mustClass(t, env.client.UnbindOpenAccount(ctx, ownOA, "wxopen-same"), platform.ClassTerminal); e.Code != 89003 {
		t.Fatalf("unbind console-created: %+v", e)
	}
}

func TestTesters(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-tester-0001")
	env.srv.handle(apiBindTester, func(w http.ResponseWriter, c call) {
		switch c.Body["wechatid"] {
		case "alice":
			writeJSON(w, ok(map[string]any{"userstr": "us-alice"}))
		case "bob": // already a tester, and this response names him
			writeJSON(w, map[string]any{"errcode": 85004, "errmsg": "already bound", "userstr": "us-bob"})
		case "carol": // already a tester, no userstr
			writeJSON(w, errBody(85004, "already bound"))
		default:
			writeJSON(w, errBody(85001, "wechatid not exists"))
		}
	})
	env.srv.handle(apiMemberAuth, func(w http.ResponseWriter, c call) {
		if c.Body["action"] != "get_experiencer" {
			t.Errorf("memberauth action = %v", c.Body["action"])
		}
		writeJSON(w, ok(map[string]any{"members": []any{map[string]any{"userstr": "us-alice"}, map[string]any{"userstr": "us-bob"}}}))
	})
	var unbound []map[string]any
	env.srv.handle(apiUnbindTester, func(w http.ResponseWriter, c call) {
		unbound = append(unbound, c.Body)
		writeJSON(w, ok(nil))
	})
	ctx := context.Background()
	for id, want := range map[string]string{"alice": "us-alice", "bob": "us-bob", "carol": ""} {
		got, err := env.client.BindTester(ctx, ownMP, id)
		if err != nil || got != want {
			t.Fatalf("BindTester(%s) = %q, %v; want %q, nil", id, got, err, want)
		}
	}
	_, err := env.client.BindTester(ctx, ownMP, "nobody")
	if e := mustClass(t, err, platform.ClassTerminal); e.Reason != platform.ReasonTesterUnknown {
		t.Fatalf("error = %+v", e)
	}
	testers, err := env.client.ListTesters(ctx, ownMP)
	if err != nil || len(testers) != 2 || testers[1].UserStr != "us-bob" {
		t.Fatalf("ListTesters = %+v, %v", testers, err)
	}
	// By userstr when it is known (the WeChat ID is then not sent), by WeChat ID when it is not.
	for _, ref := range []platform.TesterRef{{WeChatID: "alice", UserStr: "us-alice"}, {WeChatID: "carol"}} {
		if err := env.client.UnbindTester(ctx, ownMP, ref); err != nil {
			t.Fatal(err)
		}
	}
	want := []map[string]any{{"userstr": "us-alice"}, {"wechatid": "carol"}}
	if !reflect.DeepEqual(unbound, want) {
		t.Fatalf("unbind_tester bodies = %v, want %v", unbound, want)
	}
	_ = mustClass(t, env.client.UnbindTester(ctx, ownMP, platform.TesterRef{}), platform.ClassTerminal)
	if n := len(env.srv.callsTo(apiUnbindTester)); n != 2 {
		t.Fatalf("an empty TesterRef reached the platform: %d calls", n)
	}
}

func TestAccountWithoutCredentialRefusedLocally(t *testing.T) {
	env := newEnv(t, nil)
	_, err := env.client.ListTesters(context.Background(), platform.Account{AppID: "wxnocred"})
	if e := mustClass(t, err, platform.ClassTerminal); e.Reason != platform.ReasonInvalidCredentials {
		t.Fatalf("error = %+v", e)
	}
	_, err = env.client.DescribeAccount(context.Background(), platform.Account{Credential: "x-secret-value"})
	if e := mustClass(t, err, platform.ClassTerminal); e.Reason != platform.ReasonInvalidAppID {
		t.Fatalf("error = %+v", e)
	}
	if n := env.srv.count(apiMemberAuth, nil) + env.srv.count(apiStableToken, nil); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
}

func TestDescribeAccountOwnSecret(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-describe-01")
	env.srv.handle(apiBasicInfo, func(w http.ResponseWriter, _ call) {
		_, _ = w.Write(readTestdata(t, "getaccountbasicinfo.json"))
	})
	info, err := env.client.DescribeAccount(context.Background(), ownMP)
	if err != nil {
		t.Fatal(err)
	}
	want := platform.AccountInfo{AppID: ownMP.AppID, Type: platform.AccountMiniProgram, Nickname: "隆江餐饮订餐",
		Subject:      rules.Subject{Name: "武汉市东湖新技术开发区隆江餐饮店", Type: rules.SubjectEnterprise},
		Verification: rules.VerificationVerified}
	if info.AppID != want.AppID || info.Type != want.Type || info.Nickname != want.Nickname ||
		info.Subject != want.Subject || info.Verification != want.Verification || info.Released != nil || info.PaymentEnabled != nil {
		t.Fatalf("info = %+v, want %+v", *info, want)
	}
}

// componentEnv is a client on the ThirdPartyPlatform route.
func componentEnv(t *testing.T, ticket *string, mutate func(*Config)) *testEnv {
	return newEnv(t, func(c *Config) {
		c.Route = Route{Kind: RouteThirdPartyPlatform, ComponentAppID: "wxcomponent0000001",
			ComponentSecret: "component-secret-0123456789",
			Tickets: TicketSourceFunc(func(context.Context) (platform.Secret, error) {
				return platform.Secret(*ticket), nil
			})}
		if mutate != nil {
			mutate(c)
		}
	})
}

func TestComponentRoute(t *testing.T) {
	ticket := "ticket@@@first-ticket-value"
	var mu sync.Mutex
	var rotations []string
	var published []string
	env := componentEnv(t, &ticket, func(c *Config) {
		c.OnAuthorizerRefreshToken = func(appID string, replaced []platform.Secret, tok platform.Secret) {
			mu.Lock()
			defer mu.Unlock()
			rotations = append(rotations, appID+"="+replaced[len(replaced)-1].Reveal()+"->"+tok.Reveal())
		}
		c.OnToken = func(appID string, tok platform.Secret, _, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			published = append(published, appID+"="+tok.Reveal())
		}
	})
	env.srv.handle(apiComponentToken, func(w http.ResponseWriter, c call) {
		if c.Body["component_appid"] != "wxcomponent0000001" || c.Body["component_appsecret"] != "component-secret-0123456789" ||
			c.Body["component_verify_ticket"] != ticket {
			t.Errorf("api_component_token body = %v", c.Body)
		}
		writeJSON(w, map[string]any{"component_access_token": "ctok-component-01", "expires_in": 7200})
	})
	var n atomic.Int32
	env.srv.handle(apiAuthorizerToken, func(w http.ResponseWriter, c call) {
		if c.Query["component_access_token"] != "ctok-component-01" || c.Query["access_token"] != "ctok-component-01" {
			t.Errorf("api_authorizer_token query = %v", c.Query)
		}
		if c.Body["component_appid"] != "wxcomponent0000001" || c.Body["authorizer_appid"] != "wxoa-authorizer-01" {
			t.Errorf("api_authorizer_token body = %v", c.Body)
		}
		switch n.Add(1) {
		case 1:
			if c.Body["authorizer_refresh_token"] != "refresh-token-one" {
				t.Errorf("first refresh token = %v", c.Body["authorizer_refresh_token"])
			}
			writeJSON(w, map[string]any{"authorizer_access_token": "atok-authorizer-1", "expires_in": 7200,
				"authorizer_refresh_token": "refresh-token-two"})
		default:
			// The rotated refresh token is used although the caller still passes the old one.
			if c.Body["authorizer_refresh_token"] != "refresh-token-two" {
				t.Errorf("refresh token after rotation = %v", c.Body["authorizer_refresh_token"])
			}
			writeJSON(w, map[string]any{"authorizer_access_token": "atok-authorizer-2", "expires_in": 7200,
				"authorizer_refresh_token": "refresh-token-two"})
		}
	})
	env.srv.handle(apiLinkGet, func(w http.ResponseWriter, c call) {
		if !strings.HasPrefix(c.Query["access_token"], "atok-authorizer-") {
			t.Errorf("wxamplinkget token = %q", c.Query["access_token"])
		}
		writeJSON(w, ok(map[string]any{"wxopens": map[string]any{"items": []any{}}}))
	})
	oa := platform.Account{AppID: "wxoa-authorizer-01", Credential: "refresh-token-one"}
	ctx := context.Background()
	if _, err := env.client.ListMiniProgramLinks(ctx, oa); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.ListMiniProgramLinks(ctx, oa); err != nil {
		t.Fatal(err)
	}
	if c, a := env.srv.count(apiComponentToken, nil), env.srv.count(apiAuthorizerToken, nil); c != 1 || a != 1 {
		t.Fatalf("component/authorizer token requests = %d/%d, want 1/1", c, a)
	}
	env.clock.Advance(2 * time.Hour) // both tokens expired
	ticket = "ticket@@@second-ticket-value"
	if _, err := env.client.ListMiniProgramLinks(ctx, oa); err != nil {
		t.Fatal(err)
	}
	if c, a := env.srv.count(apiComponentToken, nil), env.srv.count(apiAuthorizerToken, nil); c != 2 || a != 2 {
		t.Fatalf("component/authorizer token requests = %d/%d, want 2/2", c, a)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rotations) != 1 || rotations[0] != "wxoa-authorizer-01=refresh-token-one->refresh-token-two" {
		t.Fatalf("OnAuthorizerRefreshToken calls = %v", rotations)
	}
	if len(published) != 2 || published[0] != "wxoa-authorizer-01=atok-authorizer-1" {
		t.Fatalf("OnToken calls = %v", published)
	}
}

func TestComponentTokenRenewedAfterAuthError(t *testing.T) {
	ticket := "ticket@@@value-for-renew"
	env := componentEnv(t, &ticket, nil)
	var ct atomic.Int32
	env.srv.handle(apiComponentToken, func(w http.ResponseWriter, _ call) {
		i := ct.Add(1)
		writeJSON(w, map[string]any{"component_access_token": []string{"ctok-expired-0", "ctok-fresh-001"}[min(i-1, 1)], "expires_in": 7200})
	})
	env.srv.handle(apiAuthorizerToken, func(w http.ResponseWriter, c call) {
		if c.Query["component_access_token"] == "ctok-expired-0" {
			writeJSON(w, errBody(42001, "component access token expired"))
			return
		}
		writeJSON(w, map[string]any{"authorizer_access_token": "atok-after-renew", "expires_in": 7200})
	})
	env.srv.handle(apiMemberAuth, membersOK)
	mp := platform.Account{AppID: "wxmp-authorizer-1", Credential: "refresh-token-mp"}
	if _, err := env.client.ListTesters(context.Background(), mp); err != nil {
		t.Fatal(err)
	}
	if ct.Load() != 2 || env.srv.count(apiAuthorizerToken, nil) != 2 {
		t.Fatalf("component tokens = %d, authorizer token requests = %d; want 2, 2", ct.Load(), env.srv.count(apiAuthorizerToken, nil))
	}
}

func TestComponentRouteWithoutTicket(t *testing.T) {
	ticket := ""
	env := componentEnv(t, &ticket, nil)
	_, err := env.client.ListTesters(context.Background(), platform.Account{AppID: "wxmp-x", Credential: "refresh-token-x"})
	if e := mustClass(t, err, platform.ClassRetryable); e.Reason != platform.ReasonTicketInvalid {
		t.Fatalf("error = %+v", e)
	}
	if env.srv.count(apiComponentToken, nil) != 0 {
		t.Fatal("api_component_token was called without a ticket")
	}
	ticket = "ticket@@@expired"
	env.srv.handle(apiComponentToken, func(w http.ResponseWriter, _ call) {
		writeJSON(w, errBody(61005, "component ticket is expired"))
	})
	_, err = env.client.ListTesters(context.Background(), platform.Account{AppID: "wxmp-x", Credential: "refresh-token-x"})
	if e := mustClass(t, err, platform.ClassTerminal); e.Code != 61005 {
		t.Fatalf("error = %+v", e)
	}
}

func TestDescribeAccountThirdParty(t *testing.T) {
	ticket := "ticket@@@describe"
	env := componentEnv(t, &ticket, nil)
	env.srv.handle(apiComponentToken, func(w http.ResponseWriter, _ call) {
		writeJSON(w, map[string]any{"component_access_token": "ctok-describe-01", "expires_in": 7200})
	})
	env.srv.handle(apiAuthorizerToken, func(w http.ResponseWriter, _ call) {
		writeJSON(w, map[string]any{"authorizer_access_token": "atok-describe-01", "expires_in": 7200})
	})
	env.srv.handle(apiAuthorizerInfo, func(w http.ResponseWriter, c call) {
		if c.Query["component_access_token"] != "ctok-describe-01" || c.Body["authorizer_appid"] != "wxf8b4f85f3a794e77" {
			t.Errorf("api_get_authorizer_info query/body = %v %v", c.Query, c.Body)
		}
		_, _ = w.Write(readTestdata(t, "api_get_authorizer_info_oa.json"))
	})
	var basic atomic.Bool
	basic.Store(true)
	env.srv.handle(apiBasicInfo, func(w http.ResponseWriter, c call) {
		if c.Query["access_token"] != "atok-describe-01" {
			t.Errorf("getaccountbasicinfo token = %q", c.Query["access_token"])
		}
		if !basic.Load() {
			writeJSON(w, errBody(48001, "api unauthorized"))
			return
		}
		writeJSON(w, ok(map[string]any{"principal_type": 3, "principal_name": "某某市政府", "account_type": 2,
			"wx_verify_info": map[string]any{"qualification_verify": true, "naming_verify": true}}))
	})
	oa := platform.Account{AppID: "wxf8b4f85f3a794e77", Credential: "refreshtoken@@@YTBYVM2zr2v-2hZ04TfwcIqO3aybNo48fsn1FVwF8Ho"}
	info, err := env.client.DescribeAccount(context.Background(), oa)
	if err != nil {
		t.Fatal(err)
	}
	if info.Type != platform.AccountService || info.Username != "gh_eb5e3a772040" || info.Nickname != "微信SDK Demo Special" ||
		info.Subject != (rules.Subject{Name: "腾讯计算机系统有限公司", Type: rules.SubjectGovernment}) ||
		info.Verification != rules.VerificationVerified || info.PaymentEnabled == nil || !*info.PaymentEnabled {
		t.Fatalf("info = %+v", *info)
	}
	basic.Store(false)
	info, err = env.client.DescribeAccount(context.Background(), oa)
	if err != nil {
		t.Fatalf("without the basic-info permission: %v", err)
	}
	if info.Subject.Type != "" || info.Verification != rules.VerificationVerified || info.Type != platform.AccountService {
		t.Fatalf("info without basic info = %+v", *info)
	}
}

// A link request whose attempt reached the platform unanswered is retried once; when the retry goes
// unanswered too, the call ends (the caller settles it from the platform's list) instead of asking a third
// time: each retry is one more request the platform must refuse as a duplicate.
func TestLinkRequestUnansweredTwiceIsNotAskedAThirdTime(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.Retry.MaxAttempts = 4 })
	env.srv.stableTokens("", "tok-dropped-001")
	var n atomic.Int32
	env.srv.handle(apiLink, func(w http.ResponseWriter, _ call) {
		if n.Add(1) <= 2 {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close() // handled (or not): the caller cannot tell
			}
			return
		}
		writeJSON(w, errBody(89010, "invitation pending"))
	})
	_, err := env.client.LinkMiniProgram(context.Background(), ownOA, "wxnew", platform.LinkOptions{})
	if e := mustClass(t, err, platform.ClassRetryable); e.Code != 0 || e.Reason != platform.ReasonNetwork {
		t.Fatalf("error = %+v, want the network error of the unanswered retry (no errcode)", e)
	}
	if got := n.Load(); got != 2 {
		t.Fatalf("wxamplink was called %d times, want 2: the request and one retry", got)
	}
}

// open/create applied with its answer lost: the retry gets 89000 (already bound), which is the platform's
// memory of the first attempt. CreateOpenAccount reads the open_appid with open/get and returns it as created,
// not the terminal 89000 (the caller would report a rule violation and later adopt the account as not created
// by API). Without an unanswered attempt, 89000 stays the terminal error.
func TestCreateOpenAccountUnansweredThenAlreadyBound(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-create-0001")
	var creates atomic.Int32
	var created atomic.Bool
	env.srv.handle(apiOpenCreate, func(w http.ResponseWriter, _ call) {
		if creates.Add(1) == 1 {
			created.Store(true) // applied, then the connection drops
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
			}
			return
		}
		writeJSON(w, errBody(89000, "account has bound open"))
	})
	env.srv.handle(apiOpenGet, func(w http.ResponseWriter, _ call) {
		if created.Load() {
			writeJSON(w, ok(map[string]any{"open_appid": "wxopen-made-by-the-lost-one"}))
			return
		}
		writeJSON(w, errBody(89002, "open not exists"))
	})
	ctx := context.Background()
	open, err := env.client.CreateOpenAccount(ctx, ownMP)
	if err != nil || open != "wxopen-made-by-the-lost-one" {
		t.Fatalf("CreateOpenAccount after an unanswered attempt = %q, %v; want the open_appid open/get reads, nil", open, err)
	}
	if got := creates.Load(); got != 2 {
		t.Fatalf("open/create was called %d times, want 2", got)
	}

	// Answered at once with 89000: not created by this call.
	_, err = env.client.CreateOpenAccount(ctx, ownMP)
	if e := mustClass(t, err, platform.ClassTerminal); e.Code != 89000 {
		t.Fatalf("89000 without an unanswered attempt: %+v, want the terminal 89000", e)
	}
}

// A link request whose attempt went unanswered and whose retry got 45009: the outcome is uncertain (the first
// attempt may have made the link), and the daily quota's wait is kept, so that the caller waits for the next
// day rather than asking again at once.
func TestUncertainLinkRequestKeepsTheDailyQuotasWait(t *testing.T) {
	env := newEnv(t, nil)
	env.srv.stableTokens("", "tok-uncertain-01")
	var n atomic.Int32
	env.srv.handle(apiLink, func(w http.ResponseWriter, _ call) {
		if n.Add(1) == 1 {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
			}
			return
		}
		writeJSON(w, errBody(45009, "reach max api daily quota limit"))
	})
	_, err := env.client.LinkMiniProgram(context.Background(), ownOA, "wxnew", platform.LinkOptions{})
	e := mustClass(t, err, platform.ClassRetryable)
	if e.Code != 0 || e.Reason != platform.ReasonNetwork || !strings.Contains(e.Msg, "45009") {
		t.Fatalf("error = %+v, want the uncertain outcome (no errcode, network reason, naming the 45009)", e)
	}
	// The fake clock is 18:00 in Beijing: the quota comes back 6 hours later.
	if e.RetryAfter != 6*time.Hour {
		t.Fatalf("RetryAfter = %s, want 6h (the 45009's wait)", e.RetryAfter)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var goldenNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestGoldenLinks(t *testing.T) {
	for file, want := range map[string][]platform.MiniProgramLink{
		"wxamplinkget_doc.json": {
			{AppID: "xxxxx", Username: "gh_xxxxxxxxx", Nickname: "aaaaaaa", Status: platform.LinkLinked,
				ShowOnProfile: true, Released: true},
			{AppID: "yyyyy", Username: "gh_yyyyyyyyy", Nickname: "ccccccc", Status: platform.LinkAwaitingOfficialAccountAdmin,
				Released: true, PaymentEnabled: true},
		},
		"wxamplinkget_no_appid.json": {
			{Username: "gh_xxxxxxxxx", Nickname: "aaaaaaa", Status: platform.LinkLinked, ShowOnProfile: true, Released: true},
			{Username: "gh_xxxxxxxxxx", Nickname: "bbbbbbb", Status: platform.LinkRejected},
		},
		"wxamplinkget_status4_strings.json": {
			{AppID: "wx4444444444444444", Username: "gh_4444444444", Nickname: "dddd", Status: 4,
				ShowOnProfile: true, PaymentEnabled: true},
			{AppID: "wx2222222222222222", Username: "gh_2222222222", Nickname: "eeee",
				Status: platform.LinkAwaitingMiniProgramAdmin, ShowOnProfile: true},
		},
	} {
		got, err := decodeLinks(apiLinkGet, readTestdata(t, file), goldenNow)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", file, got, want)
		}
	}
}

func TestGoldenBasicInfo(t *testing.T) {
	for file, want := range map[string]platform.AccountInfo{
		"getaccountbasicinfo.json": {AppID: "wxq", Type: platform.AccountMiniProgram, Nickname: "隆江餐饮订餐",
			Subject:      rules.Subject{Name: "武汉市东湖新技术开发区隆江餐饮店", Type: rules.SubjectEnterprise},
			Verification: rules.VerificationVerified},
		"getaccountbasicinfo_strings.json": {AppID: "wxq", Type: platform.AccountService, Nickname: "小吃店",
			Subject:      rules.Subject{Name: "某某区某某小吃店", Type: rules.SubjectIndividualBusiness},
			Verification: rules.VerificationExpired},
		"getaccountbasicinfo_individual.json": {AppID: "wxq", Type: platform.AccountSubscription, Nickname: "个人订阅号",
			Subject:      rules.Subject{Name: "个人", Type: rules.SubjectIndividual},
			Verification: rules.VerificationUnverified},
		"getaccountbasicinfo_unknown.json": {AppID: "wxq", Type: platform.AccountUnknown, Nickname: "overseas",
			Subject:      rules.Subject{Name: "海外某公司"},
			Verification: rules.VerificationInProgress},
	} {
		b, err := decodeBasicInfo(apiBasicInfo, readTestdata(t, file), goldenNow)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got := accountFromBasicInfo("wxq", b, goldenNow)
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", file, *got, want)
		}
	}
}

func TestGoldenAuthorizerInfo(t *testing.T) {
	yes, no := true, false
	for file, want := range map[string]platform.AccountInfo{
		"api_get_authorizer_info_oa.json": {AppID: "wxq", Type: platform.AccountService, Username: "gh_eb5e3a772040",
			Nickname: "微信SDK Demo Special", Subject: rules.Subject{Name: "腾讯计算机系统有限公司"},
			Verification: rules.VerificationVerified, PaymentEnabled: &yes},
		"api_get_authorizer_info_mp.json": {AppID: "wxq", Type: platform.AccountMiniProgram, Username: "gh_c43395cb652e",
			Nickname: "小程序名称", Subject: rules.Subject{Name: "某某有限公司"},
			Verification: rules.VerificationVerified, PaymentEnabled: &no},
	} {
		ai, err := decodeAuthorizerInfo(readTestdata(t, file), goldenNow)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got := accountFromAuthorizerInfo("wxq", ai, nil, goldenNow)
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", file, *got, want)
		}
	}
	ai, _ := decodeAuthorizerInfo(readTestdata(t, "api_get_authorizer_info_oa.json"), goldenNow)
	if ai.AuthorizationInfo.AuthorizerRefreshToken != "refreshtoken@@@YTBYVM2zr2v-2hZ04TfwcIqO3aybNo48fsn1FVwF8Ho" {
		t.Errorf("authorization_info.authorizer_refresh_token = %q", ai.AuthorizationInfo.AuthorizerRefreshToken)
	}
}

func TestVerifyTypeMapping(t *testing.T) {
	id := func(n flexInt) *idObject { return &idObject{ID: &n} }
	for _, tc := range []struct {
		in   *idObject
		want rules.VerificationState
	}{
		{id(-1), rules.VerificationUnverified}, {id(0), rules.VerificationVerified}, {id(1), rules.VerificationUnverified},
		{id(2), rules.VerificationUnverified}, {id(3), rules.VerificationVerified}, {id(4), rules.VerificationVerified},
		{id(5), rules.VerificationVerified}, {id(9), ""}, {nil, ""}, {&idObject{}, ""},
	} {
		if got := verificationFromVerifyType(tc.in); got != tc.want {
			t.Errorf("verify_type_info %+v → %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGoldenTokens(t *testing.T) {
	type dec func(string, []byte, time.Time) (tokenGrant, *platform.Error)
	for _, tc := range []struct {
		file string
		dec  dec
		want tokenGrant
	}{
		{"stable_token.json", decodeAccessToken, tokenGrant{token: "ACCESS_TOKEN", ttl: 7200 * time.Second}},
		{"stable_token_strings.json", decodeAccessToken, tokenGrant{token: "ACCESS_TOKEN_S", ttl: 7000 * time.Second}},
		{"api_component_token.json", decodeComponentToken, tokenGrant{
			token: "61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9-2llqrMBjUwxRSNPbVsMmyD-yq8wZETSoE5NQgecigDrSHkPtIYA", ttl: 7200 * time.Second}},
		{"api_authorizer_token.json", decodeAuthorizerToken, tokenGrant{token: "some-access-token", ttl: 7200 * time.Second,
			refreshToken: "refresh_token_value"}},
	} {
		got, err := tc.dec("api", readTestdata(t, tc.file), goldenNow)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.file, got, tc.want)
		}
	}
	// A token response without a token is an error, not an empty token.
	if _, err := decodeAccessToken("api", []byte(`{"expires_in":7200}`), goldenNow); err == nil {
		t.Error("a response without access_token decoded")
	}
}

func TestGoldenSmallBodies(t *testing.T) {
	members, err := decodeMembers(apiMemberAuth, readTestdata(t, "memberauth.json"), goldenNow)
	if err != nil || !reflect.DeepEqual(members, []platform.Tester{{UserStr: "xxxxxxxx"}, {UserStr: "yyyyyyyy"}}) {
		t.Errorf("memberauth: %+v, %v", members, err)
	}
	open, err := decodeOpen(apiOpenGet, readTestdata(t, "open_get.json"), goldenNow)
	if err != nil || open != "xxxxxx" {
		t.Errorf("open/get: %q, %v", open, err)
	}
	var bt bindTesterResp
	if err := decodeBody(apiBindTester, readTestdata(t, "bind_tester.json"), &bt, goldenNow); err != nil || bt.UserStr != "xxxxxxxxx" {
		t.Errorf("bind_tester: %+v, %v", bt, err)
	}
}

func TestGoldenErrors(t *testing.T) {
	for file, want := range map[string]struct {
		code   int
		class  platform.Class
		msgHas string
	}{
		"error_rid.json":           {89015, platform.ClassTerminal, "has linked wxa rid:"},
		"error_hint.json":          {40001, platform.ClassAuth, "hint: [Yj8Cta0822ub21]"},
		"error_empty_msg.json":     {1005, platform.ClassTerminal, "rid:"},
		"error_string_code.json":   {45009, platform.ClassRetryable, "daily quota"},
		"wxamplinkget_doc.json":    {0, "", ""},
		"stable_token.json":        {0, "", ""},
		"getaccountbasicinfo.json": {0, "", ""},
	} {
		err := decodeBody("api", readTestdata(t, file), nil, goldenNow)
		if want.code == 0 {
			if err != nil {
				t.Errorf("%s: %v, want success", file, err)
			}
			continue
		}
		if err == nil || err.Code != want.code || err.Class != want.class || !strings.Contains(err.Msg, want.msgHas) {
			t.Errorf("%s: %+v, want code %d class %s", file, err, want.code, want.class)
		}
	}
	if err := decodeBody("api", readTestdata(t, "error_string_code.json"), nil, goldenNow); err.RetryAfter != 6*time.Hour {
		t.Errorf("45009 at 18:00 Beijing: RetryAfter = %s, want 6h", err.RetryAfter)
	}
	for _, bad := range []string{``, `<html>`, `{"errcode":"x"}`, `{"errcode":1.5}`, `[]`, `{"errcode":{}}`} {
		err := decodeBody("api", []byte(bad), nil, goldenNow)
		if err == nil || err.Class != platform.ClassRetryable || err.Code != 0 {
			t.Errorf("%q: %+v, want a malformed-response error", bad, err)
		}
	}
}

// TestErrmsgWhitespaceGolden: errmsg as the platform sends it (stray leading, trailing and doubled spaces)
// and as the client reports it in platform.Error.Msg.
func TestErrmsgWhitespaceGolden(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"errcode":40013,"errmsg":" invalid appid hint: [abc] rid: 1234 "}`, "invalid appid hint: [abc] rid: 1234"},
		{`{"errcode":45011,"errmsg":"api minute-quota reach limit  mustslower  retry next minute rid: 6a1f-0c2e"}`,
			"api minute-quota reach limit mustslower retry next minute rid: 6a1f-0c2e"},
		{`{"errcode":89016,"errmsg":"reach same realname quota  hint: [8Rmeyq0Ae-LQ2a]  rid: 61932a5b-0e248764-42d1c1b2"}`,
			"reach same realname quota hint: [8Rmeyq0Ae-LQ2a] rid: 61932a5b-0e248764-42d1c1b2"},
		{`{"errcode":1005,"errmsg":"  rid: 61932a5b-0e248764-42d1c1b2"}`, "rid: 61932a5b-0e248764-42d1c1b2"},
		{`{"errcode":48001,"errmsg":"api unauthorized\t hint: [tab]\n"}`, "api unauthorized hint: [tab]"},
		{`{"errcode":-1,"errmsg":"   "}`, ""},
	} {
		err := decodeBody("api", []byte(tc.body), nil, goldenNow)
		if err == nil || err.Msg != tc.want {
			t.Errorf("%s: Msg = %q, want %q", tc.body, msgOf(err), tc.want)
		}
	}
}

func msgOf(err *platform.Error) string {
	if err == nil {
		return "<no error>"
	}
	return err.Msg
}

func TestFlexTypes(t *testing.T) {
	for in, want := range map[string]int64{`1`: 1, `"1"`: 1, `true`: 1, `false`: 0, `null`: 0, `""`: 0, `" 12 "`: 12,
		`-1`: -1, `"-1"`: -1, `2.0`: 2, `"true"`: 1, `1e3`: 1000} {
		var f flexInt
		if err := f.UnmarshalJSON([]byte(in)); err != nil || int64(f) != want {
			t.Errorf("flexInt(%s) = %d, %v; want %d", in, f, err, want)
		}
	}
	for _, in := range []string{`"abc"`, `1.5`, `{}`, `[]`, `"1e400"`, ``} {
		var f flexInt
		if err := f.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("flexInt(%s) accepted", in)
		}
	}
	for in, want := range map[string]bool{`1`: true, `0`: false, `"1"`: true, `"0"`: false, `true`: true, `false`: false,
		`null`: false, `"true"`: true, `"false"`: false, `2`: true} {
		var f flexBool
		if err := f.UnmarshalJSON([]byte(in)); err != nil || bool(f) != want {
			t.Errorf("flexBool(%s) = %v, %v; want %v", in, f, err, want)
		}
	}
	var s flexString
	if err := s.UnmarshalJSON([]byte(`12345`)); err != nil || s != "12345" {
		t.Errorf("flexString(12345) = %q, %v", s, err)
	}
}

// --- fuzz ---

func addSeeds(f *testing.F, files ...string) {
	for _, file := range files {
		f.Add(readTestdata(f, file))
	}
	f.Add([]byte(`{"errcode":-1}`))
	f.Add([]byte(`{"wxopens":{"items":[{"func_info":{"id":"2","status":"1"},"status":"99999999999"}]}}`))
	f.Add([]byte(`null`))
}

func FuzzDecodeLinks(f *testing.F) {
	addSeeds(f, "wxamplinkget_doc.json", "wxamplinkget_no_appid.json", "wxamplinkget_status4_strings.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		links, err := decodeLinks(apiLinkGet, data, goldenNow)
		if err != nil {
			if err.Class == "" || err.API != apiLinkGet {
				t.Fatalf("unclassified error %+v", err)
			}
			if links != nil {
				t.Fatal("links with an error")
			}
			return
		}
		if links == nil {
			t.Fatal("nil links without an error")
		}
	})
}

func FuzzDecodeAccountInfo(f *testing.F) {
	addSeeds(f, "getaccountbasicinfo.json", "getaccountbasicinfo_strings.json", "getaccountbasicinfo_individual.json",
		"getaccountbasicinfo_unknown.json", "api_get_authorizer_info_oa.json", "api_get_authorizer_info_mp.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if b, err := decodeBasicInfo(apiBasicInfo, data, goldenNow); err == nil {
			info := accountFromBasicInfo("wxq", b, goldenNow)
			if info.Verification == "" || (info.Subject.Type != "" && !info.Subject.Type.Known()) {
				t.Fatalf("basic info mapped to %+v", info)
			}
			if ai, err := decodeAuthorizerInfo(data, goldenNow); err == nil {
				_ = accountFromAuthorizerInfo("wxq", ai, b, goldenNow)
			}
		}
		if ai, err := decodeAuthorizerInfo(data, goldenNow); err == nil {
			info := accountFromAuthorizerInfo("wxq", ai, nil, goldenNow)
			if info.Verification != "" && !info.Verification.Known() {
				t.Fatalf("authorizer info mapped to %+v", info)
			}
		}
	})
}

func FuzzDecodeTokens(f *testing.F) {
	addSeeds(f, "stable_token.json", "stable_token_strings.json", "api_component_token.json", "api_authorizer_token.json",
		"error_hint.json", "error_string_code.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, dec := range []func(string, []byte, time.Time) (tokenGrant, *platform.Error){
			decodeAccessToken, decodeComponentToken, decodeAuthorizerToken,
		} {
			g, err := dec("api", data, goldenNow)
			if err == nil && (g.token == "" || g.ttl <= 0) {
				t.Fatalf("grant %+v without an error", g)
			}
		}
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	addSeeds(f, "error_rid.json", "error_hint.json", "error_empty_msg.json", "error_string_code.json", "memberauth.json",
		"open_get.json", "bind_tester.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		err := decodeBody("api", data, nil, goldenNow)
		if err != nil && err.Class == "" {
			t.Fatalf("unclassified error %+v", err)
		}
		_, _ = decodeMembers(apiMemberAuth, data, goldenNow)
		_, _ = decodeOpen(apiOpenGet, data, goldenNow)
	})
}

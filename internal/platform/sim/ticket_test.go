// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// pushed is one request received by the test's callback.
type pushed struct {
	query url.Values
	body  []byte
}

// callback is a component's "authorisation event URL" for tests.
func callback(t *testing.T, answer string) (*httptest.Server, chan pushed) {
	t.Helper()
	ch := make(chan pushed, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case ch <- pushed{query: r.URL.Query(), body: b}:
		default: // a test that stopped listening must not block the pusher
		}
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// A 43-character EncodingAESKey whose last character carries non-zero padding bits, as real keys do.
const testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

// openPush is an independent, minimal decryption of a WeChat push, written from the protocol description:
// verify msg_signature, base64-decode, AES-256-CBC-decrypt with IV = key[:16], strip the padding, read the
// 16 random bytes, the 4-byte length, the message and the trailing appid.
func openPush(t *testing.T, token, encodingAESKey, wantAppID string, p pushed) string {
	t.Helper()
	var env struct {
		ToUserName string `xml:"ToUserName"`
		AppID      string `xml:"AppId"`
		Encrypt    string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal(p.body, &env); err != nil {
		t.Fatalf("push body is not XML: %v\n%s", err, p.body)
	}
	if env.ToUserName != wantAppID || env.AppID != wantAppID {
		t.Fatalf("envelope names %q/%q, want %q", env.ToUserName, env.AppID, wantAppID)
	}
	ts, nonce := p.query.Get("timestamp"), p.query.Get("nonce")
	if ts == "" || nonce == "" || p.query.Get("encrypt_type") != "aes" {
		t.Fatalf("push query %v", p.query)
	}
	sig := func(parts ...string) string {
		sort.Strings(parts)
		return fmt.Sprintf("%x", sha1.Sum([]byte(strings.Join(parts, ""))))
	}
	if got, want := p.query.Get("msg_signature"), sig(token, ts, nonce, env.Encrypt); got != want {
		t.Fatalf("msg_signature %s, want %s", got, want)
	}
	if got, want := p.query.Get("signature"), sig(token, ts, nonce); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		t.Fatalf("test key: %v (%d bytes)", err, len(key))
	}
	ct, err := base64.StdEncoding.DecodeString(env.Encrypt)
	if err != nil || len(ct) == 0 || len(ct)%32 != 0 {
		t.Fatalf("Encrypt is not base64 of whole 32-byte blocks: %v (%d bytes)", err, len(ct))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 {
		t.Fatalf("padding byte %d", pad)
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			t.Fatal("inconsistent PKCS#7 padding")
		}
	}
	pt = pt[:len(pt)-pad]
	n := int(pt[16])<<24 | int(pt[17])<<16 | int(pt[18])<<8 | int(pt[19])
	if 20+n > len(pt) {
		t.Fatalf("length %d overruns the %d-byte plaintext", n, len(pt))
	}
	if appid := string(pt[20+n:]); appid != wantAppID {
		t.Fatalf("trailing appid %q, want %q", appid, wantAppID)
	}
	return string(pt[20 : 20+n])
}

func ticketOf(t *testing.T, msg string) (appid, infoType, ticket string, created int64) {
	t.Helper()
	var m struct {
		AppID      string `xml:"AppId"`
		CreateTime int64  `xml:"CreateTime"`
		InfoType   string `xml:"InfoType"`
		Ticket     string `xml:"ComponentVerifyTicket"`
	}
	if err := xml.Unmarshal([]byte(msg), &m); err != nil {
		t.Fatalf("decrypted message is not XML: %v\n%s", err, msg)
	}
	return m.AppID, m.InfoType, m.Ticket, m.CreateTime
}

func TestTicketPushAndComponentTokens(t *testing.T) {
	cb, pushes := callback(t, "success")
	comp := &Component{AppID: "wxcomponent", Secret: "comp-secret", Token: "msgtoken", EncodingAESKey: testAESKey, CallbackURL: cb.URL + "/wechat/callback?tenant=1"}
	e := newEnv(t, Options{Component: comp})
	res, err := e.sim.PushTicket(context.Background())
	if err != nil || !res.Pushed {
		t.Fatalf("PushTicket: %+v, %v", res, err)
	}
	var p pushed
	select {
	case p = <-pushes:
	default:
		t.Fatal("PushTicket returned before the callback got the push")
	}
	if p.query.Get("tenant") != "1" {
		t.Fatal("the callback URL's own query was lost")
	}
	appid, infoType, ticket, created := ticketOf(t, openPush(t, "msgtoken", testAESKey, "wxcomponent", p))
	if appid != "wxcomponent" || infoType != "component_verify_ticket" || ticket != res.Ticket ||
		!strings.HasPrefix(ticket, "ticket@@@") || created != t0.Unix() {
		t.Fatalf("message: %s %s %s %d", appid, infoType, ticket, created)
	}

	componentToken := func(secret, tk string) map[string]any {
		_, m := e.do(http.MethodPost, "/cgi-bin/component/api_component_token", nil, map[string]any{
			"component_appid": "wxcomponent", "component_appsecret": secret, "component_verify_ticket": tk})
		return m
	}
	e.wantCode(componentToken("comp-secret", "ticket@@@forged"), 61006, "unknown ticket")
	e.wantCode(componentToken("wrong", ticket), 40125, "wrong component secret")
	ct := componentToken("comp-secret", ticket)
	e.wantCode(ct, 0, "component token")
	cat := ct["component_access_token"].(string)

	oa := oaAcct("wxoa", "ACME")
	oa.AuthorizerRefreshToken = "refreshtoken@@@oa"
	oa.PermissionSets = []int{1, 3}
	e.seed(oa, mpAcct("wxnotauth", "ACME"))
	authz := func(appid, refresh string) map[string]any {
		_, m := e.do(http.MethodPost, "/cgi-bin/component/api_authorizer_token", url.Values{"component_access_token": {cat}},
			map[string]any{"component_appid": "wxcomponent", "authorizer_appid": appid, "authorizer_refresh_token": refresh})
		return m
	}
	e.wantCode(authz("wxnotauth", "x"), 61003, "account that never authorised")
	e.wantCode(authz("wxoa", "stale"), 61023, "wrong refresh token")
	at := authz("wxoa", "refreshtoken@@@oa")
	e.wantCode(at, 0, "authorizer token")
	if at["authorizer_refresh_token"] != "refreshtoken@@@oa" {
		t.Fatalf("answer %v", at)
	}
	authTok := at["authorizer_access_token"].(string)
	// Permission set 33 was not granted: the link APIs refuse; basic info (set 3) works.
	e.wantCode(e.api(linkGet, authTok, map[string]any{}), 48001, "wxamplinkget without permission set 33")
	_, m := e.do(http.MethodGet, "/cgi-bin/account/getaccountbasicinfo", url.Values{"access_token": {authTok}}, nil)
	e.wantCode(m, 0, "basic info with an authorizer token")
	e.wantCode(e.api(linkGet, cat, map[string]any{}), 48001, "component token on a business API")

	_, info := e.do(http.MethodPost, "/cgi-bin/component/api_get_authorizer_info", url.Values{"access_token": {cat}},
		map[string]any{"component_appid": "wxcomponent", "authorizer_appid": "wxoa"})
	e.wantCode(info, 0, "api_get_authorizer_info")
	ai := info["authorizer_info"].(map[string]any)
	if ai["user_name"] != usernameFor("wxoa") || ai["principal_name"] != "ACME" ||
		ai["service_type_info"].(map[string]any)["id"] != float64(2) || ai["verify_type_info"].(map[string]any)["id"] != float64(0) ||
		ai["account_status"] != float64(1) || ai["business_info"].(map[string]any)["open_pay"] != float64(0) {
		t.Fatalf("authorizer_info %v", ai)
	}
	if fi := info["authorization_info"].(map[string]any)["func_info"].([]any); len(fi) != 2 {
		t.Fatalf("func_info %v, want the 2 granted sets", fi)
	}

	// The ticket expires after 12 hours: 61005.
	e.clock.Add(12*time.Hour + time.Second)
	e.wantCode(componentToken("comp-secret", ticket), 61005, "expired ticket")
}

func TestTicketPushFailuresAndBackgroundPusher(t *testing.T) {
	cb, pushes := callback(t, "fail")
	comp := &Component{AppID: "wxcomponent", Secret: "s", Token: "tok", EncodingAESKey: testAESKey, CallbackURL: cb.URL}
	e := newEnv(t, Options{Component: comp, TicketInterval: 20 * time.Millisecond})
	// The background pusher pushes at once and then on its interval.
	for i := 0; i < 2; i++ {
		select {
		case p := <-pushes:
			openPush(t, "tok", testAESKey, "wxcomponent", p)
		case <-time.After(5 * time.Second):
			t.Fatalf("push %d did not arrive", i+1)
		}
	}
	res, err := e.sim.PushTicket(context.Background())
	if err == nil || res.Pushed || res.HTTPStatus != http.StatusOK {
		t.Fatalf("a callback answering %q: %+v, %v", "fail", res, err)
	}
	// The ticket is valid although the push failed.
	_, m := e.do(http.MethodPost, "/cgi-bin/component/api_component_token", nil, map[string]any{
		"component_appid": "wxcomponent", "component_appsecret": "s", "component_verify_ticket": res.Ticket})
	e.wantCode(m, 0, "token from an undelivered ticket")

	if _, err := New(Options{Component: &Component{AppID: "x", EncodingAESKey: "short", Token: "t", CallbackURL: "http://127.0.0.1:1"}}); err == nil {
		t.Fatal("a short EncodingAESKey must be refused")
	}
	noComp := MustNew(Options{})
	defer func() { _ = noComp.Close() }()
	if _, err := noComp.PushTicket(context.Background()); err == nil {
		t.Fatal("PushTicket without a component must fail")
	}
}

// TestEncryptionKnownAnswer encrypts with a fixed random prefix and compares with an independent encryption
// written here from the protocol description. The IV only shows in the first block (the random prefix), which
// a decryption cannot check, so this is what pins IV = key[:16].
func TestEncryptionKnownAnswer(t *testing.T) {
	key, err := decodeAESKey(testAESKey)
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("0123456789abcdef")
	msg := []byte("<xml><AppId>wxcomp</AppId></xml>")
	got, err := encryptWithPrefix(key, "wxcomp", msg, prefix)
	if err != nil {
		t.Fatal(err)
	}
	plain := append([]byte{}, prefix...)
	plain = append(plain, byte(len(msg)>>24), byte(len(msg)>>16), byte(len(msg)>>8), byte(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, "wxcomp"...)
	pad := 32 - len(plain)%32
	for i := 0; i < pad; i++ {
		plain = append(plain, byte(pad))
	}
	block, _ := aes.NewCipher(key)
	iv := key[:16]
	out := make([]byte, len(plain))
	prev := iv
	for i := 0; i < len(plain); i += 16 { // CBC by hand
		x := make([]byte, 16)
		for j := range x {
			x[j] = plain[i+j] ^ prev[j]
		}
		block.Encrypt(out[i:i+16], x)
		prev = out[i : i+16]
	}
	if want := base64.StdEncoding.EncodeToString(out); got != want {
		t.Fatalf("ciphertext\n got %s\nwant %s", got, want)
	}
}

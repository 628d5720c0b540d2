// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
)

const (
	callbackToken     = platform.Secret("callback-token")
	callbackAESKey    = platform.Secret("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
	callbackComponent = "wx00000000000000c1"
)

// callbackWorld is a TicketCallback on 127.0.0.1 over a fake client with one ThirdPartyPlatform
// PlatformConfig ("tpp", with its Token and EncodingAESKey), one whose Secret is missing ("tpp-broken") and
// one OwnSecret PlatformConfig ("wechat").
func callbackWorld(t *testing.T) (*phaseWorld, *httptest.Server) {
	t.Helper()
	w := newPhaseWorld(t)
	w.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tpp-callback",
		Labels: map[string]string{CredentialsLabel: CredentialsLabelValue}}, Data: map[string][]byte{
		"token": []byte(callbackToken), "aesKey": []byte(callbackAESKey)}})
	w.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "tpp"}, Spec: wx.PlatformConfigSpec{
		CredentialsRoute: wx.CredentialsRouteThirdPartyPlatform,
		ThirdPartyPlatform: &wx.ThirdPartyPlatform{
			ComponentAppID:         callbackComponent,
			ComponentSecretRef:     wx.SecretKeySelector{Name: "tpp-callback", Key: "secret"},
			CallbackTokenRef:       wx.SecretKeySelector{Name: "tpp-callback", Key: "token"},
			EncodingAESKeyRef:      wx.SecretKeySelector{Name: "tpp-callback", Key: "aesKey"},
			VerifyTicketSecretName: "tpp-ticket",
		},
	}})
	// One whose Secret is missing: it must not show either.
	w.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "tpp-broken"}, Spec: wx.PlatformConfigSpec{
		CredentialsRoute: wx.CredentialsRouteThirdPartyPlatform,
		ThirdPartyPlatform: &wx.ThirdPartyPlatform{
			ComponentAppID:         callbackComponent,
			ComponentSecretRef:     wx.SecretKeySelector{Name: "missing", Key: "secret"},
			CallbackTokenRef:       wx.SecretKeySelector{Name: "missing", Key: "token"},
			EncodingAESKeyRef:      wx.SecretKeySelector{Name: "missing", Key: "aesKey"},
			VerifyTicketSecretName: "tpp-broken-ticket",
		},
	}})
	mux := http.NewServeMux()
	mux.Handle(CallbackPathPrefix, &TicketCallback{Client: w.c, Logger: logr.Discard()})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return w, srv
}

// ticketPush is the body and query of a component_verify_ticket push, signed with token.
func ticketPush(t *testing.T, token platform.Secret) (body, query string) {
	t.Helper()
	msg := fmt.Sprintf("<xml><AppId>%s</AppId><CreateTime>1700000000</CreateTime>"+
		"<InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@1</ComponentVerifyTicket></xml>",
		callbackComponent)
	enc, err := wechat.EncryptMessage(callbackAESKey, callbackComponent, []byte(msg), nil)
	if err != nil {
		t.Fatal(err)
	}
	body = fmt.Sprintf("<xml><AppId>%s</AppId><Encrypt><![CDATA[%s]]></Encrypt></xml>", callbackComponent, enc)
	return body, "timestamp=1700000000&nonce=n1&msg_signature=" + wechat.Signature(token, "1700000000", "n1", enc)
}

// answer is what a caller sees of a response: status, headers (but Date) and body.
func answer(t *testing.T, method, url, body string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Header.Del("Date")
	var hdr strings.Builder
	_ = resp.Header.Write(&hdr)
	return fmt.Sprintf("%d\n%s\n%s", resp.StatusCode, hdr.String(), b)
}

// An unknown PlatformConfig, one not on the ThirdPartyPlatform route, or one whose callback credentials cannot
// be read answers exactly as a known one
// answers a bad signature, whatever the request: a caller cannot tell which exist.
func TestTicketCallbackUnknownAnswersAsBadSignature(t *testing.T) {
	_, srv := callbackWorld(t)
	badBody, badQuery := ticketPush(t, "not-the-token")
	requests := map[string]struct{ method, query, body string }{
		"a push with a bad signature": {http.MethodPost, badQuery, badBody},
		"no signature":                {http.MethodPost, "", badBody},
		"a body that is not XML":      {http.MethodPost, badQuery, "hello"},
		"a GET":                       {http.MethodGet, badQuery, ""},
	}
	for what, rq := range requests {
		known := answer(t, rq.method, srv.URL+CallbackPathPrefix+phaseNS+"/tpp?"+rq.query, rq.body)
		for _, path := range []string{phaseNS + "/absent", "no-such-namespace/tpp", phaseNS + "/wechat", phaseNS + "/tpp-broken"} {
			got := answer(t, rq.method, srv.URL+CallbackPathPrefix+path+"?"+rq.query, rq.body)
			if got != known {
				t.Errorf("%s to %s answered\n%q\nbut to the known PlatformConfig\n%q", what, path, got, known)
			}
		}
	}
	if known := answer(t, http.MethodPost, srv.URL+CallbackPathPrefix+phaseNS+"/tpp?"+badQuery, badBody); !strings.HasPrefix(known, "403\n") {
		t.Errorf("a bad signature answered %q, want 403", known)
	}
}

// The known PlatformConfig still takes a correctly signed ticket, and keeps it in its Secret.
func TestTicketCallbackStoresASignedTicket(t *testing.T) {
	w, srv := callbackWorld(t)
	body, query := ticketPush(t, callbackToken)
	if got := answer(t, http.MethodPost, srv.URL+CallbackPathPrefix+phaseNS+"/tpp?"+query, body); !strings.HasPrefix(got, "200\n") ||
		!strings.HasSuffix(got, "success") {
		t.Fatalf("a signed push answered %q, want 200 success", got)
	}
	s := &corev1.Secret{}
	if err := w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: "tpp-ticket"}, s); err != nil {
		t.Fatal(err)
	}
	if string(s.Data[VerifyTicketKey]) != "ticket@@@1" {
		t.Errorf("stored ticket %q", s.Data[VerifyTicketKey])
	}
	// The same push to another name is refused as a bad signature: the decoy never takes a ticket.
	if got := answer(t, http.MethodPost, srv.URL+CallbackPathPrefix+phaseNS+"/absent?"+query, body); !strings.HasPrefix(got, "403\n") {
		t.Errorf("a signed push to an unknown PlatformConfig answered %q, want 403", got)
	}
}

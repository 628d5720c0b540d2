// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// The manager reads Secret data only by name, only for Secrets that opted in (or that it created), and never
// lists or watches Secret data: unrelated Secrets stay out of its memory and out of its reach.
func TestTheManagerNeverCachesSecretDataAndReadsOnlyOptedInSecrets(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"db-password", "tls-key", "unrelated"} {
		e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: map[string]string{"password": "hunter2"}})
	}
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	e.patch(oa, func() { oa.Spec.TokenPublication = &wx.TokenPublication{SecretName: "news-token"} })
	e.miniProgram("shop", companyA, sim.Verified)
	e.link("news-shop", "news", "shop")
	e.linkReason("news-shop", wx.ReasonAvailable)
	e.waitFor("the published token", func() (bool, string) {
		s := &corev1.Secret{}
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: e.ns, Name: "news-token"}, s)
		return err == nil && len(s.Data[controllers.PublishedTokenKey]) > 0, ""
	})

	readable := map[string]bool{"news-credentials": true, "shop-credentials": true, "news-token": true}
	secrets, metadataGets := 0, 0
	for _, r := range e.requests.all() {
		if !strings.Contains(r.Path, "/secrets") {
			continue
		}
		secrets++
		name := r.Path[strings.LastIndex(r.Path, "/secrets")+len("/secrets"):]
		switch {
		case name == "" && r.Method == http.MethodGet && !strings.Contains(r.Accept, "as=PartialObjectMetadata"):
			t.Errorf("the manager listed or watched Secret data: %s %s?%s (Accept %q)", r.Method, r.Path, r.Query, r.Accept)
		case name != "" && r.Method == http.MethodGet && !readable[strings.TrimPrefix(name, "/")]:
			t.Errorf("the manager read a Secret it has no business with: %s %s", r.Method, r.Path)
		case name != "" && r.Method == http.MethodGet && strings.Contains(r.Accept, "as=PartialObjectMetadata"):
			metadataGets++
		}
	}
	if secrets == 0 {
		t.Fatal("no request to Secrets was recorded: the recorder is not wired")
	}
	// Metadata comes from the metadata-only informer, not a request per reconcile.
	if metadataGets > 0 {
		t.Errorf("the manager read Secret metadata from the API server %d times; the cache holds it", metadataGets)
	}
}

// A credentials Secret that has not opted in is never read; Ready says how to opt in, and labelling it is
// enough for the account to proceed.
func TestCredentialsMustOptIn(t *testing.T) {
	e := newEnv(t)
	e.platformConfig()
	oa := e.officialAccount("news", companyA)
	secret := &corev1.Secret{}
	e.get("news-credentials", secret)
	delete(secret.Labels, controllers.CredentialsLabel)
	if err := k8s.Update(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	e.restart() // forget what was read while the label was there
	e.waitReason("news", oa, wx.ReasonCredentialsNotLabelled)
	if _, msg := readyOf(oa); !strings.Contains(msg, "kubectl label secret -n "+e.ns+" news-credentials wechat.wxlink.dev/credentials=true") {
		t.Errorf("Ready message %q does not give the kubectl label command", msg)
	}
	e.get("news-credentials", secret)
	secret.Labels = optedIn
	if err := k8s.Update(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	e.waitReason("news", oa, wx.ReasonAvailable)
}

// A PlatformConfig may point only at the endpoints the manager allows: credentials are sent there.
func TestAnEndpointTheManagerDoesNotAllowGetsNoCredentials(t *testing.T) {
	e := newEnv(t)
	e.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "wechat"}, Spec: wx.PlatformConfigSpec{Endpoint: "https://collector.example.com"}})
	oa := e.officialAccount("news", companyA)
	e.waitReason("news", oa, wx.ReasonEndpointNotAllowed)
	if _, msg := readyOf(oa); !strings.Contains(msg, `"https://collector.example.com" is not one the manager allows`) {
		t.Errorf("Ready message %q does not name the endpoint", msg)
	}
}

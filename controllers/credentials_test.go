// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// countingReader counts the Gets of full Secrets (values) that pass through it.
type countingReader struct {
	client.Reader
	secretGets int
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*corev1.Secret); ok {
		c.secretGets++
	}
	return c.Reader.Get(ctx, key, obj, opts...)
}

func TestSecretReaderReadsOnlyOptedInSecretsAndOnlyWhenTheyChange(t *testing.T) {
	w := newPhaseWorld(t)
	ctx := context.Background()
	w.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Data: map[string][]byte{"appSecret": []byte("x")}})
	w.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "opted", Labels: map[string]string{CredentialsLabel: CredentialsLabelValue}},
		Data: map[string][]byte{"appSecret": []byte("v1")}})
	api := &countingReader{Reader: w.c}
	r := &SecretReader{Meta: w.c, API: api}

	_, _, err := r.Value(ctx, phaseNS, wx.SecretKeySelector{Name: "plain", Key: "appSecret"})
	d, ok := asDependency(err)
	if !ok || d.reason != wx.ReasonCredentialsNotLabelled ||
		!strings.Contains(d.message, "kubectl label secret -n "+phaseNS+" plain wechat.wxlink.dev/credentials=true") {
		t.Fatalf("an unlabelled Secret: %v; want CredentialsNotLabelled with the kubectl label command", err)
	}
	if api.secretGets != 0 {
		t.Fatalf("the value of a Secret that did not opt in was read (%d Gets)", api.secretGets)
	}
	for range 3 {
		v, _, err := r.Value(ctx, phaseNS, wx.SecretKeySelector{Name: "opted", Key: "appSecret"})
		if err != nil || v.Reveal() != "v1" {
			t.Fatalf("opted-in Secret = %q, %v", v.Reveal(), err)
		}
	}
	if api.secretGets != 1 {
		t.Fatalf("three reads of an unchanged Secret made %d value Gets, want 1", api.secretGets)
	}
	s := &corev1.Secret{}
	_ = w.c.Get(ctx, client.ObjectKey{Namespace: phaseNS, Name: "opted"}, s)
	s.Data["appSecret"] = []byte("v2")
	if err := w.c.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	if v, _, err := r.Value(ctx, phaseNS, wx.SecretKeySelector{Name: "opted", Key: "appSecret"}); err != nil || v.Reveal() != "v2" {
		t.Fatalf("after a rotation = %q, %v; want v2", v.Reveal(), err)
	}
	if _, _, err := r.Value(ctx, phaseNS, wx.SecretKeySelector{Name: "opted", Key: "other"}); err == nil {
		t.Error("a missing key was not reported")
	}
}

func TestEndpointsMustBeAllowed(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		allowed  []string
		ok       bool
	}{
		{"https://api.weixin.qq.com", nil, true},
		{"https://api.weixin.qq.com:443/", nil, true},
		{"https://API.weixin.qq.com", nil, true},
		{"http://api.weixin.qq.com", nil, false},
		{"https://api.weixin.qq.com.evil.example", nil, false},
		{"https://evil.example/api.weixin.qq.com", nil, false},
		{"http://127.0.0.1:18080", nil, true},
		{"http://localhost:9", nil, true},
		{"http://[::1]:8080", nil, true},
		{"http://10.0.0.1:8080", nil, false},
		{"https://proxy.corp.example:8443", []string{"https://proxy.corp.example:8443"}, true},
		{"https://proxy.corp.example", []string{"https://proxy.corp.example:8443"}, false},
		{"https://api.weixin.qq.com", []string{"https://proxy.corp.example:8443"}, false},
		{"not a url", nil, false},
	} {
		err := endpointAllowed(tc.endpoint, tc.allowed)
		if (err == nil) != tc.ok {
			t.Errorf("endpointAllowed(%q, %v) = %v, want allowed %v", tc.endpoint, tc.allowed, err, tc.ok)
		}
		if d, ok := asDependency(err); err != nil && (!ok || d.reason != wx.ReasonEndpointNotAllowed) {
			t.Errorf("endpointAllowed(%q) refused with %v, want reason EndpointNotAllowed", tc.endpoint, err)
		}
	}
}

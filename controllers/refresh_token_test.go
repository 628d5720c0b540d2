// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// A rotated authorizer refresh token replaces the token the client used, in every opted-in credentials
// Secret of that AppID on that PlatformConfig, and nothing else: a Secret holding another token (a person
// re-authorised the account and stored the new one meanwhile) and a Secret that has not opted in stay as
// they are.
func TestARotatedRefreshTokenReplacesOnlyTheTokenItRotated(t *testing.T) {
	w := world(t)
	const appID = "wx00000000000000b1"
	for name, tc := range map[string]struct {
		labelled bool
		holds    string
	}{
		"used": {true, "refresh-one"}, "edited": {true, "refresh-from-a-person"}, "unlabelled": {false, "refresh-one"},
	} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{"refresh": []byte(tc.holds)}}
		if tc.labelled {
			s.Labels = map[string]string{CredentialsLabel: CredentialsLabelValue}
		}
		w.create(s)
		oa := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: "oa-" + name}, Spec: wx.OfficialAccountSpec{AppID: appID,
			AccountSpec: wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: subjectA,
				Credentials: &wx.AccountCredentials{SecretName: name, AuthorizerRefreshTokenKey: "refresh"}}}}
		w.create(oa)
	}
	p := &WeChatPlatforms{Client: w.c, Logger: logr.Discard()}
	p.persistRefreshToken(phaseNS, "wechat", appID, []platform.Secret{"refresh-one"}, "refresh-two")
	for name, want := range map[string]string{"used": "refresh-two", "edited": "refresh-from-a-person", "unlabelled": "refresh-one"} {
		s := &corev1.Secret{}
		if err := w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: name}, s); err != nil {
			t.Fatal(err)
		}
		if got := string(s.Data["refresh"]); got != want {
			t.Errorf("Secret %s holds %q, want %q", name, got, want)
		}
	}
}

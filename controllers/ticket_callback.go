// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
)

// VerifyTicketKey and VerifyTicketTimeKey are the keys of the Secret that keeps the latest
// component_verify_ticket (ThirdPartyPlatform route).
const (
	VerifyTicketKey     = "componentVerifyTicket"
	VerifyTicketTimeKey = "receivedAt"
	// verifyTicketValidity is how long WeChat accepts a ticket; one is pushed every 10 minutes.
	verifyTicketValidity = 12 * time.Hour
)

// TicketCallback serves WeChat's pushes of component_verify_ticket for every ThirdPartyPlatform
// PlatformConfig at /wechat/callback/<namespace>/<name>: it verifies and decrypts the message with the
// PlatformConfig's callback Token and EncodingAESKey and keeps the ticket in the PlatformConfig's
// verifyTicketSecretName, so that a restart does not wait 10 minutes for the next push.
type TicketCallback struct {
	Client client.Client
	Logger logr.Logger
	Now    func() time.Time
}

// CallbackPathPrefix is where TicketCallback serves.
const CallbackPathPrefix = "/wechat/callback/"

func (t *TicketCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, CallbackPathPrefix), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	pc := &wx.PlatformConfig{}
	if err := t.Client.Get(ctx, client.ObjectKey{Namespace: parts[0], Name: parts[1]}, pc); err != nil ||
		pc.Spec.CredentialsRoute != wx.CredentialsRouteThirdPartyPlatform || pc.Spec.ThirdPartyPlatform == nil {
		http.NotFound(w, r)
		return
	}
	tp := pc.Spec.ThirdPartyPlatform
	token, _, err := readSecretKey(ctx, t.Client, pc.Namespace, tp.CallbackTokenRef)
	if err != nil {
		http.Error(w, "callback token unavailable", http.StatusServiceUnavailable)
		return
	}
	aesKey, _, err := readSecretKey(ctx, t.Client, pc.Namespace, tp.EncodingAESKeyRef)
	if err != nil {
		http.Error(w, "EncodingAESKey unavailable", http.StatusServiceUnavailable)
		return
	}
	wechat.NewTicketHandler(wechat.TicketHandlerConfig{
		Token: token, EncodingAESKey: aesKey, ComponentAppID: string(tp.ComponentAppID), Clock: t.Now,
		Logger: t.Logger.WithValues("platformConfig", pc.Namespace+"/"+pc.Name),
		Sink: func(ctx context.Context, ticket platform.Secret, at time.Time) error {
			return t.store(ctx, pc, ticket, at)
		},
	}).ServeHTTP(w, r)
}

func (t *TicketCallback) store(ctx context.Context, pc *wx.PlatformConfig, ticket platform.Secret, at time.Time) error {
	// An older ticket (a retried or out-of-order push) never replaces a newer one.
	cur := &corev1.Secret{}
	if err := t.Client.Get(ctx, client.ObjectKey{Namespace: pc.Namespace, Name: pc.Spec.ThirdPartyPlatform.VerifyTicketSecretName}, cur); err == nil {
		if prev, perr := time.Parse(time.RFC3339, string(cur.Data[VerifyTicketTimeKey])); perr == nil && prev.After(at) {
			return nil
		}
	}
	err := writeManagedSecret(ctx, t.Client, pc, pc.Spec.ThirdPartyPlatform.VerifyTicketSecretName, map[string][]byte{
		VerifyTicketKey: []byte(ticket.Reveal()), VerifyTicketTimeKey: []byte(at.UTC().Format(time.RFC3339))})
	if apierrors.IsConflict(err) {
		return nil // a concurrent push won; the next push comes in 10 minutes anyway
	}
	return err
}

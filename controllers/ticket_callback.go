// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
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
//
// A path that names no ThirdPartyPlatform PlatformConfig (none of that name, another route, or credentials
// that cannot be read) is served by a decoy handler with a random Token, so that every request is answered
// exactly as a known PlatformConfig answers a message with a bad signature: a caller cannot probe which
// namespaces and PlatformConfigs exist.
type TicketCallback struct {
	Client client.Client
	Logger logr.Logger
	Now    func() time.Time

	decoyOnce sync.Once
	decoy     http.Handler
}

// CallbackPathPrefix is where TicketCallback serves.
const CallbackPathPrefix = "/wechat/callback/"

func (t *TicketCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, CallbackPathPrefix), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		http.NotFound(w, r)
		return
	}
	t.handlerFor(r.Context(), client.ObjectKey{Namespace: parts[0], Name: parts[1]}).ServeHTTP(w, r)
}

// handlerFor returns the ticket handler of the ThirdPartyPlatform PlatformConfig key names, or the decoy.
// Only failures that are not the caller's doing are logged, with the PlatformConfig and never a secret.
func (t *TicketCallback) handlerFor(ctx context.Context, key client.ObjectKey) http.Handler {
	pc := &wx.PlatformConfig{}
	if err := t.Client.Get(ctx, key, pc); err != nil {
		if !apierrors.IsNotFound(err) {
			t.Logger.Error(err, "ticket callback: reading the PlatformConfig failed", "platformConfig", key.String())
		}
		return t.decoyHandler()
	}
	if pc.Spec.CredentialsRoute != wx.CredentialsRouteThirdPartyPlatform || pc.Spec.ThirdPartyPlatform == nil {
		return t.decoyHandler()
	}
	tp := pc.Spec.ThirdPartyPlatform
	log := t.Logger.WithValues("platformConfig", key.String())
	token, _, err := readSecretKey(ctx, t.Client, pc.Namespace, tp.CallbackTokenRef)
	if err != nil {
		log.Error(err, "ticket callback: the callback Token is unavailable; push refused")
		return t.decoyHandler()
	}
	aesKey, _, err := readSecretKey(ctx, t.Client, pc.Namespace, tp.EncodingAESKeyRef)
	if err != nil {
		log.Error(err, "ticket callback: the EncodingAESKey is unavailable; push refused")
		return t.decoyHandler()
	}
	cfg := wechat.TicketHandlerConfig{
		Token: token, EncodingAESKey: aesKey, ComponentAppID: string(tp.ComponentAppID), Clock: t.Now, Logger: log,
		Sink: func(ctx context.Context, ticket platform.Secret, at time.Time) error {
			return t.store(ctx, pc, ticket, at)
		},
	}
	if err := cfg.Validate(); err != nil {
		log.Error(err, "ticket callback: the PlatformConfig's callback credentials are invalid; push refused")
		return t.decoyHandler()
	}
	return wechat.NewTicketHandler(cfg)
}

// decoyHandler is a ticket handler like any PlatformConfig's, with a random Token and EncodingAESKey that no
// caller knows, so that it refuses every message as a bad signature, after the same checks of method and body.
func (t *TicketCallback) decoyHandler() http.Handler {
	t.decoyOnce.Do(func() {
		key := make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24 and later)
		t.decoy = wechat.NewTicketHandler(wechat.TicketHandlerConfig{
			Token:          platform.Secret(rand.Text()),
			EncodingAESKey: platform.Secret(base64.StdEncoding.EncodeToString(key)[:43]),
			ComponentAppID: "decoy",
			Logger:         logr.Discard(),
			Sink: func(context.Context, platform.Secret, time.Time) error {
				return errors.New("the decoy keeps no ticket")
			},
		})
	})
	return t.decoy
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
		VerifyTicketKey: []byte(ticket.Reveal()), VerifyTicketTimeKey: []byte(at.UTC().Format(time.RFC3339))}, nil)
	if apierrors.IsConflict(err) {
		return nil // a concurrent push won; the next push comes in 10 minutes anyway
	}
	return err
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
)

// WeChatPlatforms is the PlatformProvider of the manager: one wechat.Client per PlatformConfig, rebuilt when
// the PlatformConfig (or, on the third-party route, its component secret) changes. Every reconciler shares
// it, so one token broker (中控) and one token bucket serve each PlatformConfig.
type WeChatPlatforms struct {
	// Client reads Secrets (component secret, verify ticket) and writes published tokens.
	Client client.Client
	// DefaultEndpoint applies to PlatformConfigs without spec.endpoint (the --platform-endpoint flag).
	DefaultEndpoint string
	// DefaultQPS and DefaultBurst apply to PlatformConfigs without spec.budget.
	DefaultQPS   float64
	DefaultBurst int
	Logger       logr.Logger
	Registerer   prometheus.Registerer
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu      sync.Mutex
	clients map[string]cachedClient

	renewalsOnce sync.Once
	renewals     chan event.GenericEvent
}

type cachedClient struct {
	version string
	client  platform.Platform
}

// For returns the client of a PlatformConfig.
func (w *WeChatPlatforms) For(ctx context.Context, pc *wx.PlatformConfig) (platform.Platform, error) {
	key := pc.Namespace + "/" + pc.Name
	version := fmt.Sprintf("%d", pc.Generation)
	var componentSecret platform.Secret
	if pc.Spec.CredentialsRoute == wx.CredentialsRouteThirdPartyPlatform && pc.Spec.ThirdPartyPlatform != nil {
		v, rv, err := readSecretKey(ctx, w.Client, pc.Namespace, pc.Spec.ThirdPartyPlatform.ComponentSecretRef)
		if err != nil {
			return nil, err
		}
		componentSecret, version = v, version+"/"+rv
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := w.clients[key]; ok && c.version == version {
		return c.client, nil
	}
	cfg := wechat.Config{
		BaseURL:    firstNonEmpty(pc.Spec.Endpoint, w.DefaultEndpoint),
		QPS:        w.DefaultQPS,
		Burst:      w.DefaultBurst,
		Clock:      w.Now,
		Logger:     w.Logger.WithValues("platformConfig", key),
		Registerer: w.Registerer,
		// Publish only to OfficialAccounts that use this PlatformConfig: an AppID is public, and a token fetched
		// with one namespace's credentials must never reach another namespace.
		OnToken: func(appID string, _ platform.Secret, _, _ time.Time) {
			w.tokenRenewed(pc.Namespace, pc.Name, appID)
		},
		Route: wechat.Route{Kind: wechat.RouteOwnSecret},
		// The platform may rotate an authorizer's refresh token: keep the new one where the account's
		// credentials live, or a restart would go back to a token the platform no longer accepts.
		OnAuthorizerRefreshToken: func(appID string, token platform.Secret) {
			w.persistRefreshToken(pc.Namespace, pc.Name, appID, token)
		},
	}
	if b := pc.Spec.Budget; b != nil {
		cfg.QPS, cfg.Burst = float64(b.QPS), int(b.Burst)
	}
	if pc.Spec.RequestTimeout != nil {
		cfg.Timeout = pc.Spec.RequestTimeout.Duration
	}
	if tp := pc.Spec.ThirdPartyPlatform; pc.Spec.CredentialsRoute == wx.CredentialsRouteThirdPartyPlatform && tp != nil {
		ns, ticketName := pc.Namespace, tp.VerifyTicketSecretName
		cfg.Route = wechat.Route{
			Kind: wechat.RouteThirdPartyPlatform, ComponentAppID: string(tp.ComponentAppID), ComponentSecret: componentSecret,
			Tickets: wechat.TicketSourceFunc(func(ctx context.Context) (platform.Secret, error) {
				v, _, err := readSecretKey(ctx, w.Client, ns, wx.SecretKeySelector{Name: ticketName, Key: VerifyTicketKey})
				return v, err
			}),
		}
	}
	c, err := wechat.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("PlatformConfig %s: %w", key, err)
	}
	if w.clients == nil {
		w.clients = map[string]cachedClient{}
	}
	w.clients[key] = cachedClient{version: version, client: c}
	return c, nil
}

// readSecretKey reads one key of a Secret; a missing Secret or key is a dependencyError.
func readSecretKey(ctx context.Context, c client.Client, ns string, sel wx.SecretKeySelector) (platform.Secret, string, error) {
	s := &corev1.Secret{}
	if err := getRef(ctx, c, ns, sel.Name, "Secret", s); err != nil {
		return "", "", err
	}
	v, ok := s.Data[sel.Key]
	if !ok || len(v) == 0 {
		return "", "", &dependencyError{wx.ReasonDependencyNotFound, fmt.Sprintf("Secret %s/%s has no key %q", ns, sel.Name, sel.Key)}
	}
	return platform.Secret(v), s.ResourceVersion, nil
}

// Token publication keys.
const (
	PublishedTokenKey     = "accessToken"
	PublishedExpiresAtKey = "expiresAt"
	// PublishedRefreshAtKey holds when wxlink replaces the token, before expiresAt: the OfficialAccount
	// reconciler asks the token broker then, and publishes what it gets. Readers re-read the Secret after it.
	PublishedRefreshAtKey = "refreshAt"
)

// persistRefreshToken writes a rotated authorizer refresh token into the credentials Secret (the
// authorizerRefreshTokenKey only) of every account of that AppID that uses this PlatformConfig.
func (w *WeChatPlatforms) persistRefreshToken(ns, pcName, appID string, token platform.Secret) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var targets []*wx.AccountCredentials
	oas, mps, stores := &wx.OfficialAccountList{}, &wx.MiniProgramList{}, &wx.WeChatStoreList{}
	for _, l := range []client.ObjectList{oas, mps, stores} {
		if err := w.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
			w.Logger.Error(err, "listing accounts to persist a refresh token", "appID", appID)
			return
		}
	}
	match := func(id wx.AppID, spec *wx.AccountSpec) {
		if string(id) == appID && spec.PlatformConfigRef.Name == pcName && spec.Credentials != nil {
			targets = append(targets, spec.Credentials)
		}
	}
	for i := range oas.Items {
		match(oas.Items[i].Spec.AppID, &oas.Items[i].Spec.AccountSpec)
	}
	for i := range mps.Items {
		match(mps.Items[i].Spec.AppID, &mps.Items[i].Spec.AccountSpec)
	}
	for i := range stores.Items {
		match(stores.Items[i].Spec.AppID, &stores.Items[i].Spec.AccountSpec)
	}
	for _, cred := range targets {
		s := &corev1.Secret{}
		if err := w.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: cred.SecretName}, s); err != nil {
			w.Logger.Error(err, "reading the credentials Secret to persist a refresh token", "secret", ns+"/"+cred.SecretName)
			continue
		}
		orig := s.DeepCopy()
		if s.Data == nil {
			s.Data = map[string][]byte{}
		}
		s.Data[cred.AuthorizerRefreshTokenKey] = []byte(token.Reveal())
		if err := w.Client.Patch(ctx, s, client.MergeFrom(orig)); err != nil {
			w.Logger.Error(err, "persisting a rotated authorizer refresh token", "secret", ns+"/"+cred.SecretName)
		}
	}
}

// ManagedByLabel marks the Secrets wxlink creates (published tokens, verify tickets). wxlink never writes
// to a Secret without it, so a name that collides with the user's own Secret cannot overwrite it.
const ManagedByLabel = "app.kubernetes.io/managed-by"

// ManagedByValue is the value of ManagedByLabel on Secrets wxlink creates.
const ManagedByValue = "wxlink"

// Renewals reports the OfficialAccounts whose published access token the token broker renewed: their
// reconciler then writes the new token at once, even when the renewal happened in another reconcile.
func (w *WeChatPlatforms) Renewals() <-chan event.GenericEvent {
	w.renewalsOnce.Do(func() { w.renewals = make(chan event.GenericEvent, renewalsBuffer) })
	return w.renewals
}

// renewalsBuffer holds renewals while the OfficialAccount controller is busy or not started. A renewal that
// does not fit is dropped: the account's reconcile at the token's refresh instant publishes it anyway.
const renewalsBuffer = 1024

// tokenRenewed names, on Renewals, every OfficialAccount of that AppID that uses this PlatformConfig (same
// namespace) and publishes its token. Only those: an AppID is public, and a token fetched with one
// namespace's credentials must never reach another namespace.
func (w *WeChatPlatforms) tokenRenewed(ns, pcName, appID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list := &wx.OfficialAccountList{}
	if err := w.Client.List(ctx, list, client.InNamespace(ns)); err != nil {
		w.Logger.Error(err, "listing OfficialAccounts to publish a renewed token", "appID", appID)
		return
	}
	w.Renewals() // makes the channel
	for i := range list.Items {
		oa := &list.Items[i]
		if string(oa.Spec.AppID) != appID || oa.Spec.TokenPublication == nil || oa.Spec.PlatformConfigRef.Name != pcName {
			continue
		}
		select {
		case w.renewals <- event.GenericEvent{Object: &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: oa.Namespace, Name: oa.Name}}}:
		default:
			w.Logger.Info("renewal queue full; the token is published at its refresh instant", "officialAccount", oa.Namespace+"/"+oa.Name)
		}
	}
}

// errForeignSecret and errSecretTaken are writeManagedSecret's refusals: it never writes into a Secret that
// wxlink did not create, nor into one that another wxlink object writes.
var (
	errForeignSecret = errors.New("exists and was not created by wxlink: choose another name")
	errSecretTaken   = errors.New("choose another name")
)

// writeManagedSecret creates or updates a Secret that wxlink owns (labelled, owned by owner). It refuses a
// Secret that exists without wxlink's label, or that another object owns, instead of overwriting someone
// else's data; it writes only what changed.
func writeManagedSecret(ctx context.Context, c client.Client, owner client.Object, name string, data map[string][]byte) error {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: owner.GetNamespace(), Name: name}}
	err := c.Get(ctx, client.ObjectKeyFromObject(s), s)
	switch {
	case apierrors.IsNotFound(err):
		s.Labels = map[string]string{ManagedByLabel: ManagedByValue}
		s.Type = corev1.SecretTypeOpaque
		s.Data = data
		if err := controllerutil.SetOwnerReference(owner, s, c.Scheme()); err != nil {
			return err
		}
		return c.Create(ctx, s)
	case err != nil:
		return err
	case s.Labels[ManagedByLabel] != ManagedByValue:
		return fmt.Errorf("the Secret %s/%s %w", s.Namespace, s.Name, errForeignSecret)
	}
	gvk, err := apiutil.GVKForObject(owner, c.Scheme())
	if err != nil {
		return err
	}
	for _, ref := range s.OwnerReferences {
		if ref.UID != owner.GetUID() && (ref.Kind != gvk.Kind || ref.Name != owner.GetName()) {
			return fmt.Errorf("the Secret %s/%s is written by %s %s: %w", s.Namespace, s.Name, ref.Kind, ref.Name, errSecretTaken)
		}
	}
	orig := s.DeepCopy()
	// An owner deleted and created again under the same name takes its Secret back.
	if err := controllerutil.SetOwnerReference(owner, s, c.Scheme()); err != nil {
		return err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	changed := !equality.Semantic.DeepEqual(orig.OwnerReferences, s.OwnerReferences)
	for k, v := range data {
		if !bytes.Equal(s.Data[k], v) {
			s.Data[k], changed = v, true
		}
	}
	if !changed {
		return nil
	}
	return c.Patch(ctx, s, client.MergeFrom(orig))
}

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

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

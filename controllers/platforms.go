// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

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
		OnToken:    w.publishToken,
		Route:      wechat.Route{Kind: wechat.RouteOwnSecret},
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
)

// publishToken writes a fresh access token into the Secret that every OfficialAccount of that AppID with
// spec.tokenPublication names, so that the user's own workloads read it instead of refreshing (and so
// invalidating) it themselves.
func (w *WeChatPlatforms) publishToken(appID string, token platform.Secret, expiresAt time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list := &wx.OfficialAccountList{}
	if err := w.Client.List(ctx, list); err != nil {
		w.Logger.Error(err, "listing OfficialAccounts to publish a token", "appID", appID)
		return
	}
	for i := range list.Items {
		oa := &list.Items[i]
		if string(oa.Spec.AppID) != appID || oa.Spec.TokenPublication == nil {
			continue
		}
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: oa.Namespace, Name: oa.Spec.TokenPublication.SecretName}}
		_, err := controllerutil.CreateOrPatch(ctx, w.Client, s, func() error {
			s.Type = corev1.SecretTypeOpaque
			s.Data = map[string][]byte{
				PublishedTokenKey:     []byte(token.Reveal()),
				PublishedExpiresAtKey: []byte(expiresAt.UTC().Format(time.RFC3339)),
			}
			return controllerutil.SetOwnerReference(oa, s, w.Client.Scheme())
		})
		if err != nil {
			w.Logger.Error(err, "publishing the access token", "secret", oa.Namespace+"/"+s.Name)
		}
	}
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
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: pc.Namespace, Name: pc.Spec.ThirdPartyPlatform.VerifyTicketSecretName}}
	_, err := controllerutil.CreateOrPatch(ctx, t.Client, s, func() error {
		s.Type = corev1.SecretTypeOpaque
		s.Data = map[string][]byte{VerifyTicketKey: []byte(ticket.Reveal()), VerifyTicketTimeKey: []byte(at.UTC().Format(time.RFC3339))}
		return controllerutil.SetOwnerReference(pc, s, t.Client.Scheme())
	})
	if apierrors.IsConflict(err) {
		return nil // a concurrent push won; the next push comes in 10 minutes anyway
	}
	return err
}

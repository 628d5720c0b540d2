// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/wechat"
)

// PlatformProvider hands out the platform client of a PlatformConfig. Implementations share one client (and
// so one token broker and one rate limiter) per PlatformConfig across every reconciler.
type PlatformProvider interface {
	For(ctx context.Context, pc *wx.PlatformConfig) (platform.Platform, error)
	// Renewals names the OfficialAccounts whose published access token was renewed.
	Renewals() <-chan event.GenericEvent
	// Forget drops the client of a PlatformConfig that no longer exists, and returns it (nil when there was
	// none), so that what was read through it can be dropped too.
	Forget(namespace, name string) platform.Platform
	// Credential reads one key of a Secret that opted in to wxlink (CredentialsLabel).
	Credential(ctx context.Context, namespace string, sel wx.SecretKeySelector) (platform.Secret, error)
}

// WeChatPlatforms is the PlatformProvider of the manager: one wechat.Client per PlatformConfig, rebuilt when
// the PlatformConfig (or, on the third-party route, its component secret) changes. Every reconciler shares
// it, so one token broker (中控) and one token bucket serve each PlatformConfig.
type WeChatPlatforms struct {
	// Client reads Secret metadata (its cache) and writes published tokens and rotated refresh tokens.
	Client client.Client
	// APIReader reads Secret values from the API server (nil: Client).
	APIReader client.Reader
	// SecretMetadata reads Secret metadata: the manager's cache, whose metadata-only informer serves it
	// without a request (nil: Client, which reads it from the API server, as Secrets are not cached).
	SecretMetadata client.Reader
	// AllowedEndpoints are the endpoints a PlatformConfig may point at (nil: DefaultAllowedEndpoints). A
	// PlatformConfig whose endpoint matches none gets no client: credentials are sent to the endpoint.
	AllowedEndpoints []string
	// DefaultEndpoint applies to PlatformConfigs without spec.endpoint (the --platform-endpoint flag).
	DefaultEndpoint string
	// DefaultQPS and DefaultBurst apply to PlatformConfigs without spec.budget: the calls of all its accounts.
	DefaultQPS   float64
	DefaultBurst int
	// AccountQPS and AccountBurst limit the calls of each account (0: the client's defaults).
	AccountQPS   float64
	AccountBurst int
	// MaxClockSkew is how far the platform's Date header may be from the client's clock to be believed
	// (0: the client's default; see wechat.Config.MaxClockSkew).
	MaxClockSkew time.Duration
	Logger       logr.Logger
	Registerer   prometheus.Registerer
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu      sync.Mutex
	clients map[string]cachedClient

	secretsOnce sync.Once
	secrets     *SecretReader

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
	endpoint := cmp.Or(pc.Spec.Endpoint, w.DefaultEndpoint)
	if err := endpointAllowed(endpoint, w.AllowedEndpoints); err != nil {
		return nil, err
	}
	version := fmt.Sprintf("%d", pc.Generation)
	var componentSecret platform.Secret
	if pc.Spec.CredentialsRoute == wx.CredentialsRouteThirdPartyPlatform && pc.Spec.ThirdPartyPlatform != nil {
		v, rv, err := w.secretReader().Value(ctx, pc.Namespace, pc.Spec.ThirdPartyPlatform.ComponentSecretRef)
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
		BaseURL:      endpoint,
		QPS:          w.DefaultQPS,
		Burst:        w.DefaultBurst,
		AccountQPS:   w.AccountQPS,
		AccountBurst: w.AccountBurst,
		MaxClockSkew: w.MaxClockSkew,
		Clock:        w.Now,
		Logger:       w.Logger.WithValues("platformConfig", key),
		Registerer:   w.Registerer,
		// Publish only to OfficialAccounts that use this PlatformConfig: an AppID is public, and a token fetched
		// with one namespace's credentials must never reach another namespace.
		OnToken: func(appID string, _ platform.Secret, _, _ time.Time) {
			w.tokenRenewed(pc.Namespace, pc.Name, appID)
		},
		Route: wechat.Route{Kind: wechat.RouteOwnSecret},
		// The platform may rotate an authorizer's refresh token: keep the new one where the account's
		// credentials live, or a restart would go back to a token the platform no longer accepts.
		OnAuthorizerRefreshToken: func(appID string, replaced []platform.Secret, token platform.Secret) {
			w.persistRefreshToken(pc.Namespace, pc.Name, appID, replaced, token)
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
				return readManagedValue(ctx, w.apiReader(), ns, ticketName, VerifyTicketKey)
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

// Forget drops the client of a PlatformConfig that no longer exists.
func (w *WeChatPlatforms) Forget(namespace, name string) platform.Platform {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.clients[namespace+"/"+name]
	if !ok {
		return nil
	}
	delete(w.clients, namespace+"/"+name)
	return c.client
}

// cached is how many PlatformConfigs have a client (for tests of Forget).
func (w *WeChatPlatforms) cached() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.clients)
}

// Credential implements PlatformProvider.
func (w *WeChatPlatforms) Credential(ctx context.Context, ns string, sel wx.SecretKeySelector) (platform.Secret, error) {
	v, _, err := w.secretReader().Value(ctx, ns, sel)
	return v, err
}

func (w *WeChatPlatforms) apiReader() client.Reader {
	if w.APIReader != nil {
		return w.APIReader
	}
	return w.Client
}

func (w *WeChatPlatforms) secretReader() *SecretReader {
	w.secretsOnce.Do(func() {
		meta := w.SecretMetadata
		if meta == nil {
			meta = w.Client
		}
		w.secrets = &SecretReader{Meta: meta, API: w.apiReader()}
	})
	return w.secrets
}

// readSecretKey reads one key of a Secret that opted in to wxlink, through c (metadata and value); a
// missing Secret or key, or a Secret that has not opted in, is a dependencyError.
func readSecretKey(ctx context.Context, c client.Reader, ns string, sel wx.SecretKeySelector) (platform.Secret, string, error) {
	return (&SecretReader{Meta: c, API: c}).Value(ctx, ns, sel)
}

// persistRefreshToken writes a rotated authorizer refresh token into the credentials Secret (the
// authorizerRefreshTokenKey only) of every account of that AppID that uses this PlatformConfig, in place of
// a token it replaced only (the one the client was given, or one it used since): a Secret that holds another
// one (a person re-authorised the account and put the new token there meanwhile) is left as it is.
func (w *WeChatPlatforms) persistRefreshToken(ns, pcName, appID string, replaced []platform.Secret, token platform.Secret) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	targets, err := w.credentialsOf(ctx, ns, pcName, appID)
	if err != nil {
		w.Logger.Error(err, "listing accounts to persist a refresh token", "appID", appID)
		return
	}
	for _, cred := range targets {
		key := client.ObjectKey{Namespace: ns, Name: cred.SecretName}
		err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
			return w.replaceRefreshToken(ctx, key, cred.AuthorizerRefreshTokenKey, replaced, token)
		})
		if err != nil {
			w.Logger.Error(err, "persisting a rotated authorizer refresh token", "secret", key.String())
		}
	}
}

// credentialsOf are the credentials of every account of the AppID in the namespace that uses the
// PlatformConfig.
func (w *WeChatPlatforms) credentialsOf(ctx context.Context, ns, pcName, appID string) ([]*wx.AccountCredentials, error) {
	var targets []*wx.AccountCredentials
	match := func(id wx.AppID, spec *wx.AccountSpec) {
		if string(id) == appID && spec.PlatformConfigRef.Name == pcName && spec.Credentials != nil {
			targets = append(targets, spec.Credentials)
		}
	}
	oas, mps, stores := &wx.OfficialAccountList{}, &wx.MiniProgramList{}, &wx.WeChatStoreList{}
	for _, l := range []client.ObjectList{oas, mps, stores} {
		if err := w.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
			return nil, err
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
	return targets, nil
}

// replaceRefreshToken writes token under key of one opted-in Secret that holds one of the replaced tokens
// there, with an optimistic lock.
func (w *WeChatPlatforms) replaceRefreshToken(ctx context.Context, name client.ObjectKey, key string, replaced []platform.Secret,
	token platform.Secret) error {
	s := &corev1.Secret{}
	if err := w.apiReader().Get(ctx, name, s); err != nil {
		return err
	}
	switch cur := string(s.Data[key]); {
	case s.Labels[CredentialsLabel] != CredentialsLabelValue:
		w.Logger.Info("not persisting a rotated refresh token into a Secret that has not opted in", "secret", name.String())
		return nil
	case cur == token.Reveal():
		return nil
	case !slices.ContainsFunc(replaced, func(r platform.Secret) bool { return r.Reveal() == cur }):
		w.Logger.Info("not persisting a rotated refresh token: the Secret holds another one than the client used (edited meanwhile)",
			"secret", name.String())
		return nil
	}
	orig := s.DeepCopy()
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	s.Data[key] = []byte(token.Reveal())
	return w.Client.Patch(ctx, s, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
}

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

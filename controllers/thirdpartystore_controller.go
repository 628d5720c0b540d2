// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/stores"
)

// ThirdPartyStoreReconciler keeps a third-party store's (Youzan, Weimob, Weidian) API token fresh and
// published, checks the store's API every poll, and checks the WeChat-side prerequisites of the accounts the
// store serves. A renewal or health check that keeps failing makes the store not Ready, with an Event and a
// metric; the next success clears them.
type ThirdPartyStoreReconciler struct {
	client.Client
	Platforms PlatformProvider
	Recorder  events.EventRecorder
	Metrics   *Metrics
	Options

	shops shopClients
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=thirdpartystores,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=thirdpartystores/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=thirdpartystores/finalizers,verbs=update
// +kubebuilder:rbac:groups=core,resources=secrets,verbs=get;list;watch;create;update;patch;delete

// Reconcile brings one ThirdPartyStore towards its declared state.
func (r *ThirdPartyStoreReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.ThirdPartyStore]{
		client: r.Client, reader: r.Client, newObj: func() *wx.ThirdPartyStore { return &wx.ThirdPartyStore{} },
		opts: r.Options, finalizer: true, finalize: r.unpublish,
		gone: func(_ context.Context, req ctrl.Request) (ctrl.Result, error) {
			r.shops.forget(req.NamespacedName)
			r.Metrics.forgetStore(req.Namespace, req.Name)
			return ctrl.Result{}, nil
		},
		reconcile: func(ctx context.Context, tps *wx.ThirdPartyStore) (ctrl.Result, error) {
			s := &shopScope{tps: tps, key: types.NamespacedName{Namespace: tps.Namespace, Name: tps.Name}}
			return runScope(ctx, s, r.startShop, r.resolveShop, r.ensureToken, r.publishShopToken, r.checkShopHealth,
				r.checkBindings, r.reportShop)
		},
	}.run(ctx, req)
}

// unpublish deletes, when the store is deleted, the Secret its token was published into, if wxlink wrote it
// for this store: the token must not outlive the store, with or without a garbage collector.
func (r *ThirdPartyStoreReconciler) unpublish(ctx context.Context, tps *wx.ThirdPartyStore) (bool, ctrl.Result, error) {
	r.shops.forget(types.NamespacedName{Namespace: tps.Namespace, Name: tps.Name})
	r.Metrics.forgetStore(tps.Namespace, tps.Name) // the gauges go with the store
	tp := tps.Spec.TokenPublication
	if tp == nil {
		return true, ctrl.Result{}, nil
	}
	s := &corev1.Secret{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: tps.Namespace, Name: tp.SecretName}, s); err != nil {
		return apierrors.IsNotFound(err), ctrl.Result{}, client.IgnoreNotFound(err)
	}
	owned := slices.ContainsFunc(s.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == tps.UID })
	if s.Labels[ManagedByLabel] != ManagedByValue || !owned {
		return true, ctrl.Result{}, nil // not ours to delete
	}
	if err := r.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
		return false, ctrl.Result{}, err
	}
	return true, ctrl.Result{}, nil
}

// shopScope is everything one reconcile of a ThirdPartyStore works on.
type shopScope struct {
	tps *wx.ThirdPartyStore
	key types.NamespacedName

	// resolve: the client of the store's configuration and the app's credentials.
	client  *stores.Client
	creds   stores.Credentials
	version string

	// token: the token in use (zero when there is none), and whether this reconcile renewed it; checked: this
	// reconcile called the store's API.
	token   stores.Token
	renewed bool
	checked bool
	// wasFailing: Ready reported a failure of the store's API when the reconcile began.
	wasFailing bool
	// failure is this reconcile's first failed renewal or health check, failReason its reason; terminal says
	// the platform refused for good.
	failure    error
	failReason string
	terminal   bool
	// unmet is the first unmet WeChat-side prerequisite (reason, message), if any.
	unmet [2]string
	// publishRefused is the refusal of the publication, if any.
	publishRefused error

	result ctrl.Result
}

func (s *shopScope) resultOf() ctrl.Result { return s.result }

// resolveShop reads the app's credentials from their opted-in Secret and builds (or reuses) the client of
// the store's configuration. An endpoint that the manager does not allow is refused before any secret is
// sent to it.
func (r *ThirdPartyStoreReconciler) resolveShop(ctx context.Context, s *shopScope) (bool, error) {
	done, err := r.resolveShopClient(ctx, s)
	if done {
		r.streakInterrupted(s) // the reconcile stops before the report: no stale streak, gauge or Ready
	}
	return done, err
}

// startShop notes whether Ready reported a failure of the store's API when the reconcile began.
func (r *ThirdPartyStoreReconciler) startShop(_ context.Context, s *shopScope) (bool, error) {
	s.wasFailing = storeFailureReported(s.tps)
	return false, nil
}

// storeFailureReported reports whether Ready is False for a failure of the store's API: a streak at the
// threshold, or a terminal refusal (Ready's reason is that of the failed renewal or health check).
func storeFailureReported(tps *wx.ThirdPartyStore) bool {
	c := meta.FindStatusCondition(tps.Status.Conditions, wx.ConditionReady)
	if c == nil || c.Status != metav1.ConditionFalse {
		return false
	}
	if c.Reason == wx.ReasonStoreAPIFailing {
		return true
	}
	for _, t := range []string{wx.ConditionCredentialsValid, wx.ConditionReachable} {
		if f := meta.FindStatusCondition(tps.Status.Conditions, t); f != nil && f.Status == metav1.ConditionFalse && f.Reason == c.Reason {
			return true
		}
	}
	return false
}

// streakInterrupted forgets the failing streak when the store's API is not called (a missing Secret, an
// endpoint not allowed): that is not the platform failing, and Ready says what is wrong instead. A store
// that was reported failing is reported recovered from the platform's side.
func (r *ThirdPartyStoreReconciler) streakInterrupted(s *shopScope) {
	st := &s.tps.Status
	st.ConsecutiveFailures, st.LastError, st.LastCountedFailureTime = 0, "", nil
	r.Metrics.forgetStoreFailures(s.tps.Namespace, s.tps.Name)
	if s.wasFailing {
		r.Recorder.Eventf(s.tps, nil, corev1.EventTypeNormal, wx.EventStoreRecovered, "Check",
			"the %s API is no longer reported failing: the store cannot be checked now (Ready says why)", s.tps.Spec.Provider)
	}
}

// resolveShopClient reads the credentials and builds the client (resolveShop).
func (r *ThirdPartyStoreReconciler) resolveShopClient(ctx context.Context, s *shopScope) (bool, error) {
	spec := s.tps.Spec
	cfg := stores.Config{Provider: stores.Provider(spec.Provider), BaseURL: r.DefaultStoreEndpoint, Clock: r.now}
	if a := spec.API; a != nil {
		cfg.BaseURL, cfg.TokenPath, cfg.HealthPath = cmp.Or(a.Endpoint, cfg.BaseURL), a.TokenPath, a.HealthPath
		cfg.ExpiryUnit = stores.ExpiryUnit(a.ExpiryUnit)
	}
	cfg.RefreshOnRenewal = spec.API == nil || spec.API.RefreshOnRenewal == nil || *spec.API.RefreshOnRenewal
	endpoint := cmp.Or(cfg.BaseURL, stores.Defaults[cfg.Provider].BaseURL)
	allowed := r.AllowedStoreEndpoints
	if allowed == nil {
		allowed = DefaultStoreAllowedEndpoints
	}
	if err := endpointAllowed(endpoint, allowed); err != nil {
		return true, &dependencyError{wx.ReasonEndpointNotAllowed, fmt.Sprintf("spec.api.endpoint %q is not among the "+
			"manager's --allowed-store-endpoints (%s): the store app's secret is sent there; point it at an allowed one, "+
			"or ask the operator's administrator to allow it", endpoint, strings.Join(allowed, ", "))}
	}
	ns, c := s.tps.Namespace, spec.Credentials
	id, err := r.Platforms.Credential(ctx, ns, wx.SecretKeySelector{Name: c.SecretName, Key: cmp.Or(c.ClientIDKey, "clientID")})
	if err != nil {
		return true, err
	}
	secret, err := r.Platforms.Credential(ctx, ns, wx.SecretKeySelector{Name: c.SecretName, Key: cmp.Or(c.ClientSecretKey, "clientSecret")})
	if err != nil {
		return true, err
	}
	s.creds = stores.Credentials{ClientID: strings.TrimSpace(id.Reveal()), ClientSecret: secret, ShopID: spec.ShopID, ShopType: spec.ShopType}
	s.version = configVersion(cfg, s.creds)
	s.client, s.token, err = r.shops.client(s.key, s.version, cfg)
	return err != nil, err
}

// configVersion identifies a store configuration and its credentials (the secret only by its hash): a change
// of either drops the cached token.
func configVersion(cfg stores.Config, c stores.Credentials) string {
	h := sha256.Sum256([]byte(c.ClientSecret.Reveal()))
	return strings.Join([]string{string(cfg.Provider), cfg.BaseURL, cfg.TokenPath, cfg.HealthPath, string(cfg.ExpiryUnit),
		strconv.FormatBool(cfg.RefreshOnRenewal), c.ClientID, c.ShopID, c.ShopType, hex.EncodeToString(h[:8])}, "|")
}

// shopClients keeps each ThirdPartyStore's client and current token, in memory only: after a restart the
// first reconcile obtains a new token.
type shopClients struct {
	mu sync.Mutex
	m  map[types.NamespacedName]*shopClient
}

type shopClient struct {
	version string
	client  *stores.Client
	token   stores.Token
}

// client returns the store's client and its current token, a new client (and no token) when the version
// changed.
func (c *shopClients) client(key types.NamespacedName, version string, cfg stores.Config) (*stores.Client, stores.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc, ok := c.m[key]; ok && sc.version == version {
		return sc.client, sc.token, nil
	}
	cl, err := stores.New(cfg)
	if err != nil {
		return nil, stores.Token{}, err
	}
	if c.m == nil {
		c.m = map[types.NamespacedName]*shopClient{}
	}
	c.m[key] = &shopClient{version: version, client: cl}
	return cl, stores.Token{}, nil
}

// keep records the store's current token (zero: none).
func (c *shopClients) keep(key types.NamespacedName, version string, tok stores.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc, ok := c.m[key]; ok && sc.version == version {
		sc.token = tok
	}
}

func (c *shopClients) forget(key types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// SetupWithManager registers the reconciler and its watches: a bound account that changes (its Ready
// condition, verification, release) re-checks the stores that serve it.
func (r *ThirdPartyStoreReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.ThirdPartyStore{}, builder.WithPredicates(declaredChanged())).
		Named("thirdpartystore").
		WithOptions(r.controllerOptions()).
		Watches(&wx.MiniProgram{}, handler.EnqueueRequestsFromMapFunc(r.storesBinding(wx.StoreBindingMiniProgram))).
		Watches(&wx.OfficialAccount{}, handler.EnqueueRequestsFromMapFunc(r.storesBinding(wx.StoreBindingOfficialAccount))).
		Watches(&wx.ChannelsAccount{}, handler.EnqueueRequestsFromMapFunc(r.storesBinding(wx.StoreBindingChannelsAccount))).
		Complete(r)
}

// storesBinding maps an account to the ThirdPartyStores of its namespace that bind it (from the cache's index).
func (r *ThirdPartyStoreReconciler) storesBinding(kind wx.StoreBindingKind) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		list := &wx.ThirdPartyStoreList{}
		if err := r.List(ctx, list, client.InNamespace(o.GetNamespace()),
			client.MatchingFields{indexStoreBinding: string(kind) + "/" + o.GetName()}); err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for i := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
		return reqs
	}
}

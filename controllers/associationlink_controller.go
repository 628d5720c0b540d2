// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"

	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// AssociationLinkReconciler admits links against their owners' quotas, makes them on the platform, and
// reports who must act while they wait.
type AssociationLinkReconciler struct {
	client.Client
	// APIReader reads the link itself and the owners' monthly counters uncached.
	APIReader client.Reader
	Platforms PlatformProvider
	Observer  *Observer
	Recorder  events.EventRecorder
	Metrics   *Metrics
	Options

	owners   ownerLocks
	months   monthExpectations
	inFlight requestsInFlight
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=associationlinks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=associationlinks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=associationlinks/finalizers,verbs=update
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=officialaccounts/status;miniprograms/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one AssociationLink towards its declared state. It reads the link from the API server,
// not the cache: this reconcile may call the platform, and a cached copy that does not yet hold the previous
// reconcile's status would ask for the same association twice.
func (r *AssociationLinkReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.AssociationLink]{
		client: r.Client, reader: r.APIReader, newObj: func() *wx.AssociationLink { return &wx.AssociationLink{} },
		finalizer: true, finalizerWithSideEffect: true, opts: r.Options, beforePatch: r.Metrics.observeLink,
		gone: func(_ context.Context, req ctrl.Request) (ctrl.Result, error) {
			r.Metrics.forgetLink(req.String())
			r.inFlight.forget(req.String())
			return ctrl.Result{}, nil
		},
		finalize: r.delete,
		reconcile: func(ctx context.Context, link *wx.AssociationLink) (ctrl.Result, error) {
			switch {
			case link.Spec.Type == wx.OfficialAccountToMiniProgram:
				return r.reconcileOfficialAccountLink(ctx, link)
			case isStorePartner(link.Spec.Type):
				return r.reconcileStoreLink(ctx, link)
			}
			// Console-only links change nothing on the platform: a deletion has nothing to undo.
			return r.reconcileConsoleLink(ctx, link)
		},
	}.run(ctx, req)
}

// reconcileOfficialAccountLink runs the phases of an Official Account -> Mini Program link, in order.
func (r *AssociationLinkReconciler) reconcileOfficialAccountLink(ctx context.Context, link *wx.AssociationLink) (ctrl.Result, error) {
	s := &linkScope{link: link}
	defer s.unlock()
	return runPhases(ctx, s, r.linkPhases()...)
}

// linkPhases are the phases of an Official Account -> Mini Program link, in order.
func (r *AssociationLinkReconciler) linkPhases() []linkPhase {
	return []linkPhase{r.resolve, r.refuseSelfLink, r.observe, r.settleIntent, r.lockOwners, r.refuseDuplicate,
		r.admit, r.request, r.report}
}

// SetupWithManager registers the reconciler and its watches.
func (r *AssociationLinkReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.AssociationLink{}, builder.WithPredicates(declaredChanged())).
		Named("associationlink").
		WithOptions(r.controllerOptions()).
		// An account that becomes Ready (or changes subject) lets its links proceed.
		Watches(&wx.OfficialAccount{}, handler.EnqueueRequestsFromMapFunc(r.linksOf(wx.KindOfficialAccount, indexLinkFrom)),
			builder.WithPredicates(readinessChanged())).
		// What the account's poll found changed on the platform reaches the links concerned.
		Watches(&wx.OfficialAccount{}, r.entriesMoved()).
		Watches(&wx.MiniProgram{}, handler.EnqueueRequestsFromMapFunc(r.linksOf(wx.KindMiniProgram, indexLinkTo)),
			builder.WithPredicates(readinessChanged())).
		Watches(&wx.WeComCorp{}, handler.EnqueueRequestsFromMapFunc(r.linksOf(wx.KindWeComCorp, indexLinkFrom))).
		Watches(&wx.ChannelsAccount{}, handler.EnqueueRequestsFromMapFunc(r.linksOf(wx.KindChannelsAccount, indexLinkFrom))).
		Watches(&wx.WeChatStore{}, handler.EnqueueRequestsFromMapFunc(r.linksOf(wx.KindWeChatStore, indexLinkFrom))).
		// A link that goes away or leaves the platform frees a slot: its owners' queues move.
		Watches(&wx.AssociationLink{}, handler.EnqueueRequestsFromMapFunc(r.queueOf),
			builder.WithPredicates(slotFreed())).
		Complete(r)
}

// linksOf maps an account to the links that reference it through index.
func (r *AssociationLinkReconciler) linksOf(kind wx.AccountKind, index string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		links, err := linksByIndex(ctx, r.Client, o.GetNamespace(), index, string(kind)+"/"+o.GetName())
		if err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(links))
		for _, l := range links {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&l)})
		}
		return reqs
	}
}

// queueOf maps a link to the queued links of its two owners: only they can take a slot it frees (an admitted
// one has its slot). Links with no decision in the cache are woken too: one may have just decided to queue,
// its status not yet in the cache.
func (r *AssociationLinkReconciler) queueOf(ctx context.Context, o client.Object) []reconcile.Request {
	link := o.(*wx.AssociationLink)
	seen := map[client.ObjectKey]bool{client.ObjectKeyFromObject(link): true}
	var reqs []reconcile.Request
	for _, q := range []struct{ index, key string }{
		{indexLinkFrom, refKey(link.Spec.From)}, {indexLinkTo, refKey(link.Spec.To)},
	} {
		links, err := linksByIndex(ctx, r.Client, link.Namespace, q.index, q.key)
		if err != nil {
			continue
		}
		for _, l := range links {
			k := client.ObjectKeyFromObject(&l)
			if (queuedBy(&l) != "" || undecided(&l)) && !seen[k] {
				seen[k] = true
				reqs = append(reqs, reconcile.Request{NamespacedName: k})
			}
		}
	}
	return reqs
}

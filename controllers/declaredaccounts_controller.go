// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// ChannelsAccountReconciler reports a Channels account. The WeChat API that wxlink speaks cannot observe
// Channels accounts, so the declared subject is used for derived eligibility, and status says so.
type ChannelsAccountReconciler struct {
	client.Client
	Options
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=channelsaccounts;wecomcorps;wechatstores,verbs=get;list;watch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=channelsaccounts/status;wecomcorps/status;wechatstores/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=wechatstores,verbs=update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=wechatstores/finalizers,verbs=update

// Reconcile reports one Channels account.
func (r *ChannelsAccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.ChannelsAccount]{
		client: r.Client, reader: r.Client, newObj: func() *wx.ChannelsAccount { return &wx.ChannelsAccount{} },
		opts: r.Options,
		reconcile: func(ctx context.Context, o *wx.ChannelsAccount) (ctrl.Result, error) {
			return declared(ctx, r.Client, o, o.Spec.PlatformConfigRef, fmt.Sprintf(
				"declared: wxlink cannot observe Channels accounts through the WeChat API; the declared subject %q is used to "+
					"decide which associations are eligible", o.Spec.Subject.Name), r.Options)
		},
	}.run(ctx, req)
}

// SetupWithManager registers the reconciler.
func (r *ChannelsAccountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&wx.ChannelsAccount{}, builder.WithPredicates(declaredChanged())).Named("channelsaccount").WithOptions(r.controllerOptions()).Complete(r)
}

// WeComCorpReconciler reports a WeCom corp. WeCom is served from its own host (qyapi.weixin.qq.com), which
// wxlink does not call yet, so the declared subject is used, and status says so.
type WeComCorpReconciler struct {
	client.Client
	Options
}

// Reconcile reports one WeCom corp.
func (r *WeComCorpReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.WeComCorp]{
		client: r.Client, reader: r.Client, newObj: func() *wx.WeComCorp { return &wx.WeComCorp{} },
		opts: r.Options,
		reconcile: func(ctx context.Context, o *wx.WeComCorp) (ctrl.Result, error) {
			return declared(ctx, r.Client, o, o.Spec.PlatformConfigRef, fmt.Sprintf(
				"declared: wxlink does not call WeCom's own API (qyapi.weixin.qq.com) yet; the declared subject %q is used",
				o.Spec.Subject.Name), r.Options)
		},
	}.run(ctx, req)
}

// SetupWithManager registers the reconciler.
func (r *WeComCorpReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&wx.WeComCorp{}, builder.WithPredicates(declaredChanged())).Named("wecomcorp").WithOptions(r.controllerOptions()).Complete(r)
}

// declared reports an account kind that cannot be observed: its PlatformConfig must exist, and Ready says
// plainly that the facts are declared, not observed.
func declared(ctx context.Context, c client.Client, obj conditioned, ref wx.LocalObjectReference, msg string,
	o Options) (ctrl.Result, error) {
	if err := getRef(ctx, c, obj.GetNamespace(), ref.Name, "PlatformConfig", &wx.PlatformConfig{}); err != nil {
		return ctrl.Result{}, err
	}
	ready(obj, metav1.ConditionTrue, wx.ReasonDeclared, msg)
	return ctrl.Result{RequeueAfter: o.poll()}, nil
}

// WeChatStoreReconciler observes a WeChat Store through its AppID: subject and verification. Like an
// OfficialAccount, it keeps its credentials Secret and PlatformConfig (in-use finalizer), and itself
// (finalizer), while AssociationLinks name it: a partner link being deleted cancels or unbinds with them.
type WeChatStoreReconciler struct {
	client.Client
	// APIReader and Cache serve the in-use sweep (nil: Client).
	APIReader client.Reader
	Cache     client.Reader
	Platforms PlatformProvider
	Observer  *Observer
	Recorder  events.EventRecorder
	Options
}

// Reconcile observes one WeChat Store.
func (r *WeChatStoreReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.WeChatStore]{
		client: r.Client, reader: r.Client, newObj: func() *wx.WeChatStore { return &wx.WeChatStore{} },
		finalizer: true, opts: r.Options, reconcile: r.observe, finalize: r.finalize,
		gone: func(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
			sweep := &wx.WeChatStore{ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, Name: sweepName}}
			return r.requeueOnConflict(sweep, sweepInUse(ctx, r.Client, orReader(r.APIReader, r.Client),
				orReader(r.Cache, r.Client), req.Namespace))
		},
	}.run(ctx, req)
}

// orReader is r, or c when r is nil.
func orReader(r client.Reader, c client.Client) client.Reader {
	if r == nil {
		return c
	}
	return r
}

// finalize waits until no AssociationLink names the store, so that its partner links can still cancel or
// unbind with its credentials, then lets it go; its Secret and PlatformConfig are released by the sweep its
// deletion brings.
func (r *WeChatStoreReconciler) finalize(ctx context.Context, st *wx.WeChatStore) (bool, ctrl.Result, error) {
	links, err := linksByIndex(ctx, r.Client, st.Namespace, indexLinkFrom, string(wx.KindWeChatStore)+"/"+st.Name)
	if err != nil {
		return false, ctrl.Result{}, err
	}
	if n := len(links); n > 0 {
		ready(st, metav1.ConditionFalse, wx.ReasonDeleting, fmt.Sprintf("waiting for %d AssociationLink(s) that name this "+
			"store (for example %s) to be deleted, so that they can cancel or unbind with its credentials", n, links[0].Name))
		return false, ctrl.Result{RequeueAfter: r.pending()}, nil
	}
	return true, ctrl.Result{}, nil
}

func (r *WeChatStoreReconciler) observe(ctx context.Context, st *wx.WeChatStore) (ctrl.Result, error) {
	if err := protectInUse(ctx, r.Client, orReader(r.Cache, r.Client), inUseOf(st.Namespace, &st.Spec.AccountSpec)); err != nil {
		return ctrl.Result{}, err
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, st.Namespace, st.Spec.AppID, &st.Spec.AccountSpec)
	if err != nil {
		return ctrl.Result{}, err
	}
	info, at, err := r.Observer.Describe(ctx, p, acct, r.describeMaxAge(st))
	if err != nil {
		if reason, terminal := platformErrorReason(err); terminal {
			ready(st, metav1.ConditionFalse, reason, fmt.Sprintf("the platform refused to describe the store: %v", err))
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		return ctrl.Result{}, err
	}
	info, typeDeclared := completeSubject(info, st.Spec.Subject)
	st.Status.ObservedAccount = observedAccount(info, at)
	if reason, msg, ok := accountHealth(st, st.Spec.Subject, st.Status.Subject, info, typeDeclared, r.Recorder); !ok {
		ready(st, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	ready(st, metav1.ConditionTrue, wx.ReasonAvailable, fmt.Sprintf("observed %q (%s)", info.Nickname, info.Subject.Name))
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

// storeOfLink maps a deleted link to its WeChat Store.
func storeOfLink(_ context.Context, o client.Object) []reconcile.Request {
	l, ok := o.(*wx.AssociationLink)
	if !ok || l.Spec.From.Kind != wx.KindWeChatStore {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: l.Namespace, Name: l.Spec.From.Name}}}
}

// SetupWithManager registers the reconciler.
func (r *WeChatStoreReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&wx.WeChatStore{}, builder.WithPredicates(declaredChanged())).
		Named("wechatstore").WithOptions(r.controllerOptions()).
		// A store's deletion waits for its links: their deletion lets it go.
		Watches(&wx.AssociationLink{}, handler.EnqueueRequestsFromMapFunc(storeOfLink),
			builder.WithPredicates(predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false },
				UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		Complete(r)
}

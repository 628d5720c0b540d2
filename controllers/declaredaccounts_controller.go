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

// WeChatStoreReconciler observes a WeChat Store through its AppID: subject and verification.
type WeChatStoreReconciler struct {
	client.Client
	Platforms PlatformProvider
	Observer  *Observer
	Recorder  events.EventRecorder
	Options
}

// Reconcile observes one WeChat Store.
func (r *WeChatStoreReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.WeChatStore]{
		client: r.Client, reader: r.Client, newObj: func() *wx.WeChatStore { return &wx.WeChatStore{} },
		opts: r.Options, reconcile: r.observe,
	}.run(ctx, req)
}

func (r *WeChatStoreReconciler) observe(ctx context.Context, st *wx.WeChatStore) (ctrl.Result, error) {
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

// SetupWithManager registers the reconciler.
func (r *WeChatStoreReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&wx.WeChatStore{}, builder.WithPredicates(declaredChanged())).Named("wechatstore").WithOptions(r.controllerOptions()).Complete(r)
}

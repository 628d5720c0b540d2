// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// MerchantBindingReconciler checks a WeChat Pay merchant binding's prerequisites, says who must act and
// where (the binding is made by people on the merchant platform and in the account's console), and observes
// the result: WeChat Pay open on the account.
type MerchantBindingReconciler struct {
	client.Client
	Platforms PlatformProvider
	Observer  *Observer
	Recorder  events.EventRecorder
	Options
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=merchantbindings,verbs=get;list;watch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=merchantbindings/status,verbs=get;update;patch

// Reconcile observes one MerchantBinding. It never writes to the platform: WeChat Pay has no binding API
// for direct merchants, and no unbinding at all (so deletionPolicy is always Orphan, and there is nothing to
// finalize).
func (r *MerchantBindingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.MerchantBinding]{
		client: r.Client, reader: r.Client, newObj: func() *wx.MerchantBinding { return &wx.MerchantBinding{} },
		opts: r.Options, reconcile: r.observe,
	}.run(ctx, req)
}

// bindingTarget is the account a MerchantBinding names, resolved.
type bindingTarget struct {
	kind   rules.AccountKind
	spec   *wx.AccountSpec
	appID  wx.AppID
	status *wx.ObservedAccount
	obj    conditioned
}

func (r *MerchantBindingReconciler) observe(ctx context.Context, mb *wx.MerchantBinding) (ctrl.Result, error) {
	t, err := r.target(ctx, mb)
	if err != nil {
		return ctrl.Result{}, err
	}
	mb.Status.AppID = string(t.appID)
	if met, err := r.prerequisites(ctx, mb, t); err != nil || !met {
		return ctrl.Result{RequeueAfter: r.poll()}, err
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, mb.Namespace, t.appID, t.spec)
	if err != nil {
		return ctrl.Result{}, err
	}
	info, _, err := r.Observer.Describe(ctx, p, acct, r.describeMaxAge(mb))
	if err != nil {
		return ctrl.Result{}, err
	}
	enabled := info.PaymentEnabled
	if enabled == nil && mb.Spec.Target.Kind == wx.KindMiniProgram {
		if enabled, err = r.paymentFromLinks(ctx, mb.Namespace, mb.Spec.Target.Name, string(t.appID)); err != nil {
			return ctrl.Result{}, err
		}
	}
	if enabled != nil && *enabled {
		r.bound(mb, t.appID)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	r.awaitingPeople(mb, t.appID, enabled == nil)
	return ctrl.Result{RequeueAfter: r.pending()}, nil
}

// target resolves the account the binding names; it must have been observed.
func (r *MerchantBindingReconciler) target(ctx context.Context, mb *wx.MerchantBinding) (*bindingTarget, error) {
	ns, ref := mb.Namespace, mb.Spec.Target
	t := &bindingTarget{kind: rules.KindMiniProgram}
	switch ref.Kind {
	case wx.KindMiniProgram:
		o := &wx.MiniProgram{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return nil, err
		}
		t.spec, t.appID, t.status, t.obj = &o.Spec.AccountSpec, o.Spec.AppID, &o.Status.ObservedAccount, o
	default:
		o := &wx.OfficialAccount{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return nil, err
		}
		t.spec, t.appID, t.status, t.obj, t.kind = &o.Spec.AccountSpec, o.Spec.AppID, &o.Status.ObservedAccount, o, rules.KindOfficialAccount
	}
	if t.status.LastObservedTime == nil {
		return nil, notReady(string(ref.Kind), ns, ref.Name, meta.FindStatusCondition(t.obj.GetStatusBase().Conditions, wx.ConditionReady))
	}
	return t, nil
}

// prerequisites applies the pure rules (a verified account, the merchant's 50-AppID limit) and sets
// PrerequisitesMet; when they fail, Ready says why.
func (r *MerchantBindingReconciler) prerequisites(ctx context.Context, mb *wx.MerchantBinding, t *bindingTarget) (bool, error) {
	others, err := r.boundElsewhere(ctx, mb)
	if err != nil {
		return false, err
	}
	facts := rules.AccountFacts{AppID: string(t.appID), Kind: t.kind,
		Subject: observedSubject(t.spec.Subject, t.status.Subject), Verification: rules.VerificationState(t.status.Verification)}
	if v := rules.CheckMerchantBinding(facts, others); v != nil {
		prev := meta.FindStatusCondition(mb.Status.Conditions, wx.ConditionPrerequisitesMet)
		if prev == nil || prev.Reason != v.Reason {
			r.Recorder.Eventf(mb, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Check", "%s", v.Message)
		}
		mb.Status.State = wx.MerchantBindingPrerequisitesMissing
		setCondition(mb, wx.ConditionPrerequisitesMet, metav1.ConditionFalse, v.Reason, v.Message)
		ready(mb, metav1.ConditionFalse, v.Reason, v.Message)
		return false, nil
	}
	setCondition(mb, wx.ConditionPrerequisitesMet, metav1.ConditionTrue, wx.ReasonPrerequisitesMet,
		fmt.Sprintf("%s %s is verified and merchant %s is bound to %d other AppIDs declared in this namespace (limit %d)",
			mb.Spec.Target.Kind, mb.Spec.Target.Name, mb.Spec.MerchantID, others, rules.MerchantMaxAppIDs))
	return true, nil
}

// bound reports WeChat Pay open on the account.
func (r *MerchantBindingReconciler) bound(mb *wx.MerchantBinding, appID wx.AppID) {
	if mb.Status.BoundTime == nil {
		now := metav1.NewTime(r.now())
		mb.Status.BoundTime = &now
	}
	mb.Status.State = wx.MerchantBindingBound
	ready(mb, metav1.ConditionTrue, wx.ReasonAvailable, fmt.Sprintf(
		"WeChat Pay is open on %s (%s); the binding cannot be undone, so deleting this object leaves it in place", mb.Spec.Target.Name, appID))
}

// awaitingPeople says who must act, where, while WeChat Pay is not open on the account.
func (r *MerchantBindingReconciler) awaitingPeople(mb *wx.MerchantBinding, appID wx.AppID, unobservable bool) {
	now := metav1.NewTime(r.now())
	if mb.Status.RequestedTime == nil {
		mb.Status.RequestedTime = &now
	}
	mb.Status.State = wx.MerchantBindingAwaitingMerchant
	msg := fmt.Sprintf("action required, by people, in two consoles: (1) the merchant's administrator signs in at "+
		"pay.weixin.qq.com with merchant %s → 产品中心 → AppID账号管理 → 关联AppID and enters %s; (2) the administrator of "+
		"%s confirms at mp.weixin.qq.com → 微信支付 → 商户号管理 within 7 days. A merchant of another subject also needs a "+
		"signed commitment letter and a 1-3 day review. wxlink turns Ready when WeChat Pay shows as open on the account",
		mb.Spec.MerchantID, appID, mb.Spec.Target.Name)
	if unobservable {
		msg += ". Note: on the OwnSecret route the platform does not report WeChat Pay for this account; wxlink sees it " +
			"through an Official Account linked to the Mini Program, or on the ThirdPartyPlatform route"
	}
	if rules.MerchantRequestExpired(mb.Status.RequestedTime.Time, now.Time) {
		mb.Status.State = wx.MerchantBindingExpired
		msg = fmt.Sprintf("no binding 7 days after wxlink first asked for it (%s): a merchant request made then has expired "+
			"unconfirmed. ", mb.Status.RequestedTime.Format("2006-01-02")) + msg
	}
	ready(mb, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
}

// paymentFromLinks reads WeChat Pay from an Official Account linked to the Mini Program: wxamplinkget lists
// the payment capability (func_infos id 2) of each linked Mini Program. nil when no linked account can tell.
func (r *MerchantBindingReconciler) paymentFromLinks(ctx context.Context, ns, mpName, appID string) (*bool, error) {
	links, err := linksByIndex(ctx, r.Client, ns, indexLinkTo, string(wx.KindMiniProgram)+"/"+mpName)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if l.Status.Platform == nil || l.Status.Platform.State != wx.LinkStateLinked {
			continue
		}
		oa := &wx.OfficialAccount{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: l.Spec.From.Name}, oa); err != nil {
			continue
		}
		p, acct, err := accountFor(ctx, r.Client, r.Platforms, ns, oa.Spec.AppID, &oa.Spec.AccountSpec)
		if err != nil {
			continue
		}
		links, _, err := r.Observer.List(ctx, p, acct, r.PollInterval/2)
		if err != nil {
			return nil, err
		}
		if entry, ok := Find(links, appID, ""); ok && entry.Status == platform.LinkLinked {
			v := entry.PaymentEnabled
			return &v, nil
		}
	}
	return nil, nil
}

// boundElsewhere counts the other AppIDs that the same merchant is Bound to, among the bindings of this
// namespace only (each AppID once): another tenant's bindings are not this tenant's to see, and two objects
// naming one AppID are one binding on the platform.
func (r *MerchantBindingReconciler) boundElsewhere(ctx context.Context, mb *wx.MerchantBinding) (int, error) {
	list := &wx.MerchantBindingList{}
	if err := r.List(ctx, list, client.InNamespace(mb.Namespace),
		client.MatchingFields{indexMerchantID: string(mb.Spec.MerchantID)}); err != nil {
		return 0, err
	}
	apps := map[string]bool{}
	for _, o := range list.Items {
		if o.UID != mb.UID && o.Status.State == wx.MerchantBindingBound && o.Status.AppID != mb.Status.AppID {
			apps[o.Status.AppID] = true
		}
	}
	return len(apps), nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *MerchantBindingReconciler) SetupWithManager(mgr ctrl.Manager) error {
	byTarget := func(kind wx.AccountKind) handler.MapFunc {
		return func(ctx context.Context, o client.Object) []reconcile.Request {
			list := &wx.MerchantBindingList{}
			if err := r.List(ctx, list, client.InNamespace(o.GetNamespace())); err != nil {
				return nil
			}
			var reqs []reconcile.Request
			for _, mb := range list.Items {
				if mb.Spec.Target.Kind == kind && mb.Spec.Target.Name == o.GetName() {
					reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&mb)})
				}
			}
			return reqs
		}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.MerchantBinding{}, builder.WithPredicates(declaredChanged())).
		Named("merchantbinding").
		WithOptions(r.controllerOptions()).
		Watches(&wx.MiniProgram{}, handler.EnqueueRequestsFromMapFunc(byTarget(wx.KindMiniProgram))).
		Watches(&wx.OfficialAccount{}, handler.EnqueueRequestsFromMapFunc(byTarget(wx.KindOfficialAccount))).
		Complete(r)
}

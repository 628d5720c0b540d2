// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
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

// OpenPlatformAccountReconciler creates or adopts an Open Platform account and binds the declared accounts
// to it (cgi-bin/open/*), so that they share one UnionID per user.
type OpenPlatformAccountReconciler struct {
	client.Client
	APIReader client.Reader
	Platforms PlatformProvider
	Recorder  events.EventRecorder
	Options
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=openplatformaccounts,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=openplatformaccounts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=openplatformaccounts/finalizers,verbs=update

// member is one declared account, resolved.
type member struct {
	ref   wx.OpenPlatformMember
	p     platform.Platform
	acct  platform.Account
	facts rules.AccountFacts
}

// Reconcile brings one OpenPlatformAccount towards its declared bindings. It reads from the API server: a
// cached copy without the previous reconcile's status could create a second Open Platform account.
func (r *OpenPlatformAccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.OpenPlatformAccount]{
		client: r.Client, reader: r.APIReader, newObj: func() *wx.OpenPlatformAccount { return &wx.OpenPlatformAccount{} },
		finalizer: true, opts: r.Options, reconcile: r.bind,
		finalize: func(ctx context.Context, op *wx.OpenPlatformAccount) (bool, ctrl.Result, error) {
			done, err := r.finalize(ctx, op)
			return done, ctrl.Result{RequeueAfter: r.pending()}, err
		},
	}.run(ctx, req)
}

func (r *OpenPlatformAccountReconciler) resolve(ctx context.Context, op *wx.OpenPlatformAccount, ref wx.OpenPlatformMember) (*member, error) {
	m := &member{ref: ref}
	var spec *wx.AccountSpec
	var appID wx.AppID
	var observed *wx.ObservedAccount
	var obj conditioned
	switch ref.Kind {
	case wx.KindMiniProgram:
		o := &wx.MiniProgram{}
		if err := getRef(ctx, r.Client, op.Namespace, ref.Name, string(ref.Kind), o); err != nil {
			return nil, err
		}
		spec, appID, observed, obj, m.facts.Kind = &o.Spec.AccountSpec, o.Spec.AppID, &o.Status.ObservedAccount, o, rules.KindMiniProgram
	default:
		o := &wx.OfficialAccount{}
		if err := getRef(ctx, r.Client, op.Namespace, ref.Name, string(ref.Kind), o); err != nil {
			return nil, err
		}
		spec, appID, observed, obj, m.facts.Kind = &o.Spec.AccountSpec, o.Spec.AppID, &o.Status.ObservedAccount, o, rules.KindOfficialAccount
	}
	if ok, c := isReady(obj); !ok {
		return nil, notReady(string(ref.Kind), op.Namespace, ref.Name, c)
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, op.Namespace, appID, spec)
	if err != nil {
		return nil, err
	}
	m.p, m.acct = p, acct
	m.facts.AppID = string(appID)
	m.facts.Subject = observedSubject(spec.Subject, observed.Subject)
	m.facts.Verification = rules.VerificationState(observed.Verification)
	return m, nil
}

func (r *OpenPlatformAccountReconciler) bind(ctx context.Context, op *wx.OpenPlatformAccount) (ctrl.Result, error) {
	members, err := r.members(ctx, op)
	if err != nil {
		return ctrl.Result{}, err
	}
	full := op.Spec.ManagementPolicy != wx.ManagementPolicyObserveOnly
	openAppID := r.openAppID(op, members)
	if openAppID == "" {
		if !full || len(members) == 0 {
			msg := "no Open Platform account exists yet, and managementPolicy ObserveOnly never creates one"
			ready(op, metav1.ConditionFalse, wx.ReasonObserveOnly, msg)
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		created, err := members[0].p.CreateOpenAccount(ctx, members[0].acct)
		if err != nil {
			return r.platformRefused(op, "creating the Open Platform account", err)
		}
		openAppID = created
		members[0].facts.OpenAppID = created
		yes, no := true, false
		op.Status.CreatedByAPI, op.Status.DeveloperVerified = &yes, &no
		r.Recorder.Eventf(op, nil, corev1.EventTypeNormal, wx.EventOpenPlatformBound, "Create",
			"created Open Platform account %s through %s and bound it", created, members[0].ref.Name)
	}
	op.Status.OpenAppID = openAppID
	opFacts := openPlatformFacts(op, openAppID, members)

	op.Status.Accounts = op.Status.Accounts[:0]
	var problems []string
	firstReason := ""
	for _, m := range members {
		st, reason, err := r.bindMember(ctx, op, m, &opFacts, full)
		if err != nil {
			return ctrl.Result{}, err
		}
		if st.Message != "" {
			problems = append(problems, m.ref.Name+": "+st.Message)
			firstReason = cmp.Or(firstReason, reason)
		}
		op.Status.Accounts = append(op.Status.Accounts, st)
	}
	limit := rules.OpenPlatformMaxBoundAccounts
	if opFacts.CreatedByAPI && !opFacts.DeveloperVerified {
		limit = rules.OpenPlatformUnverifiedAPICreatedMaxBound
	}
	op.Status.Bound = rules.Ratio(opFacts.BoundCount, limit)
	if len(problems) > 0 {
		ready(op, metav1.ConditionFalse, cmp.Or(firstReason, wx.ReasonObserveOnly), strings.Join(problems, "; "))
		return ctrl.Result{RequeueAfter: r.pending()}, nil
	}
	ready(op, metav1.ConditionTrue, wx.ReasonAvailable, fmt.Sprintf("%d accounts share Open Platform account %s (UnionID)",
		opFacts.BoundCount, openAppID))
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

// members resolves the declared accounts and reads the Open Platform account each is bound to.
func (r *OpenPlatformAccountReconciler) members(ctx context.Context, op *wx.OpenPlatformAccount) ([]*member, error) {
	members := make([]*member, 0, len(op.Spec.Accounts))
	for _, ref := range op.Spec.Accounts {
		m, err := r.resolve(ctx, op, ref)
		if err != nil {
			return nil, err
		}
		cur, err := m.p.GetOpenAccount(ctx, m.acct)
		if err != nil {
			return nil, err
		}
		m.facts.OpenAppID = cur
		members = append(members, m)
	}
	return members, nil
}

// openAppID is the Open Platform account to bind to: the declared one, the one recorded in status, or one
// that a member is already bound to (adopted); "" when there is none yet.
func (r *OpenPlatformAccountReconciler) openAppID(op *wx.OpenPlatformAccount, members []*member) string {
	if id := cmp.Or(string(op.Spec.OpenAppID), op.Status.OpenAppID); id != "" {
		return id
	}
	for _, m := range members {
		if m.facts.OpenAppID != "" {
			r.Recorder.Eventf(op, nil, corev1.EventTypeNormal, wx.EventAdopted, "Observe",
				"adopted Open Platform account %s, which %s is already bound to", m.facts.OpenAppID, m.ref.Name)
			return m.facts.OpenAppID
		}
	}
	return ""
}

// openPlatformFacts is what wxlink knows of the Open Platform account: created by API (unverified, same
// subject, at most 5), or adopted (its verification is not observable through the API: the platform's
// answer decides).
func openPlatformFacts(op *wx.OpenPlatformAccount, openAppID string, members []*member) rules.OpenPlatformFacts {
	f := rules.OpenPlatformFacts{OpenAppID: openAppID, DeveloperVerified: true}
	if op.Status.CreatedByAPI != nil && *op.Status.CreatedByAPI {
		f.CreatedByAPI = true
		f.DeveloperVerified = op.Status.DeveloperVerified != nil && *op.Status.DeveloperVerified
	}
	if len(members) > 0 {
		f.Subject = members[0].facts.Subject
	}
	for _, m := range members {
		if m.facts.OpenAppID == openAppID {
			f.BoundCount++
		}
	}
	return f
}

// bindMember binds one member when the rules allow it, and returns its status line and, when it is not
// bound, the reason. A retryable platform error is returned.
func (r *OpenPlatformAccountReconciler) bindMember(ctx context.Context, op *wx.OpenPlatformAccount, m *member,
	opFacts *rules.OpenPlatformFacts, full bool) (wx.OpenPlatformBoundAccount, string, error) {
	st := wx.OpenPlatformBoundAccount{Kind: m.ref.Kind, Name: m.ref.Name, AppID: m.facts.AppID}
	switch {
	case m.facts.OpenAppID == opFacts.OpenAppID:
		st.Bound = true
		return st, "", nil
	case !full:
		st.Message = "not bound; managementPolicy ObserveOnly does not bind"
		return st, "", nil
	}
	if v := rules.CheckOpenPlatformBind(*opFacts, m.facts); v != nil {
		st.Message = v.Message
		return st, v.Reason, nil //nolint:nilerr // a rule violation is reported in status, not returned as a failure
	}
	if err := m.p.BindOpenAccount(ctx, m.acct, opFacts.OpenAppID); err != nil {
		reason, terminal := platformErrorReason(err)
		if !terminal {
			return st, "", err
		}
		st.Message = fmt.Sprintf("the platform refused the binding: %v", err)
		return st, reason, nil
	}
	st.Bound = true
	opFacts.BoundCount++
	r.Recorder.Eventf(op, nil, corev1.EventTypeNormal, wx.EventOpenPlatformBound, "Bind",
		"bound %s %s (%s) to Open Platform account %s", m.ref.Kind, m.ref.Name, m.facts.AppID, opFacts.OpenAppID)
	return st, "", nil
}

func (r *OpenPlatformAccountReconciler) platformRefused(op *wx.OpenPlatformAccount, what string, err error) (ctrl.Result, error) {
	reason, terminal := platformErrorReason(err)
	if !terminal {
		return ctrl.Result{}, err
	}
	msg := fmt.Sprintf("%s: the platform refused: %v", what, err)
	r.Recorder.Eventf(op, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Bind", "%s", msg)
	ready(op, metav1.ConditionFalse, reason, msg)
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

// finalize unbinds the accounts wxlink bound when deletionPolicy is Delete. The platform unbinds only from
// an Open Platform account created by API; otherwise unbinding is a console step, which wxlink says in an
// Event rather than blocking the deletion forever.
func (r *OpenPlatformAccountReconciler) finalize(ctx context.Context, op *wx.OpenPlatformAccount) (bool, error) {
	if op.Spec.DeletionPolicy != wx.DeletionPolicyDelete || op.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly ||
		op.Status.OpenAppID == "" {
		return true, nil
	}
	for _, st := range op.Status.Accounts {
		if !st.Bound {
			continue
		}
		m, err := r.resolve(ctx, op, wx.OpenPlatformMember{Kind: st.Kind, Name: st.Name})
		if err != nil {
			if _, ok := asDependency(err); ok {
				r.Recorder.Eventf(op, nil, corev1.EventTypeWarning, wx.EventUnbindSkipped, "Unbind",
					"%s %s cannot be resolved (%v): unbind it from %s at open.weixin.qq.com by hand", st.Kind, st.Name, err, op.Status.OpenAppID)
				continue
			}
			return false, err
		}
		if err := m.p.UnbindOpenAccount(ctx, m.acct, op.Status.OpenAppID); err != nil {
			if platform.IsTerminal(err) {
				r.Recorder.Eventf(op, nil, corev1.EventTypeWarning, wx.EventUnbindSkipped, "Unbind",
					"the platform cannot unbind %s by API (%v): unbind it at open.weixin.qq.com → 管理中心 by hand", st.Name, err)
				continue
			}
			return false, err
		}
		r.Recorder.Eventf(op, nil, corev1.EventTypeNormal, wx.EventUnlinked, "Unbind",
			"unbound %s %s from Open Platform account %s", st.Kind, st.Name, op.Status.OpenAppID)
	}
	return true, nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *OpenPlatformAccountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	byMember := func(kind wx.AccountKind) handler.MapFunc {
		return func(ctx context.Context, o client.Object) []reconcile.Request {
			list := &wx.OpenPlatformAccountList{}
			if err := r.List(ctx, list, client.InNamespace(o.GetNamespace())); err != nil {
				return nil
			}
			var reqs []reconcile.Request
			for _, op := range list.Items {
				for _, a := range op.Spec.Accounts {
					if a.Kind == kind && a.Name == o.GetName() {
						reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&op)})
						break
					}
				}
			}
			return reqs
		}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.OpenPlatformAccount{}, builder.WithPredicates(declaredChanged())).
		Named("openplatformaccount").
		WithOptions(r.controllerOptions()).
		Watches(&wx.OfficialAccount{}, handler.EnqueueRequestsFromMapFunc(byMember(wx.KindOfficialAccount))).
		Watches(&wx.MiniProgram{}, handler.EnqueueRequestsFromMapFunc(byMember(wx.KindMiniProgram))).
		Complete(r)
}

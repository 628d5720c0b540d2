// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// OfficialAccountReconciler observes an Official Account: subject, verification, and the use of its
// association quotas, counting links made by hand in the console.
type OfficialAccountReconciler struct {
	client.Client
	// APIReader reads from the API server, bypassing the cache (the in-use sweep).
	APIReader client.Reader
	// Cache reads Secret metadata from the manager's metadata-only informer (nil: Client, which reads it
	// from the API server, as Secrets are not cached).
	Cache     client.Reader
	Platforms PlatformProvider
	// Renewals names OfficialAccounts whose access token was renewed outside their reconcile (nil: none).
	Renewals <-chan event.GenericEvent
	Observer *Observer
	Recorder events.EventRecorder
	Metrics  *Metrics
	Options
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=officialaccounts,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=officialaccounts/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=officialaccounts/finalizers,verbs=update
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=platformconfigs,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch

// Reconcile observes one Official Account.
func (r *OfficialAccountReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.OfficialAccount]{
		client: r.Client, reader: r.Client, newObj: func() *wx.OfficialAccount { return &wx.OfficialAccount{} },
		// The finalizer keeps the account (and so its credentials) until its links have unlinked.
		finalizer: true, opts: r.Options,
		gone: func(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
			r.Metrics.forgetOwner(req.Namespace, string(wx.KindOfficialAccount), req.Name)
			sweep := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, Name: sweepName}}
			return r.requeueOnConflict(sweep, r.sweepInUse(ctx, req.Namespace))
		},
		finalize: r.finalize, reconcile: r.reconcile,
	}.run(ctx, req)
}

// reconcile protects what the account's links need, observes the account and publishes its token.
func (r *OfficialAccountReconciler) reconcile(ctx context.Context, oa *wx.OfficialAccount) (ctrl.Result, error) {
	if err := r.protect(ctx, oa); err != nil {
		return ctrl.Result{}, err
	}
	res, err := r.observe(ctx, oa, r.describeMaxAge(oa))
	if _, missing := asDependency(err); missing || oa.Spec.TokenPublication == nil {
		return res, err
	}
	// The published token does not depend on the observation: publish it even when observing failed, or a
	// failing list call would let it expire.
	pres, perr := r.publishToken(ctx, oa, res)
	switch {
	case err == nil:
		return pres, perr
	case perr != nil:
		return res, errors.Join(err, perr)
	}
	// Observing failed but the token is published: report the failure, and come back by the token's refresh
	// instant at the latest, not after an exponential backoff that could outlast the token.
	syncFailed(oa, err)
	return ctrl.Result{RequeueAfter: min(pres.RequeueAfter, r.pending())}, nil
}

// observe describes the account (from a shared description no older than maxAge) and counts its quota use.
func (r *OfficialAccountReconciler) observe(ctx context.Context, oa *wx.OfficialAccount, maxAge time.Duration) (ctrl.Result, error) {
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, oa.Namespace, oa.Spec.AppID, &oa.Spec.AccountSpec)
	if err != nil {
		return ctrl.Result{}, err
	}
	info, at, err := r.Observer.Describe(ctx, p, acct, maxAge)
	if err != nil {
		if reason, terminal := platformErrorReason(err); terminal {
			msg := fmt.Sprintf("the platform refused to describe the account: %v", err)
			ready(oa, metav1.ConditionFalse, reason, msg)
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		return ctrl.Result{}, err
	}
	info, typeDeclared := completeSubject(info, oa.Spec.Subject)
	oa.Status.ObservedAccount = observedAccount(info, at)
	oa.Status.Username = info.Username
	switch info.Type {
	case platform.AccountSubscription:
		oa.Status.AccountType = wx.OfficialAccountSubscription
	case platform.AccountService:
		oa.Status.AccountType = wx.OfficialAccountService
	}

	links, _, err := r.Observer.List(ctx, p, acct, r.PollInterval/2)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.quota(ctx, oa, links); err != nil {
		return ctrl.Result{}, err
	}

	reason, msg, ok := accountHealth(oa, oa.Spec.Subject, oa.Status.Subject, info, typeDeclared, r.Recorder)
	if ok && oa.Spec.AccountType != "" && oa.Status.AccountType != "" && oa.Spec.AccountType != oa.Status.AccountType {
		reason, msg, ok = wx.ReasonAccountTypeMismatch, fmt.Sprintf("spec.accountType is %s but the platform reports a %s account",
			oa.Spec.AccountType, oa.Status.AccountType), false
	}
	if !ok {
		ready(oa, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	msg = fmt.Sprintf("observed %q (%s); quota: same subject %s, other subject %s, this month %s",
		info.Nickname, info.Subject.Name, oa.Status.Quota.SameSubject, oa.Status.Quota.OtherSubject, oa.Status.Quota.ThisMonth)
	if c := meta.FindStatusCondition(oa.Status.Conditions, wx.ConditionQuotaRespected); c != nil && c.Status == metav1.ConditionFalse {
		msg += "; over quota on the platform: " + c.Message
	}
	ready(oa, metav1.ConditionTrue, wx.ReasonAvailable, msg)
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

// quota fills status.quota and status.linkedMiniPrograms from the platform's list (console-made links
// included) and the month's records, and says when console-made links put the account over its quotas.
func (r *OfficialAccountReconciler) quota(ctx context.Context, oa *wx.OfficialAccount, links []platform.MiniProgramLink) error {
	declared, err := linksByIndex(ctx, r.Client, oa.Namespace, indexLinkFrom, string(wx.KindOfficialAccount)+"/"+oa.Name)
	if err != nil {
		return err
	}
	pools, err := r.subjectPools(ctx, oa, links, declared)
	if err != nil {
		return err
	}
	queued := int32(0)
	ptrs := make([]*wx.AssociationLink, 0, len(declared))
	for i := range declared {
		ptrs = append(ptrs, &declared[i])
		if queuedBy(&declared[i]) != "" {
			queued++
		}
	}
	month := rules.NewLinksThisMonth(r.now(), monthlyUsage(oa.Status.MonthlyLinks), monthRecords(ptrs, oa.Status.MonthlyLedger))
	oa.Status.Quota = wx.OfficialAccountQuota{
		SameSubject:  rules.Ratio(pools.same, rules.OfficialAccountSameSubjectLinkLimit),
		OtherSubject: rules.Ratio(pools.other, rules.OfficialAccountOtherSubjectLinkLimit),
		ThisMonth:    rules.Ratio(month, rules.OfficialAccountMonthlyNewLinkLimit),
		Queued:       queued,
	}
	r.Metrics.observeQuota(oa.Namespace, string(wx.KindOfficialAccount), oa.Name, "same_subject", pools.same, rules.OfficialAccountSameSubjectLinkLimit)
	r.Metrics.observeQuota(oa.Namespace, string(wx.KindOfficialAccount), oa.Name, "other_subject", pools.other, rules.OfficialAccountOtherSubjectLinkLimit)
	r.Metrics.observeQuota(oa.Namespace, string(wx.KindOfficialAccount), oa.Name, "this_month", month, rules.OfficialAccountMonthlyNewLinkLimit)
	r.Metrics.observeQueued(oa.Namespace, wx.KindOfficialAccount, oa.Name, queued)
	r.quotaRespected(oa, pools)
	return nil
}

// subjectPools are the Official Account's links on the platform by subject pool, and those no AssociationLink
// declares (made in the console).
type subjectPools struct {
	same, other int
	console     []string
}

// subjectPools sorts the links the platform lists into the subject pools, each by the MiniProgram that
// declares it (by AppID, or by original ID in an AppID-less list), and fills status.linkedMiniPrograms.
func (r *OfficialAccountReconciler) subjectPools(ctx context.Context, oa *wx.OfficialAccount, links []platform.MiniProgramLink,
	declared []wx.AssociationLink) (subjectPools, error) {
	oaSubj := observedSubject(oa.Spec.Subject, oa.Status.Subject)
	linkedTo := map[string]bool{}
	for _, l := range declared {
		linkedTo[l.Spec.To.Name] = true
	}
	var pools subjectPools
	oa.Status.LinkedMiniPrograms = nil
	for _, l := range links {
		if !l.Status.Occupying() {
			continue
		}
		id := cmp.Or(l.AppID, l.Username)
		oa.Status.LinkedMiniPrograms = append(oa.Status.LinkedMiniPrograms, id)
		mp, err := declaredMiniProgram(ctx, r.Client, oa.Namespace, l)
		if err != nil {
			return pools, err
		}
		if mp != nil && rules.SameSubject(oaSubj, observedSubject(mp.Spec.Subject, mp.Status.Subject)) {
			pools.same++
		} else {
			pools.other++
		}
		if mp == nil || !linkedTo[mp.Name] {
			pools.console = append(pools.console, id)
		}
	}
	sort.Strings(oa.Status.LinkedMiniPrograms)
	oa.Status.LinkedMiniPrograms = oa.Status.LinkedMiniPrograms[:min(len(oa.Status.LinkedMiniPrograms), 100)]
	return pools, nil
}

// quotaRespected sets QuotaRespected: False, with an Event when it first appears, when the platform lists
// more links than the quotas allow, naming those no AssociationLink declares (made in the console).
func (r *OfficialAccountReconciler) quotaRespected(oa *wx.OfficialAccount, pools subjectPools) {
	if pools.same <= rules.OfficialAccountSameSubjectLinkLimit && pools.other <= rules.OfficialAccountOtherSubjectLinkLimit {
		setCondition(oa, wx.ConditionQuotaRespected, metav1.ConditionTrue, wx.ReasonWithinQuota,
			"the links the platform lists fit the account's quotas")
		return
	}
	msg := fmt.Sprintf("the platform lists %s same-subject and %s other-subject Mini Programs, more than the quotas allow; "+
		"not declared in the cluster (made in the console): %s. Queued links wait until enough are unlinked at "+
		"mp.weixin.qq.com → 广告与服务 → 小程序管理, or declare them as AssociationLinks",
		rules.Ratio(pools.same, rules.OfficialAccountSameSubjectLinkLimit), rules.Ratio(pools.other, rules.OfficialAccountOtherSubjectLinkLimit),
		strings.Join(pools.console, ", "))
	if c := meta.FindStatusCondition(oa.Status.Conditions, wx.ConditionQuotaRespected); c == nil || c.Status != metav1.ConditionFalse {
		r.Recorder.Eventf(oa, nil, corev1.EventTypeWarning, wx.EventOverQuotaOnPlatform, "Observe", "%s", msg)
	}
	setCondition(oa, wx.ConditionQuotaRespected, metav1.ConditionFalse, wx.ReasonOverQuotaOnPlatform, msg)
}

// finalize waits until no AssociationLink names the account, so that links can still unlink with its
// credentials, then lets it go.
func (r *OfficialAccountReconciler) finalize(ctx context.Context, oa *wx.OfficialAccount) (bool, ctrl.Result, error) {
	links, err := linksByIndex(ctx, r.Client, oa.Namespace, indexLinkFrom, string(wx.KindOfficialAccount)+"/"+oa.Name)
	if err != nil {
		return false, ctrl.Result{}, err
	}
	if n := len(links); n > 0 {
		ready(oa, metav1.ConditionFalse, wx.ReasonDeleting, fmt.Sprintf(
			"waiting for %d AssociationLink(s) that name this account (for example %s) to be deleted, so that they can unlink with its credentials",
			n, links[0].Name))
		return false, ctrl.Result{RequeueAfter: r.pending()}, nil
	}
	// Its Secret and PlatformConfig are released by the sweep that its deletion brings (sweepInUse).
	return true, ctrl.Result{}, nil
}

// SetupWithManager registers the reconciler and its watches.
func (r *OfficialAccountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&wx.OfficialAccount{}, builder.WithPredicates(declaredChanged())).
		Named("officialaccount").
		WithOptions(r.controllerOptions()).
		// A link's admission changes the queued count; its deletion may release the finalizer. A burst of
		// changes is counted once (ownerRecount).
		Watches(&wx.AssociationLink{}, recountAfterABurst(linkOwner(wx.KindOfficialAccount, false)),
			builder.WithPredicates(linkStateChanged())).
		Watches(&wx.PlatformConfig{}, handler.EnqueueRequestsFromMapFunc(r.byPlatformConfig)).
		// A published token Secret that is deleted or edited is written again at once.
		Owns(&corev1.Secret{}, builder.MatchEveryOwner, builder.OnlyMetadata).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.bySecret), builder.OnlyMetadata)
	if r.Renewals != nil {
		b = b.WatchesRawSource(source.Channel(r.Renewals, &handler.EnqueueRequestForObject{}))
	}
	return b.Complete(r)
}

// bySecret names the accounts whose credentials a Secret holds (a rotated AppSecret is used at once, and a
// lost in-use finalizer is put back), and asks for a sweep when it is being deleted while held.
func (r *OfficialAccountReconciler) bySecret(ctx context.Context, o client.Object) []reconcile.Request {
	reqs := sweepIfHeld(ctx, o)
	list := &wx.OfficialAccountList{}
	if err := r.List(ctx, list, client.InNamespace(o.GetNamespace())); err != nil {
		return reqs
	}
	for _, a := range list.Items {
		if c := a.Spec.Credentials; c != nil && c.SecretName == o.GetName() {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&a)})
		}
	}
	return reqs
}

func (r *OfficialAccountReconciler) byPlatformConfig(ctx context.Context, o client.Object) []reconcile.Request {
	list := &wx.OfficialAccountList{}
	if err := r.List(ctx, list, client.InNamespace(o.GetNamespace())); err != nil {
		return nil
	}
	reqs := sweepIfHeld(ctx, o)
	for _, a := range list.Items {
		if a.Spec.PlatformConfigRef.Name == o.GetName() {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&a)})
		}
	}
	return reqs
}

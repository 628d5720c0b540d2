// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
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
	oa := &wx.OfficialAccount{}
	if err := r.Get(ctx, req.NamespacedName, oa); err != nil {
		if apierrors.IsNotFound(err) {
			return requeueOnConflict(r.sweepInUse(ctx, req.Namespace))
		}
		return ctrl.Result{}, err
	}
	orig := oa.DeepCopy()
	if isPaused(oa) {
		ready(oa, metav1.ConditionFalse, wx.ReasonPaused,
			"reconciliation is paused: remove the annotation "+wx.PauseAnnotation+" to resume")
		return r.finish(ctx, oa, orig, ctrl.Result{}, nil)
	}
	if !oa.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, oa, orig)
	}
	// The finalizer keeps the account (and so its credentials) until its links have unlinked.
	if err := ensureFinalizer(ctx, r.Client, oa); err != nil {
		return requeueOnConflict(err)
	}
	orig = oa.DeepCopy()
	if err := r.protect(ctx, oa); err != nil {
		return r.finish(ctx, oa, orig, ctrl.Result{}, err)
	}
	res, err := r.observe(ctx, oa, r.describeMaxAge(oa))
	if _, missing := asDependency(err); missing || oa.Spec.TokenPublication == nil {
		return r.finish(ctx, oa, orig, res, err)
	}
	// The published token does not depend on the observation: publish it even when observing failed, or a
	// failing list call would let it expire.
	pres, perr := r.publishToken(ctx, oa, res)
	switch {
	case err == nil:
		return r.finish(ctx, oa, orig, pres, perr)
	case perr != nil:
		return r.finish(ctx, oa, orig, res, errors.Join(err, perr))
	}
	// Observing failed but the token is published: report the failure, and come back by the token's refresh
	// instant at the latest, not after an exponential backoff that could outlast the token.
	syncFailed(oa, err)
	return r.finish(ctx, oa, orig, ctrl.Result{RequeueAfter: min(pres.RequeueAfter, r.pending())}, nil)
}

// publishToken keeps the Secret named by spec.tokenPublication holding the account's current access token,
// and brings the next reconcile forward to the token's refresh instant, so that the user's workloads never
// read an expired token, whatever the poll interval. A token renewed outside this reconcile (by another
// reconciler's call, or after the platform rejected it) reaches it through the provider's Renewals. A
// failed write is returned (Synced=False, retried with backoff), never only logged.
func (r *OfficialAccountReconciler) publishToken(ctx context.Context, oa *wx.OfficialAccount, res ctrl.Result) (ctrl.Result, error) {
	tp := oa.Spec.TokenPublication
	if tp == nil {
		return res, nil
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, oa.Namespace, oa.Spec.AppID, &oa.Spec.AccountSpec)
	if err != nil {
		return res, err
	}
	tok, err := p.AccessToken(ctx, acct)
	if err != nil {
		if reason, terminal := platformErrorReason(err); terminal {
			ready(oa, metav1.ConditionFalse, reason, fmt.Sprintf("the platform refused an access token to publish: %v", err))
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		return res, err
	}
	err = writeManagedSecret(ctx, r.Client, oa, tp.SecretName, map[string][]byte{
		PublishedTokenKey:     []byte(tok.Value.Reveal()),
		PublishedExpiresAtKey: []byte(tok.ExpiresAt.UTC().Format(time.RFC3339)),
		// Rounded up to the second: a reconcile at the published instant must not come before the broker's.
		PublishedRefreshAtKey: []byte(ceilSecond(tok.RefreshAt).UTC().Format(time.RFC3339)),
	})
	if errors.Is(err, errForeignSecret) || errors.Is(err, errSecretTaken) {
		ready(oa, metav1.ConditionFalse, wx.ReasonTokenPublicationFailed, err.Error())
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	if err != nil {
		return res, fmt.Errorf("publishing the access token into Secret %s/%s: %w", oa.Namespace, tp.SecretName, err)
	}
	until := max(ceilSecond(tok.RefreshAt).Sub(r.now()), time.Second)
	if res.RequeueAfter == 0 || until < res.RequeueAfter {
		res.RequeueAfter = until
	}
	return res, nil
}

// inUse lists what an OfficialAccount's links need in order to unlink: its credentials Secret and its
// PlatformConfig.
func inUse(oa *wx.OfficialAccount) []client.Object {
	objs := []client.Object{&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Namespace: oa.Namespace, Name: oa.Spec.PlatformConfigRef.Name}}}
	if oa.Spec.Credentials != nil {
		objs = append(objs, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: oa.Namespace, Name: oa.Spec.Credentials.SecretName}})
	}
	return objs
}

// protect puts the in-use finalizer on the account's credentials Secret and PlatformConfig.
func (r *OfficialAccountReconciler) protect(ctx context.Context, oa *wx.OfficialAccount) error {
	for _, obj := range inUse(oa) {
		if err := r.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			if apierrors.IsNotFound(err) {
				continue // reported as a missing dependency by observe
			}
			return err
		}
		if !obj.GetDeletionTimestamp().IsZero() || controllerutil.ContainsFinalizer(obj, wx.InUseFinalizer) {
			continue
		}
		orig := obj.DeepCopyObject().(client.Object)
		controllerutil.AddFinalizer(obj, wx.InUseFinalizer)
		if err := r.Patch(ctx, obj, client.MergeFrom(orig)); err != nil {
			return err
		}
	}
	return nil
}

// sweepInUse runs when an OfficialAccount is gone (or for sweepName): it removes the in-use finalizer from
// every Secret and PlatformConfig of the namespace that no remaining OfficialAccount names. It runs after the
// account is gone, not in its finalizer: accounts deleted together, sharing a PlatformConfig, would each see
// the other still present there and leave the finalizer to it; the last one's sweep sees that nothing
// needs them.
func (r *OfficialAccountReconciler) sweepInUse(ctx context.Context, ns string) error {
	// From the API server: an account created moments ago may not be in the cache yet.
	oas := &wx.OfficialAccountList{}
	if err := r.APIReader.List(ctx, oas, client.InNamespace(ns)); err != nil {
		return err
	}
	needed := map[string]bool{}
	for i := range oas.Items {
		for _, o := range inUse(&oas.Items[i]) {
			needed[fmt.Sprintf("%T/%s", o, o.GetName())] = true
		}
	}
	pcs, secrets := &wx.PlatformConfigList{}, &corev1.SecretList{}
	if err := r.List(ctx, pcs, client.InNamespace(ns)); err != nil {
		return err
	}
	if err := r.List(ctx, secrets, client.InNamespace(ns)); err != nil {
		return err
	}
	var held []client.Object
	for i := range pcs.Items {
		held = append(held, &pcs.Items[i])
	}
	for i := range secrets.Items {
		held = append(held, &secrets.Items[i])
	}
	for _, obj := range held {
		if !controllerutil.ContainsFinalizer(obj, wx.InUseFinalizer) || needed[fmt.Sprintf("%T/%s", obj, obj.GetName())] {
			continue
		}
		orig := obj.DeepCopyObject().(client.Object)
		controllerutil.RemoveFinalizer(obj, wx.InUseFinalizer)
		// With an optimistic lock: the patch replaces the whole list of finalizers, which may have changed
		// since the cache read (a Conflict is requeued).
		if err := r.Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil &&
			!apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}

func (r *OfficialAccountReconciler) finish(ctx context.Context, oa, orig *wx.OfficialAccount, res ctrl.Result,
	err error) (ctrl.Result, error) {
	return finishReconcile(ctx, r.Client, oa, orig, res, err, r.pending())
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

	reason, msg, ok := accountHealth(oa, oa.Spec.Subject, oa.Status.Subject, info, r.Recorder)
	if ok && oa.Spec.AccountType != "" && oa.Status.AccountType != "" && oa.Spec.AccountType != oa.Status.AccountType {
		reason, msg, ok = wx.ReasonAccountTypeMismatch, fmt.Sprintf("spec.accountType is %s but the platform reports a %s account",
			oa.Spec.AccountType, oa.Status.AccountType), false
	}
	if !ok {
		ready(oa, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	ready(oa, metav1.ConditionTrue, wx.ReasonAvailable, fmt.Sprintf("observed %q (%s); quota: same subject %s, other subject %s, this month %s",
		info.Nickname, info.Subject.Name, oa.Status.Quota.SameSubject, oa.Status.Quota.OtherSubject, oa.Status.Quota.ThisMonth))
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

// quota fills status.quota from the platform's list (console-made links included) and the monthly counter.
func (r *OfficialAccountReconciler) quota(ctx context.Context, oa *wx.OfficialAccount, links []platform.MiniProgramLink) error {
	oaSubj := observedSubject(oa.Spec.Subject, oa.Status.Subject)
	same, other := 0, 0
	for _, l := range links {
		if !l.Status.Occupying() {
			continue
		}
		s, err := platformOnlySameSubject(ctx, r.Client, oa.Namespace, oaSubj, l.AppID)
		if err != nil {
			return err
		}
		if s {
			same++
		} else {
			other++
		}
	}
	list := &wx.AssociationLinkList{}
	if err := r.List(ctx, list, client.InNamespace(oa.Namespace),
		client.MatchingFields{indexLinkFrom: string(wx.KindOfficialAccount) + "/" + oa.Name}); err != nil {
		return err
	}
	queued := int32(0)
	for _, l := range list.Items {
		if l.Status.Admission != nil && l.Status.Admission.State == wx.AdmissionQueued {
			queued++
		}
	}
	month := monthlyUsage(oa.Status.MonthlyLinks).UsedIn(r.now())
	oa.Status.Quota = wx.OfficialAccountQuota{
		SameSubject:  rules.Ratio(same, rules.OfficialAccountSameSubjectLinkLimit),
		OtherSubject: rules.Ratio(other, rules.OfficialAccountOtherSubjectLinkLimit),
		ThisMonth:    rules.Ratio(month, rules.OfficialAccountMonthlyNewLinkLimit),
		Queued:       queued,
	}
	r.Metrics.observeQuota(oa.Namespace, oa.Name, "same_subject", same, rules.OfficialAccountSameSubjectLinkLimit)
	r.Metrics.observeQuota(oa.Namespace, oa.Name, "other_subject", other, rules.OfficialAccountOtherSubjectLinkLimit)
	r.Metrics.observeQuota(oa.Namespace, oa.Name, "this_month", month, rules.OfficialAccountMonthlyNewLinkLimit)
	return nil
}

// finalize waits until no AssociationLink names the account, so that links can still unlink with its
// credentials, then lets it go.
func (r *OfficialAccountReconciler) finalize(ctx context.Context, oa, orig *wx.OfficialAccount) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(oa, wx.Finalizer) {
		return ctrl.Result{}, nil
	}
	list := &wx.AssociationLinkList{}
	if err := r.List(ctx, list, client.InNamespace(oa.Namespace),
		client.MatchingFields{indexLinkFrom: string(wx.KindOfficialAccount) + "/" + oa.Name}); err != nil {
		return ctrl.Result{}, err
	}
	if n := len(list.Items); n > 0 {
		ready(oa, metav1.ConditionFalse, wx.ReasonDeleting, fmt.Sprintf(
			"waiting for %d AssociationLink(s) that name this account (for example %s) to be deleted, so that they can unlink with its credentials",
			n, list.Items[0].Name))
		return r.finish(ctx, oa, orig, ctrl.Result{RequeueAfter: r.pending()}, nil)
	}
	// Its Secret and PlatformConfig are released by the sweep that its deletion brings (sweepInUse).
	return requeueOnConflict(removeFinalizer(ctx, r.Client, oa))
}

// SetupWithManager registers the reconciler and its watches.
func (r *OfficialAccountReconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&wx.OfficialAccount{}).
		Named("officialaccount").
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		// A link's admission changes the queued count; its deletion may release the finalizer.
		Watches(&wx.AssociationLink{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			l := o.(*wx.AssociationLink)
			if l.Spec.From.Kind != wx.KindOfficialAccount {
				return nil
			}
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: l.Namespace, Name: l.Spec.From.Name}}}
		}), builder.WithPredicates(linkStateChanged())).
		Watches(&wx.PlatformConfig{}, handler.EnqueueRequestsFromMapFunc(r.byPlatformConfig)).
		// A published token Secret that is deleted or edited is written again at once.
		Owns(&corev1.Secret{}, builder.MatchEveryOwner).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.bySecret))
	if r.Renewals != nil {
		b = b.WatchesRawSource(source.Channel(r.Renewals, &handler.EnqueueRequestForObject{}))
	}
	return b.Complete(r)
}

// sweepName names the reconcile request that sweeps a namespace's in-use finalizers. It is not a valid
// object name, so no OfficialAccount has it: its reconcile finds no account and sweeps.
const sweepName = "~in-use-sweep"

// sweepIfHeld asks for a sweep when a PlatformConfig or Secret is being deleted and still carries the in-use
// finalizer: after a manager restart, no account's deletion event may be left to bring one.
func sweepIfHeld(_ context.Context, o client.Object) []reconcile.Request {
	if o.GetDeletionTimestamp().IsZero() || !controllerutil.ContainsFinalizer(o, wx.InUseFinalizer) {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: sweepName}}}
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

// observedAccount converts the platform's description, read at the given time, into status.
func observedAccount(info *platform.AccountInfo, at time.Time) wx.ObservedAccount {
	o := wx.ObservedAccount{Nickname: truncate(info.Nickname, 128), LastObservedTime: ptr.To(metav1.NewTime(at)),
		Verification: wx.VerificationState(info.Verification)}
	if info.Subject.Name != "" || info.Subject.Type != "" {
		o.Subject = &wx.Subject{Name: truncate(info.Subject.Name, 128), Type: wx.SubjectType(info.Subject.Type)}
	}
	return o
}

// accountHealth applies the subject and verification rules to an observed account and sets the
// SubjectMatched and Verified conditions. A violation emits an Event when it first appears.
func accountHealth(obj interface {
	client.Object
	GetStatusBase() *wx.StatusBase
}, declared wx.Subject, observed *wx.Subject, info *platform.AccountInfo, rec events.EventRecorder) (string, string, bool) {
	prev := meta.FindStatusCondition(obj.GetStatusBase().Conditions, wx.ConditionReady)
	violation := func(reason, msg string) (string, string, bool) {
		if prev == nil || prev.Reason != reason {
			rec.Eventf(obj, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Observe", "%s", msg)
		}
		return reason, msg, false
	}
	want := rules.Subject{Name: declared.Name, Type: rules.SubjectType(declared.Type)}
	if observed == nil || !rules.SameSubject(want, info.Subject) {
		got := "no subject"
		if observed != nil {
			got = fmt.Sprintf("%q (%s)", observed.Name, observed.Type)
		}
		msg := fmt.Sprintf("spec.subject is %q (%s) but the platform reports %s; an account's subject never changes after "+
			"registration, so fix spec.subject (or the appID)", declared.Name, declared.Type, got)
		setCondition(obj, wx.ConditionSubjectMatched, metav1.ConditionFalse, wx.ReasonSubjectMismatch, msg)
		return violation(wx.ReasonSubjectMismatch, msg)
	}
	setCondition(obj, wx.ConditionSubjectMatched, metav1.ConditionTrue, wx.ReasonSubjectMatched,
		fmt.Sprintf("the platform reports the declared subject %q", declared.Name))
	if v := rules.CheckVerification(info.Subject.Type, info.Verification); v != nil {
		setCondition(obj, wx.ConditionVerified, metav1.ConditionFalse, v.Reason, v.Message)
		return violation(v.Reason, v.Message)
	}
	status := metav1.ConditionFalse
	if info.Verification == rules.VerificationVerified {
		status = metav1.ConditionTrue
	}
	setCondition(obj, wx.ConditionVerified, status, string(info.Verification),
		fmt.Sprintf("WeChat verification (微信认证) is %s, which a %s subject allows", info.Verification, info.Subject.Type))
	return "", "", true
}

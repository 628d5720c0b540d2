// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// Field indexes. Each maps an object to a key that other reconciles look it up by, so that no reconcile
// lists all objects of a kind.
const (
	// indexLinkFrom indexes AssociationLinks by "Kind/name" of their owner (spec.from).
	indexLinkFrom = "spec.from"
	// indexLinkTo indexes AssociationLinks by "Kind/name" of spec.to.
	indexLinkTo = "spec.to"
	// indexMiniProgramAppID indexes MiniPrograms by AppID.
	indexMiniProgramAppID = "spec.appID"
)

func refKey(r wx.AccountReference) string { return string(r.Kind) + "/" + r.Name }

// AssociationLinkReconciler admits links against their owners' quotas, makes them on the platform, and
// reports who must act while they wait.
type AssociationLinkReconciler struct {
	client.Client
	// APIReader reads the owners' monthly counters uncached, for their optimistic-lock increments.
	APIReader client.Reader
	Platforms PlatformProvider
	Observer  *Observer
	Recorder  events.EventRecorder
	Metrics   *Metrics
	Options

	owners keyedMutex
}

// keyedMutex serialises admission decisions per owner within the (leader-elected, single) manager. A
// reconcile locks the Official Account, then the Mini Program, each in its own key space.
type keyedMutex struct{ m sync.Map }

func officialAccountLock(appID string) string { return "oa/" + appID }
func miniProgramLock(appID string) string     { return "mp/" + appID }

func (k *keyedMutex) lock(key string) func() {
	v, _ := k.m.LoadOrStore(key, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=associationlinks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=associationlinks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=associationlinks/finalizers,verbs=update
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=officialaccounts/status;miniprograms/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one AssociationLink towards its declared state.
func (r *AssociationLinkReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	// Read from the API server, not the cache: this reconcile may call the platform, and a cached copy that
	// does not yet hold the previous reconcile's status would ask for the same association twice.
	link := &wx.AssociationLink{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, link); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.forgetLink(req.String())
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	orig := link.DeepCopy()

	if isPaused(link) {
		ready(link, metav1.ConditionFalse, wx.ReasonPaused,
			"reconciliation is paused: remove the annotation "+wx.PauseAnnotation+" to resume")
		return r.finish(ctx, link, orig, ctrl.Result{}, nil)
	}
	if !link.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, link, orig)
	}
	if err := ensureFinalizer(ctx, r.Client, link); err != nil {
		return requeueOnConflict(err)
	}
	orig = link.DeepCopy()

	var res ctrl.Result
	var err error
	if link.Spec.Type == wx.OfficialAccountToMiniProgram {
		res, err = r.reconcileOfficialAccountLink(ctx, link)
	} else {
		res, err = r.reconcileConsoleLink(ctx, link)
	}
	return r.finish(ctx, link, orig, res, err)
}

// finish turns the outcome into conditions and makes the one status patch of this reconcile.
func (r *AssociationLinkReconciler) finish(ctx context.Context, link, orig *wx.AssociationLink, res ctrl.Result,
	err error) (ctrl.Result, error) {
	r.Metrics.observeLink(link)
	return finishReconcile(ctx, r.Client, link, orig, res, err, r.pending())
}

func requeueOnConflict(err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) {
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	return ctrl.Result{}, err
}

// ends are the resolved objects at both ends of an Official Account -> Mini Program link.
type ends struct {
	oa     *wx.OfficialAccount
	mp     *wx.MiniProgram
	p      platform.Platform
	oaAcct platform.Account
	oaSubj rules.Subject
	mpSubj rules.Subject
}

func (r *AssociationLinkReconciler) resolveEnds(ctx context.Context, link *wx.AssociationLink) (*ends, error) {
	ns := link.Namespace
	e := &ends{oa: &wx.OfficialAccount{}, mp: &wx.MiniProgram{}}
	if err := getRef(ctx, r.Client, ns, link.Spec.From.Name, "OfficialAccount", e.oa); err != nil {
		return nil, err
	}
	if err := getRef(ctx, r.Client, ns, link.Spec.To.Name, "MiniProgram", e.mp); err != nil {
		return nil, err
	}
	if ok, c := isReady(e.oa); !ok {
		return nil, notReady("OfficialAccount", ns, e.oa.Name, c)
	}
	if ok, c := isReady(e.mp); !ok {
		return nil, notReady("MiniProgram", ns, e.mp.Name, c)
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, ns, e.oa.Spec.AppID, &e.oa.Spec.AccountSpec)
	if err != nil {
		return nil, err
	}
	e.p, e.oaAcct = p, acct
	e.oaSubj = observedSubject(e.oa.Spec.Subject, e.oa.Status.Subject)
	e.mpSubj = observedSubject(e.mp.Spec.Subject, e.mp.Status.Subject)
	return e, nil
}

// siblings lists the links of the namespace whose index key equals key (through the cache's index).
func (r *AssociationLinkReconciler) siblings(ctx context.Context, ns, index, key string) ([]wx.AssociationLink, error) {
	list := &wx.AssociationLinkList{}
	if err := r.List(ctx, list, client.InNamespace(ns), client.MatchingFields{index: key}); err != nil {
		return nil, err
	}
	out := list.Items[:0]
	for _, l := range list.Items {
		if l.Spec.Type == wx.OfficialAccountToMiniProgram {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return olderFirst(&out[i], &out[j]) })
	return out, nil
}

func olderFirst(a, b *wx.AssociationLink) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// rejectedByPlatform reports whether the platform's rejection (status 3) is terminal for this object: it
// requested the association at its current generation, or it saw the association pending and then
// rejected. A change of spec (a new generation) allows one new request; a brand-new object that finds an
// old rejection asks again.
func rejectedByPlatform(link *wx.AssociationLink, entry platform.MiniProgramLink, found bool) bool {
	p := link.Status.Platform
	if !found || entry.Status != platform.LinkRejected || p == nil {
		return false
	}
	if c := meta.FindStatusCondition(link.Status.Conditions, wx.ConditionLinked); c != nil && c.Reason == wx.ReasonRejected &&
		c.ObservedGeneration < link.Generation && p.RequestedGeneration < link.Generation {
		return false
	}
	if p.RequestedGeneration != 0 {
		return p.RequestedGeneration == link.Generation
	}
	return p.State == wx.LinkStateAwaitingOfficialAccountAdmin || p.State == wx.LinkStateAwaitingMiniProgramAdmin ||
		p.State == wx.LinkStateRejected
}

func (r *AssociationLinkReconciler) reconcileOfficialAccountLink(ctx context.Context, link *wx.AssociationLink) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	e, err := r.resolveEnds(ctx, link)
	if err != nil {
		return ctrl.Result{}, err
	}
	link.Status.FromAppID, link.Status.ToAppID = string(e.oa.Spec.AppID), string(e.mp.Spec.AppID)
	if e.oa.Spec.AppID == e.mp.Spec.AppID {
		msg := fmt.Sprintf("OfficialAccount %s and MiniProgram %s both declare AppID %s: an account cannot be associated "+
			"with itself; fix the AppID of the one that is wrong", e.oa.Name, e.mp.Name, e.oa.Spec.AppID)
		link.Status.Admission = nil
		setCondition(link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonRuleViolation, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonRuleViolation, msg)
		r.Recorder.Eventf(link, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Admit", "%s", msg)
		return ctrl.Result{}, nil
	}
	same := rules.SameSubject(e.oaSubj, e.mpSubj)
	link.Status.SubjectRelation = wx.SubjectRelationOther
	if same {
		link.Status.SubjectRelation = wx.SubjectRelationSame
	}

	unlock := r.owners.lock(officialAccountLock(string(e.oa.Spec.AppID)))
	defer unlock()
	// A Mini Program's monthly allowance is shared by the links of every Official Account: hold it too, so
	// that two links to it cannot both pass countersCurrent on its last slot. Mini Program keys are their own
	// key space, always taken after the Official Account's, so no two reconciles wait for each other (even for
	// a link whose two ends wrongly name one AppID, or two links that name the same pair crossed).
	unlockMP := r.owners.lock(miniProgramLock(string(e.mp.Spec.AppID)))
	defer unlockMP()

	oaSiblings, err := r.siblings(ctx, link.Namespace, indexLinkFrom, refKey(link.Spec.From))
	if err != nil {
		return ctrl.Result{}, err
	}
	for i := range oaSiblings {
		s := &oaSiblings[i]
		if s.UID != link.UID && s.Spec.To.Name == link.Spec.To.Name && s.DeletionTimestamp.IsZero() && olderFirst(s, link) {
			msg := fmt.Sprintf("AssociationLink %s already declares %s -> %s; this duplicate does nothing (and never unlinks): delete it",
				s.Name, link.Spec.From.Name, link.Spec.To.Name)
			setCondition(link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonDuplicateLink, msg)
			ready(link, metav1.ConditionFalse, wx.ReasonDuplicateLink, msg)
			return ctrl.Result{}, nil
		}
	}

	// The Official Account's links come from a read shared by all its reconciles, up to half a poll interval
	// old. That is enough to queue a link or to report one, but not to act: before wxlink asks the platform for
	// an association (or reports one as removed) it reads again and decides again, so a link made by hand in
	// the console meanwhile is adopted rather than requested twice, and takes its slot.
	var (
		platLinks []platform.MiniProgramLink
		entry     platform.MiniProgramLink
		found     bool
		decision  rules.Decision
	)
	wasLinked := link.Status.Platform != nil && link.Status.Platform.State == wx.LinkStateLinked
	for maxAge := r.PollInterval / 2; ; maxAge = 0 {
		if maxAge == 0 {
			r.Observer.Invalidate(e.p, string(e.oa.Spec.AppID))
		}
		if platLinks, _, err = r.Observer.List(ctx, e.p, e.oaAcct, maxAge); err != nil {
			return ctrl.Result{}, err
		}
		entry, found = Find(platLinks, string(e.mp.Spec.AppID), e.mp.Status.Username)

		// A rejection of this object's own request is terminal, and holds no slot: decide it before admission,
		// which would otherwise queue the link behind the slot its rejection freed.
		if rejectedByPlatform(link, entry, found) {
			link.Status.Admission = nil
			setCondition(link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonRejected,
				"the platform rejected the association, so it holds no quota slot")
			return r.reportPlatformState(link, e, entry), nil
		}
		if decision, err = r.admit(ctx, link, e, oaSiblings, platLinks); err != nil {
			return ctrl.Result{}, err
		}
		onPlatform := found && (entry.Status.Occupying() || !entry.Status.Known() && entry.Status != platform.LinkRejected)
		mayAct := link.Spec.ManagementPolicy != wx.ManagementPolicyObserveOnly || wasLinked
		if maxAge == 0 || !decision.Admitted || onPlatform || !mayAct {
			break
		}
	}
	// Admission counted the owners' monthly use from the cache. Before a new link is admitted and asked for,
	// check that count on the API server: a stale one could admit a link over the monthly limit, or report an
	// admission (and its Event) that the next reconcile takes back. A conflict leaves the status as it was.
	if decision.New() && link.Spec.ManagementPolicy != wx.ManagementPolicyObserveOnly {
		if err := r.countersCurrent(ctx, e); err != nil {
			return ctrl.Result{}, err
		}
	}
	prevAdmission := link.Status.Admission
	if !decision.Admitted {
		state := wx.AdmissionQueued
		link.Status.Admission = &wx.AdmissionStatus{State: state, QueuePosition: int32(decision.QueuePosition), //nolint:gosec // a queue position is small
			Message: truncate(decision.Message, 1024)}
		reason := wx.ReasonQuotaExceeded
		requeue := r.pending()
		if decision.Reason == rules.ReasonMonthlyLimitReached {
			reason = wx.ReasonMonthlyLimitReached
			if until := rules.NextMonthStart(r.now()).Sub(r.now()); until < requeue {
				requeue = until
			}
		}
		setCondition(link, wx.ConditionAdmitted, metav1.ConditionFalse, reason, decision.Message)
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, reason, "not requested: the link is queued")
		ready(link, metav1.ConditionFalse, reason, decision.Message)
		if prevAdmission == nil || prevAdmission.State != wx.AdmissionQueued {
			r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventQueued, "Admit", "%s", decision.Message)
		}
		return ctrl.Result{RequeueAfter: requeue}, nil
	}
	link.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted, Message: truncate(decision.Message, 1024)}
	setCondition(link, wx.ConditionAdmitted, metav1.ConditionTrue, wx.ReasonWithinQuota, decision.Message)
	if prevAdmission != nil && prevAdmission.State == wx.AdmissionQueued {
		r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventAdmitted, "Admit", "a slot freed: %s", decision.Message)
	}

	occupying := found && entry.Status.Occupying()
	switch {
	case occupying:
		if link.Status.Platform == nil || link.Status.Platform.RequestedTime == nil && link.Status.Platform.State == "" {
			r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventAdopted, "Observe",
				"the association already exists on the platform (status %d): adopted, not duplicated", entry.Status)
		}
		return r.reportPlatformState(link, e, entry), nil
	case found && !entry.Status.Known() && entry.Status != platform.LinkRejected:
		return r.reportPlatformState(link, e, entry), nil
	}

	// Not on the platform (or a rejection of an earlier request): link it, unless we only observe.
	if wasLinked {
		r.Recorder.Eventf(link, nil, corev1.EventTypeWarning, wx.EventDriftDetected, "Observe",
			"the association was removed on the platform (for example by hand in the console)")
	}
	if link.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly {
		everLinked := link.Status.Platform != nil && link.Status.Platform.LinkedTime != nil
		ps := &wx.PlatformLinkStatus{State: wx.LinkStateNotLinked}
		if everLinked {
			ps.LinkedTime = link.Status.Platform.LinkedTime
		}
		link.Status.Platform = ps
		msg := "the association does not exist on the platform, and managementPolicy ObserveOnly never creates it"
		if everLinked {
			msg = "the association was removed on the platform; managementPolicy ObserveOnly reports this and does not restore it"
		}
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonObserveOnly, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonObserveOnly, msg)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}

	if p := link.Status.Platform; p != nil && p.State == wx.LinkStateRefused && p.RequestedTime != nil &&
		p.RequestedGeneration == link.Generation {
		if retryAt := p.RequestedTime.Add(r.PollInterval); r.now().Before(retryAt) {
			// Refused recently: the Linked and Ready conditions still say why; no retry storm.
			return ctrl.Result{RequeueAfter: retryAt.Sub(r.now())}, nil
		}
	}
	if p := link.Status.Platform; p != nil && p.State == wx.LinkStateNotLinked && p.RequestedTime != nil &&
		p.RequestedGeneration == link.Generation && r.now().Sub(p.RequestedTime.Time) < time.Minute {
		// Requested moments ago and not listed yet: wait for the platform rather than ask (and count) twice.
		msg := "the platform accepted the request but does not list the association yet"
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonProgressing, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonProgressing, msg)
		return ctrl.Result{RequeueAfter: r.pending()}, nil
	}
	opts := platform.LinkOptions{}
	if o := link.Spec.OfficialAccount; o != nil {
		opts = platform.LinkOptions{NotifyFollowers: o.NotifyFollowers, ShowOnProfile: o.ShowOnProfile}
	}
	now := metav1.NewTime(r.now())
	err = e.p.LinkMiniProgram(ctx, e.oaAcct, string(e.mp.Spec.AppID), opts)
	r.Observer.Invalidate(e.p, string(e.oa.Spec.AppID))
	if err != nil {
		if reason, terminal := platformErrorReason(err); terminal {
			msg := fmt.Sprintf("the platform refused the association: %v; wxlink asks again when the spec changes, "+
				"or after %s", err, now.Add(r.PollInterval).UTC().Format(time.RFC3339))
			link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused, RequestedTime: &now,
				RequestedGeneration: link.Generation}
			setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, reason, msg)
			ready(link, metav1.ConditionFalse, reason, msg)
			r.Recorder.Eventf(link, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Link", "%s", msg)
			return ctrl.Result{RequeueAfter: r.PollInterval}, nil
		}
		if pe, ok := platform.As(err); ok && pe.RetryAfter > 0 {
			// 45009: the daily quota of the API is used up until the next day in Beijing time. Wait, do not loop.
			syncFailed(link, err)
			return ctrl.Result{RequeueAfter: pe.RetryAfter}, nil
		}
		return ctrl.Result{}, err
	}
	// The platform accepted the request: it is one new association this month for both owners.
	if err := r.recordNewLink(ctx, e); err != nil {
		return ctrl.Result{}, err
	}
	log.Info("requested association", "officialAccount", e.oa.Spec.AppID, "miniProgram", e.mp.Spec.AppID)
	r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventLinkRequested, "Link",
		"asked the platform to associate Mini Program %s with Official Account %s", e.mp.Spec.AppID, e.oa.Spec.AppID)
	link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateNotLinked, RequestedTime: &now,
		RequestedGeneration: link.Generation}

	// Read the state the request produced (12, 2, or 1 at once for the instant same-subject path).
	platLinks, _, err = r.Observer.List(ctx, e.p, e.oaAcct, 0)
	if err != nil {
		return ctrl.Result{}, err
	}
	entry, found = Find(platLinks, string(e.mp.Spec.AppID), e.mp.Status.Username)
	if !found {
		msg := "the platform accepted the request but does not list the association yet"
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonProgressing, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonProgressing, msg)
		return ctrl.Result{RequeueAfter: r.pending()}, nil
	}
	return r.reportPlatformState(link, e, entry), nil
}

// reportPlatformState turns the platform's status of the association into status and conditions.
func (r *AssociationLinkReconciler) reportPlatformState(link *wx.AssociationLink, e *ends, entry platform.MiniProgramLink) ctrl.Result {
	raw := int32(entry.Status) //nolint:gosec // platform status codes are small
	prev := link.Status.Platform
	ps := &wx.PlatformLinkStatus{RawStatus: &raw}
	if prev != nil {
		ps.LinkedTime, ps.RequestedTime, ps.RequestedGeneration = prev.LinkedTime, prev.RequestedTime, prev.RequestedGeneration
	}
	link.Status.Platform = ps
	oaName := fmt.Sprintf("%s (%s)", e.oa.Name, e.oa.Spec.AppID)
	mpName := fmt.Sprintf("%s (%s)", e.mp.Name, e.mp.Spec.AppID)
	switch entry.Status {
	case platform.LinkLinked:
		ps.State = wx.LinkStateLinked
		if ps.LinkedTime == nil {
			now := metav1.NewTime(r.now())
			ps.LinkedTime = &now
			r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventLinked, "Observe",
				"Mini Program %s is associated with Official Account %s", mpName, oaName)
			r.Metrics.observeTimeToReady(link, r.now())
		}
		msg := fmt.Sprintf("Mini Program %s is associated with Official Account %s", mpName, oaName)
		setCondition(link, wx.ConditionLinked, metav1.ConditionTrue, wx.ReasonAvailable, msg)
		ready(link, metav1.ConditionTrue, wx.ReasonAvailable, msg)
		return ctrl.Result{RequeueAfter: r.poll()}
	case platform.LinkAwaitingOfficialAccountAdmin:
		ps.State = wx.LinkStateAwaitingOfficialAccountAdmin
		msg := fmt.Sprintf("waiting for the administrator of Official Account %s to confirm the association "+
			"(platform status 12): they confirm in the notice from 公众平台安全助手 in WeChat, or at mp.weixin.qq.com → "+
			"广告与服务 → 小程序管理; the Mini Program's administrator confirms next", oaName)
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonAwaitingOfficialAccountAdmin, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonAwaitingOfficialAccountAdmin, msg)
	case platform.LinkAwaitingMiniProgramAdmin:
		ps.State = wx.LinkStateAwaitingMiniProgramAdmin
		msg := fmt.Sprintf("waiting for the administrator of Mini Program %s to authorise the association "+
			"(platform status 2): they confirm in the notice in WeChat, or at mp.weixin.qq.com (the Mini Program) → "+
			"设置 → 关联设置; a different subject can take 1-3 working days", mpName)
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonAwaitingMiniProgramAdmin, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonAwaitingMiniProgramAdmin, msg)
	case platform.LinkRejected:
		ps.State = wx.LinkStateRejected
		msg := fmt.Sprintf("the administrator of Mini Program %s rejected the association (platform status 3); "+
			"wxlink will not ask again until the spec changes or the link is re-created", mpName)
		if meta.FindStatusCondition(link.Status.Conditions, wx.ConditionLinked) == nil ||
			meta.FindStatusCondition(link.Status.Conditions, wx.ConditionLinked).Reason != wx.ReasonRejected {
			r.Recorder.Eventf(link, nil, corev1.EventTypeWarning, wx.EventRejected, "Observe", "%s", msg)
		}
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonRejected, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonRejected, msg)
		return ctrl.Result{RequeueAfter: r.poll()}
	default:
		ps.State = wx.LinkStateUnknown
		msg := fmt.Sprintf("the platform reports status %d for this association, which WeChat does not document; "+
			"wxlink treats it as not linked and does not act: check the Official Account's console", entry.Status)
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonUnknownPlatformState, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonUnknownPlatformState, msg)
	}
	return ctrl.Result{RequeueAfter: r.pending()}
}

// admit runs quota admission for the link under both of its owners: the Official Account (10 same-subject,
// 3 other-subject, 13 new a month) and the Mini Program (500, 500 new a month).
func (r *AssociationLinkReconciler) admit(ctx context.Context, link *wx.AssociationLink, e *ends,
	oaSiblings []wx.AssociationLink, platLinks []platform.MiniProgramLink) (rules.Decision, error) {
	now := r.now()
	self := link.Namespace + "/" + link.Name

	// The Official Account's view: its cluster links, and every link on the platform (console-made ones too).
	claimed := map[string]bool{}
	var cands []rules.Candidate
	for i := range oaSiblings {
		s := &oaSiblings[i]
		key := s.Namespace + "/" + s.Name
		mp := &wx.MiniProgram{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: s.Spec.To.Name}, mp); err != nil {
			if apierrors.IsNotFound(err) {
				continue // a link to a missing Mini Program waits for it and takes no slot
			}
			return rules.Decision{}, err
		}
		if mp.Spec.AppID == e.oa.Spec.AppID {
			continue // links the account to itself: refused as a RuleViolation, it takes no slot
		}
		entry, found := Find(platLinks, string(mp.Spec.AppID), mp.Status.Username)
		if found {
			claimed[string(mp.Spec.AppID)] = true
			claimed["username/"+entry.Username] = entry.Username != ""
		}
		onPlat := found && entry.Status.Occupying()
		if key != self && !onPlat && (!s.DeletionTimestamp.IsZero() || rejectedByPlatform(s, entry, found) ||
			s.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly || platformState(s) == wx.LinkStateRefused ||
			youngerDuplicate(s, oaSiblings)) {
			// It will not be made now (being deleted, rejected, refused, only observed, or a duplicate): it takes
			// no slot. Its platform entry, if it still occupies one, is counted below.
			continue
		}
		cands = append(cands, rules.Candidate{
			Key: key, Created: s.CreationTimestamp.Time, InCluster: true,
			SameSubject: rules.SameSubject(e.oaSubj, observedSubject(mp.Spec.Subject, mp.Status.Subject)),
			OnPlatform:  onPlat,
		})
	}
	for _, pl := range platLinks {
		if !pl.Status.Occupying() || (pl.AppID != "" && claimed[pl.AppID]) || (pl.AppID == "" && claimed["username/"+pl.Username]) {
			continue
		}
		same, err := platformOnlySameSubject(ctx, r.Client, link.Namespace, e.oaSubj, pl.AppID)
		if err != nil {
			return rules.Decision{}, err
		}
		cands = append(cands, rules.Candidate{Key: "platform/" + pl.AppID + pl.Username, SameSubject: same, OnPlatform: true})
	}
	oaDecision, err := decisionFor(rules.Admit(rules.AdmissionInput{
		Policy: rules.OfficialAccountPolicy(), Candidates: cands, Now: now,
		UsedThisMonth: monthlyUsage(e.oa.Status.MonthlyLinks).UsedIn(now),
	}), self)
	if err != nil {
		return rules.Decision{}, err
	}
	if !oaDecision.Admitted {
		return oaDecision, nil
	}

	// The Mini Program's view: every cluster link to it (the platform cannot list them from this side).
	mpSiblings, err := r.siblings(ctx, link.Namespace, indexLinkTo, refKey(link.Spec.To))
	if err != nil {
		return rules.Decision{}, err
	}
	cands = cands[:0]
	for i := range mpSiblings {
		s := &mpSiblings[i]
		key := s.Namespace + "/" + s.Name
		on := holdsSlot(platformState(s))
		switch {
		case key == self:
			on = oaDecision.OnPlatform
		case s.Status.FromAppID == string(e.mp.Spec.AppID):
			continue // links the account to itself: refused as a RuleViolation, it takes no slot
		case !on && (!s.DeletionTimestamp.IsZero() || s.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly ||
			platformState(s) == wx.LinkStateRefused || platformState(s) == wx.LinkStateRejected ||
			admissionState(s) == wx.AdmissionQueued):
			continue
		}
		cands = append(cands, rules.Candidate{Key: key, Created: s.CreationTimestamp.Time, InCluster: true,
			SameSubject: true, OnPlatform: on})
	}
	mpDecision, err := decisionFor(rules.Admit(rules.AdmissionInput{
		Policy: rules.MiniProgramPolicy(), Candidates: cands, Now: now,
		UsedThisMonth: monthlyUsage(e.mp.Status.MonthlyLinks).UsedIn(now),
	}), self)
	if err != nil {
		return rules.Decision{}, err
	}
	if !mpDecision.Admitted {
		return mpDecision, nil
	}
	return oaDecision, nil
}

// youngerDuplicate reports whether an older live link of the same owner declares the same Mini Program.
func youngerDuplicate(l *wx.AssociationLink, siblings []wx.AssociationLink) bool {
	for i := range siblings {
		s := &siblings[i]
		if s.UID != l.UID && s.Spec.To == l.Spec.To && s.DeletionTimestamp.IsZero() && olderFirst(s, l) {
			return true
		}
	}
	return false
}

// platformOnlySameSubject decides the subject pool of a link that exists only on the platform. When a
// MiniProgram object in the namespace declares that AppID, its subject decides; otherwise the link counts
// against the stricter other-subject quota (declare the MiniProgram for an exact count).
func platformOnlySameSubject(ctx context.Context, c client.Reader, ns string, oaSubj rules.Subject, appID string) (bool, error) {
	if appID == "" {
		return false, nil
	}
	mps := &wx.MiniProgramList{}
	if err := c.List(ctx, mps, client.InNamespace(ns), client.MatchingFields{indexMiniProgramAppID: appID}); err != nil {
		return false, err
	}
	for _, mp := range mps.Items {
		return rules.SameSubject(oaSubj, observedSubject(mp.Spec.Subject, mp.Status.Subject)), nil
	}
	return false, nil
}

// decisionFor picks the link's own decision out of admission's.
func decisionFor(ds []rules.Decision, key string) (rules.Decision, error) {
	for _, d := range ds {
		if d.Key == key {
			return d, nil
		}
	}
	// The link was read from the API server, its siblings from the cache, which does not hold it yet: decide
	// again shortly (a Conflict is requeued, not reported as a failure).
	return rules.Decision{}, apierrors.NewConflict(wx.GroupVersion.WithResource("associationlinks").GroupResource(), key,
		errors.New("the informer cache does not hold this AssociationLink yet"))
}

func monthlyUsage(c *wx.MonthlyCount) rules.MonthlyUsage {
	if c == nil {
		return rules.MonthlyUsage{}
	}
	return rules.MonthlyUsage{Month: c.Month, Count: int(c.Count)}
}

// countersCurrent checks, on the API server, that the owners' monthly counters still hold the values
// admission decided with (read from the cache). If not, the decision is stale and is made again (a
// Conflict, requeued), so that concurrent decisions cannot exceed the monthly limit.
func (r *AssociationLinkReconciler) countersCurrent(ctx context.Context, e *ends) error {
	now := r.now()
	oa, mp := &wx.OfficialAccount{}, &wx.MiniProgram{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(e.oa), oa); err != nil {
		return err
	}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(e.mp), mp); err != nil {
		return err
	}
	if monthlyUsage(oa.Status.MonthlyLinks).UsedIn(now) != monthlyUsage(e.oa.Status.MonthlyLinks).UsedIn(now) ||
		monthlyUsage(mp.Status.MonthlyLinks).UsedIn(now) != monthlyUsage(e.mp.Status.MonthlyLinks).UsedIn(now) {
		return apierrors.NewConflict(wx.GroupVersion.WithResource("officialaccounts").GroupResource(), e.oa.Name,
			errors.New("the monthly counters changed since admission decided"))
	}
	e.oa, e.mp = oa, mp
	return nil
}

// recordNewLink counts an association the platform accepted against both owners' monthly allowance. The
// counters live in the owners' status and survive restarts and deleted links; each increment retries on
// conflict against fresh reads, so that one request is counted once. Failed requests are never counted. A
// crash between the request and the count under-counts by one, and the platform's own 89030 then says so.
func (r *AssociationLinkReconciler) recordNewLink(ctx context.Context, e *ends) error {
	now := r.now()
	if err := incrementMonthly(ctx, r.Client, r.APIReader, e.oa, now, func(o client.Object) *wx.MonthlyCount {
		return o.(*wx.OfficialAccount).Status.MonthlyLinks
	}, func(o client.Object, c *wx.MonthlyCount) { o.(*wx.OfficialAccount).Status.MonthlyLinks = c }); err != nil {
		return err
	}
	return incrementMonthly(ctx, r.Client, r.APIReader, e.mp, now, func(o client.Object) *wx.MonthlyCount {
		return o.(*wx.MiniProgram).Status.MonthlyLinks
	}, func(o client.Object, c *wx.MonthlyCount) { o.(*wx.MiniProgram).Status.MonthlyLinks = c })
}

// incrementMonthly adds one to an owner's monthly counter with an optimistic lock, re-reading on conflict.
func incrementMonthly(ctx context.Context, c client.Client, reader client.Reader, obj client.Object, now time.Time,
	get func(client.Object) *wx.MonthlyCount, set func(client.Object, *wx.MonthlyCount)) error {
	first := true
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if !first {
			if err := reader.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				return err
			}
		}
		first = false
		orig := obj.DeepCopyObject().(client.Object)
		next := monthlyUsage(get(obj)).Record(now, 1)
		set(obj, &wx.MonthlyCount{Month: next.Month, Count: int32(next.Count)}) //nolint:gosec // at most 500
		return c.Status().Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
	})
}

// finalize undoes the association on the platform when deletionPolicy is Delete, then lets the object go.
func (r *AssociationLinkReconciler) finalize(ctx context.Context, link, orig *wx.AssociationLink) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(link, wx.Finalizer) {
		return ctrl.Result{}, nil
	}
	act := link.Spec.Type == wx.OfficialAccountToMiniProgram &&
		link.Spec.DeletionPolicy == wx.DeletionPolicyDelete &&
		link.Spec.ManagementPolicy == wx.ManagementPolicyFull &&
		(link.Status.Platform != nil || link.Status.FromAppID != "") // never resolved: never linked
	if act {
		other, err := r.otherDeclarer(ctx, link)
		if err != nil {
			return r.finish(ctx, link, orig, ctrl.Result{}, err)
		}
		if other != "" {
			act = false
			r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventUnlinkSkipped, "Unlink",
				"AssociationLink %s still declares this association: left in place", other)
		}
	}
	if act {
		if err := r.unlink(ctx, link); err != nil {
			if d, ok := asDependency(err); ok {
				msg := "cannot unlink on the platform while deleting: " + d.message +
					"; restore it, or set deletionPolicy: Orphan to leave the platform link in place"
				ready(link, metav1.ConditionFalse, wx.ReasonDeleting, msg)
				return r.finish(ctx, link, orig, ctrl.Result{RequeueAfter: r.pending()}, nil)
			}
			return r.finish(ctx, link, orig, ctrl.Result{}, err)
		}
	}
	r.Metrics.forgetLink(link.Namespace + "/" + link.Name)
	return requeueOnConflict(removeFinalizer(ctx, r.Client, link))
}

// otherDeclarer names another live AssociationLink of the namespace that declares the same association (the
// same ends, or the same resolved AppIDs), whose link a deletion must not remove.
func (r *AssociationLinkReconciler) otherDeclarer(ctx context.Context, link *wx.AssociationLink) (string, error) {
	list := &wx.AssociationLinkList{}
	if err := r.List(ctx, list, client.InNamespace(link.Namespace)); err != nil {
		return "", err
	}
	for _, l := range list.Items {
		if l.UID == link.UID || !l.DeletionTimestamp.IsZero() || l.Spec.Type != wx.OfficialAccountToMiniProgram {
			continue
		}
		sameEnds := l.Spec.From == link.Spec.From && l.Spec.To == link.Spec.To
		sameApps := link.Status.FromAppID != "" && l.Status.FromAppID == link.Status.FromAppID && l.Status.ToAppID == link.Status.ToAppID
		if sameEnds || sameApps {
			return l.Name, nil
		}
	}
	return "", nil
}

func (r *AssociationLinkReconciler) unlink(ctx context.Context, link *wx.AssociationLink) error {
	ns := link.Namespace
	oa := &wx.OfficialAccount{}
	if err := getRef(ctx, r.Client, ns, link.Spec.From.Name, "OfficialAccount", oa); err != nil {
		return err
	}
	// The Mini Program object may already be gone: the AppID recorded in status is enough to unlink.
	mpAppID, mpUsername := link.Status.ToAppID, ""
	mp := &wx.MiniProgram{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: link.Spec.To.Name}, mp); err == nil {
		mpAppID, mpUsername = string(mp.Spec.AppID), mp.Status.Username
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	if mpAppID == "" {
		return nil // never resolved, so never linked by this object
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, ns, oa.Spec.AppID, &oa.Spec.AccountSpec)
	if err != nil {
		return err
	}
	unlock := r.owners.lock(officialAccountLock(string(oa.Spec.AppID)))
	defer unlock()
	// A read that began before this moment could miss a link made meanwhile (in the console), and leave it
	// on the platform after its object is gone.
	r.Observer.Invalidate(p, string(oa.Spec.AppID))
	links, _, err := r.Observer.List(ctx, p, acct, 0)
	if err != nil {
		return err
	}
	entry, found := Find(links, mpAppID, mpUsername)
	if !found {
		return nil
	}
	if entry.Status == platform.LinkRejected && link.Status.Platform != nil && link.Status.Platform.RequestedTime == nil {
		return nil // a rejection left by someone else's request: not ours to clear
	}
	if err := p.UnlinkMiniProgram(ctx, acct, mpAppID); err != nil && !platform.IsClass(err, platform.ClassPending) {
		return err
	}
	r.Observer.Invalidate(p, string(oa.Spec.AppID))
	r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventUnlinked, "Unlink",
		"unlinked Mini Program %s from Official Account %s (deletionPolicy Delete)", mpAppID, oa.Spec.AppID)
	return nil
}

// reconcileConsoleLink handles the association types that the platform lets only a person make, in a
// console: it says exactly who must act and where, and never pretends success.
func (r *AssociationLinkReconciler) reconcileConsoleLink(ctx context.Context, link *wx.AssociationLink) (ctrl.Result, error) {
	from, to, err := r.resolveConsoleEnds(ctx, link)
	if err != nil {
		return ctrl.Result{}, err
	}
	same := rules.SameSubject(from.subject, to.subject)
	link.Status.SubjectRelation = wx.SubjectRelationOther
	if same {
		link.Status.SubjectRelation = wx.SubjectRelationSame
	}
	link.Status.FromAppID, link.Status.ToAppID = from.id, to.id
	setCondition(link, wx.ConditionAdmitted, metav1.ConditionTrue, wx.ReasonWithinQuota, "no platform quota applies to this association type")

	if link.Spec.Type == wx.ChannelsToMiniProgram {
		// No binding API: wxlink reports the derived eligibility.
		link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateActionRequired}
		if same {
			msg := fmt.Sprintf("eligible: Channels account %s and Mini Program %s share the subject %q, so Channels can show the "+
				"Mini Program's products and the Mini Program can open the Channels live room and videos; wxlink cannot observe "+
				"the binding itself (no API)", link.Spec.From.Name, link.Spec.To.Name, from.subject.Name)
			setCondition(link, wx.ConditionLinked, metav1.ConditionTrue, wx.ReasonEligible, msg)
			ready(link, metav1.ConditionTrue, wx.ReasonEligible, msg)
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		msg := fmt.Sprintf("not eligible yet: the Channels account (%q) and the Mini Program (%q) have different subjects; "+
			"the Mini Program's administrator must add the Channels subject as an associated subject (关联主体) on the Mini "+
			"Program's Open Platform account at open.weixin.qq.com, which WeChat reviews by hand", from.subject.Name, to.subject.Name)
		setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
		ready(link, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
		return ctrl.Result{RequeueAfter: r.pending()}, nil
	}

	link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateActionRequired}
	msg := consoleSteps(link, from, to)
	setCondition(link, wx.ConditionLinked, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
	ready(link, metav1.ConditionFalse, wx.ReasonActionRequired, msg)
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

type consoleEnd struct {
	name    string
	id      string
	subject rules.Subject
}

func (r *AssociationLinkReconciler) resolveConsoleEnds(ctx context.Context, link *wx.AssociationLink) (consoleEnd, consoleEnd, error) {
	from, err := r.resolveConsoleEnd(ctx, link.Namespace, link.Spec.From)
	if err != nil {
		return from, consoleEnd{}, err
	}
	to, err := r.resolveConsoleEnd(ctx, link.Namespace, link.Spec.To)
	return from, to, err
}

func (r *AssociationLinkReconciler) resolveConsoleEnd(ctx context.Context, ns string, ref wx.AccountReference) (consoleEnd, error) {
	end := consoleEnd{name: ref.Name}
	switch ref.Kind {
	case wx.KindOfficialAccount:
		o := &wx.OfficialAccount{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = string(o.Spec.AppID), observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindMiniProgram:
		o := &wx.MiniProgram{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = string(o.Spec.AppID), observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindWeComCorp:
		o := &wx.WeComCorp{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = o.Spec.CorpID, observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindChannelsAccount:
		o := &wx.ChannelsAccount{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = o.Spec.FinderID, observedSubject(o.Spec.Subject, o.Status.Subject)
	case wx.KindWeChatStore:
		o := &wx.WeChatStore{}
		if err := getRef(ctx, r.Client, ns, ref.Name, string(ref.Kind), o); err != nil {
			return end, err
		}
		end.id, end.subject = string(o.Spec.AppID), observedSubject(o.Spec.Subject, o.Status.Subject)
	}
	return end, nil
}

// consoleSteps is the exact procedure for an association only a console can make.
func consoleSteps(link *wx.AssociationLink, from, to consoleEnd) string {
	steps := map[wx.AssociationType]string{
		wx.WeComToMiniProgram: "the WeCom administrator opens work.weixin.qq.com → 应用管理 → 小程序 → 关联小程序, and the Mini " +
			"Program's administrator scans the authorisation QR code once; then set the visibility scope to " +
			visibilityText(link) + ". Only a Mini Program released on WeChat runs in WeCom",
		wx.StoreToChannels: "the store's administrator opens the WeChat Store console (store.weixin.qq.com) → 店铺管理 → " +
			"视频号管理 and binds the Channels account; it needs an enterprise-verified Channels account with the product showcase (商品橱窗)",
		wx.StoreToOfficialAccount: "the store's administrator opens the WeChat Store console → 合作账号 → 公众号 and invites the " +
			"Official Account; its administrator accepts the invitation by hand",
		wx.StoreToMiniProgram: "the store's administrator opens the WeChat Store console → 合作账号 → 小程序 and invites the Mini " +
			"Program; its administrator accepts the invitation by hand",
		wx.StoreToWeCom: "the store's administrator opens the WeChat Store console → 合作账号 → 企业微信 and binds the corp",
	}
	return fmt.Sprintf("action required: %s associates %s (%s) with %s (%s) in a console only: %s. wxlink does not "+
		"observe this association through the API yet", link.Spec.Type, from.name, from.id, to.name, to.id, steps[link.Spec.Type])
}

func visibilityText(link *wx.AssociationLink) string {
	if link.Spec.WeCom == nil {
		return "the members who should see it"
	}
	v := link.Spec.WeCom.Visibility
	var parts []string
	if len(v.Departments) > 0 {
		parts = append(parts, fmt.Sprintf("departments %v", v.Departments))
	}
	if len(v.Users) > 0 {
		parts = append(parts, fmt.Sprintf("users %v", v.Users))
	}
	if len(v.Tags) > 0 {
		parts = append(parts, fmt.Sprintf("tags %v", v.Tags))
	}
	return strings.Join(parts, ", ")
}

// SetupWithManager registers the reconciler, its indexes and its watches.
func (r *AssociationLinkReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &wx.AssociationLink{}, indexLinkFrom, func(o client.Object) []string {
		return []string{refKey(o.(*wx.AssociationLink).Spec.From)}
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &wx.AssociationLink{}, indexLinkTo, func(o client.Object) []string {
		return []string{refKey(o.(*wx.AssociationLink).Spec.To)}
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &wx.MiniProgram{}, indexMiniProgramAppID, func(o client.Object) []string {
		return []string{string(o.(*wx.MiniProgram).Spec.AppID)}
	}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.AssociationLink{}).
		Named("associationlink").
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		// An account that becomes Ready (or changes subject) lets its links proceed.
		Watches(&wx.OfficialAccount{}, handler.EnqueueRequestsFromMapFunc(r.linksOf(wx.KindOfficialAccount, indexLinkFrom)),
			builder.WithPredicates(readinessChanged())).
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
		list := &wx.AssociationLinkList{}
		if err := r.List(ctx, list, client.InNamespace(o.GetNamespace()),
			client.MatchingFields{index: string(kind) + "/" + o.GetName()}); err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for _, l := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&l)})
		}
		return reqs
	}
}

// queueOf maps a link to every other link of its two owners.
func (r *AssociationLinkReconciler) queueOf(ctx context.Context, o client.Object) []reconcile.Request {
	link := o.(*wx.AssociationLink)
	seen := map[client.ObjectKey]bool{client.ObjectKeyFromObject(link): true}
	var reqs []reconcile.Request
	for _, q := range []struct{ index, key string }{
		{indexLinkFrom, refKey(link.Spec.From)}, {indexLinkTo, refKey(link.Spec.To)},
	} {
		list := &wx.AssociationLinkList{}
		if err := r.List(ctx, list, client.InNamespace(link.Namespace), client.MatchingFields{q.index: q.key}); err != nil {
			continue
		}
		for _, l := range list.Items {
			k := client.ObjectKeyFromObject(&l)
			if !seen[k] {
				seen[k] = true
				reqs = append(reqs, reconcile.Request{NamespacedName: k})
			}
		}
	}
	return reqs
}

// slotFreed passes the link events that can free a quota slot: a deletion (started or finished), and a
// change of platform state (for example to Rejected).
func slotFreed() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*wx.AssociationLink), e.ObjectNew.(*wx.AssociationLink)
			if o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero() {
				return true
			}
			return platformState(o) != platformState(n)
		},
	}
}

// holdsSlot reports whether a link in this platform state holds a quota slot: linked, or waiting for an admin.
func holdsSlot(s wx.LinkState) bool {
	return s == wx.LinkStateLinked || s == wx.LinkStateAwaitingMiniProgramAdmin || s == wx.LinkStateAwaitingOfficialAccountAdmin
}

func platformState(l *wx.AssociationLink) wx.LinkState {
	if l.Status.Platform == nil {
		return ""
	}
	return l.Status.Platform.State
}

// readinessChanged passes account events that can change what its links may do: creation, deletion, a new
// generation, or a change of its Ready condition or observed subject. It filters out the status writes that
// only move counters, which would otherwise fan out to every link of the account.
func readinessChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(conditioned), e.ObjectNew.(conditioned)
			if o.GetGeneration() != n.GetGeneration() || o.GetDeletionTimestamp().IsZero() != n.GetDeletionTimestamp().IsZero() {
				return true
			}
			oc := meta.FindStatusCondition(o.GetStatusBase().Conditions, wx.ConditionReady)
			nc := meta.FindStatusCondition(n.GetStatusBase().Conditions, wx.ConditionReady)
			if (oc == nil) != (nc == nil) || (oc != nil && (oc.Status != nc.Status || oc.Reason != nc.Reason)) {
				return true
			}
			return subjectOf(o) != subjectOf(n)
		},
	}
}

func subjectOf(o client.Object) wx.Subject {
	var s *wx.Subject
	switch a := o.(type) {
	case *wx.OfficialAccount:
		s = a.Status.Subject
	case *wx.MiniProgram:
		s = a.Status.Subject
	}
	if s == nil {
		return wx.Subject{}
	}
	return *s
}

// linkStateChanged passes link events that change an account's counts: creation, deletion, and a change of
// admission or platform state.
func linkStateChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld.(*wx.AssociationLink), e.ObjectNew.(*wx.AssociationLink)
			return platformState(o) != platformState(n) || admissionState(o) != admissionState(n) ||
				o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero()
		},
	}
}

func admissionState(l *wx.AssociationLink) wx.AdmissionState {
	if l.Status.Admission == nil {
		return ""
	}
	return l.Status.Admission.State
}

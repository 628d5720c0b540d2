// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// MiniProgramReconciler observes a Mini Program and reconciles its testers to spec.members.
type MiniProgramReconciler struct {
	client.Client
	// APIReader reads the object uncached: its status maps testers to userstr, and a stale copy could bind a
	// tester twice or forget whom to unbind.
	APIReader client.Reader
	Platforms PlatformProvider
	Observer  *Observer
	Recorder  events.EventRecorder
	Options
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=miniprograms,verbs=get;list;watch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=miniprograms/status,verbs=get;update;patch

// Reconcile observes one Mini Program and binds or unbinds testers.
func (r *MiniProgramReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	mp := &wx.MiniProgram{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, mp); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	orig := mp.DeepCopy()
	var res ctrl.Result
	var err error
	switch {
	case !mp.DeletionTimestamp.IsZero():
		return ctrl.Result{}, nil // testers stay as they are: deleting the object does not unbind people
	case isPaused(mp):
		ready(mp, metav1.ConditionFalse, wx.ReasonPaused,
			"reconciliation is paused: remove the annotation "+wx.PauseAnnotation+" to resume")
	default:
		res, err = r.observe(ctx, mp)
	}
	return finishReconcile(ctx, r.Client, mp, orig, res, err, r.pending())
}

func (r *MiniProgramReconciler) observe(ctx context.Context, mp *wx.MiniProgram) (ctrl.Result, error) {
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, mp.Namespace, mp.Spec.AppID, &mp.Spec.AccountSpec)
	if err != nil {
		return ctrl.Result{}, err
	}
	info, at, err := r.Observer.Describe(ctx, p, acct, r.describeMaxAge(mp))
	if err != nil {
		if reason, terminal := platformErrorReason(err); terminal {
			ready(mp, metav1.ConditionFalse, reason, fmt.Sprintf("the platform refused to describe the account: %v", err))
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		return ctrl.Result{}, err
	}
	mp.Status.ObservedAccount = observedAccount(info, at)
	mp.Status.Released = info.Released
	mp.Status.Username = truncate(info.Username, 64)
	if err := r.linkedBy(ctx, mp); err != nil {
		return ctrl.Result{}, err
	}

	reason, msg, ok := accountHealth(mp, mp.Spec.Subject, mp.Status.Subject, info, r.Recorder)
	if !ok {
		ready(mp, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	if reason, msg, ok := r.members(ctx, mp, p, acct, info); !ok {
		ready(mp, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: r.pending()}, nil
	}
	ready(mp, metav1.ConditionTrue, wx.ReasonAvailable, fmt.Sprintf("observed %q (%s); linked by %s Official Accounts; testers %s",
		info.Nickname, info.Subject.Name, mp.Status.LinkedBy, mp.Status.Members.Testers))
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

// linkedBy counts the cluster's links to this Mini Program that hold a slot on the platform (the platform
// offers no list from the Mini Program's side).
func (r *MiniProgramReconciler) linkedBy(ctx context.Context, mp *wx.MiniProgram) error {
	list := &wx.AssociationLinkList{}
	if err := r.List(ctx, list, client.InNamespace(mp.Namespace),
		client.MatchingFields{indexLinkTo: string(wx.KindMiniProgram) + "/" + mp.Name}); err != nil {
		return err
	}
	n := 0
	for _, l := range list.Items {
		if l.Spec.Type == wx.OfficialAccountToMiniProgram && holdsSlot(platformState(&l)) {
			n++
		}
	}
	mp.Status.LinkedBy = rules.Ratio(n, rules.MiniProgramLinkedByLimit)
	return nil
}

// members binds declared testers that are not bound and unbinds testers wxlink bound that are no longer
// declared. Testers added by hand in the console are left alone (but count against the limit).
func (r *MiniProgramReconciler) members(ctx context.Context, mp *wx.MiniProgram, p platform.Platform, acct platform.Account,
	info *platform.AccountInfo) (string, string, bool) {
	limits := rules.MemberLimitsFor(info.Subject.Type, info.Verification)
	mp.Status.Members.DevelopersLimit = int32(limits.Developers) //nolint:gosec // at most 20
	if mp.Spec.Members == nil {
		mp.Status.Members.Testers = ""
		return "", "", true
	}
	observed, err := r.Observer.Testers(ctx, p, acct, r.describeMaxAge(mp))
	if err != nil {
		return wx.ReasonReconcileError, fmt.Sprintf("listing testers: %v", err), false
	}
	onPlatform := map[string]bool{}
	for _, t := range observed {
		onPlatform[t.UserStr] = true
	}
	desired := map[wx.WeChatID]bool{}
	for _, id := range mp.Spec.Members.Testers {
		desired[id] = true
	}
	if v := rules.CheckMembers(info.Subject.Type, info.Verification, 0, len(desired)); v != nil {
		mp.Status.Members.Testers = rules.Ratio(len(observed), limits.Testers)
		setCondition(mp, wx.ConditionMembersSynced, metav1.ConditionFalse, v.Reason, v.Message)
		return v.Reason, v.Message, false
	}

	bound := map[wx.WeChatID]string{}
	for _, b := range mp.Status.Members.BoundTesters {
		bound[b.WeChatID] = b.UserStr
	}
	var problems, diffs []string
	for _, id := range mp.Spec.Members.Testers {
		if u, ok := bound[id]; ok && (u == "" || onPlatform[u]) {
			continue
		}
		if mp.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly {
			diffs = append(diffs, "missing "+string(id))
			continue
		}
		userStr, err := p.BindTester(ctx, acct, string(id))
		r.Observer.InvalidateTesters(p, acct.AppID)
		if err != nil {
			problems = append(problems, fmt.Sprintf("binding %s: %v", id, err))
			continue
		}
		if userStr != "" || bound[id] == "" { // 85004 (already a tester) may come without a userstr: keep the known one
			bound[id] = userStr
		}
		onPlatform[userStr] = true
		r.Recorder.Eventf(mp, nil, corev1.EventTypeNormal, wx.EventTesterBound, "BindTester", "bound tester %s", id)
	}
	for id, userStr := range bound {
		if desired[id] {
			continue
		}
		if mp.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly {
			diffs = append(diffs, "undeclared "+string(id))
			continue
		}
		if userStr != "" && onPlatform[userStr] {
			err := p.UnbindTester(ctx, acct, userStr)
			r.Observer.InvalidateTesters(p, acct.AppID)
			if err != nil {
				problems = append(problems, fmt.Sprintf("unbinding %s: %v", id, err))
				continue
			}
			delete(onPlatform, userStr)
			r.Recorder.Eventf(mp, nil, corev1.EventTypeNormal, wx.EventTesterUnbound, "UnbindTester", "unbound tester %s", id)
		}
		delete(bound, id)
	}
	mp.Status.Members.BoundTesters = mp.Status.Members.BoundTesters[:0]
	for id, u := range bound {
		mp.Status.Members.BoundTesters = append(mp.Status.Members.BoundTesters, wx.BoundTester{WeChatID: id, UserStr: u})
	}
	sort.Slice(mp.Status.Members.BoundTesters, func(i, j int) bool {
		return mp.Status.Members.BoundTesters[i].WeChatID < mp.Status.Members.BoundTesters[j].WeChatID
	})
	mp.Status.Members.Testers = rules.Ratio(len(onPlatform), limits.Testers)
	switch {
	case len(problems) > 0:
		msg := strings.Join(problems, "; ")
		setCondition(mp, wx.ConditionMembersSynced, metav1.ConditionFalse, wx.ReasonReconcileError, msg)
		return wx.ReasonReconcileError, msg, false
	case len(diffs) > 0:
		msg := "testers differ from spec.members (" + strings.Join(diffs, ", ") + "); managementPolicy ObserveOnly does not change them"
		setCondition(mp, wx.ConditionMembersSynced, metav1.ConditionFalse, wx.ReasonObserveOnly, msg)
		return wx.ReasonObserveOnly, msg, false
	}
	setCondition(mp, wx.ConditionMembersSynced, metav1.ConditionTrue, wx.ReasonAvailable,
		fmt.Sprintf("%d declared testers are bound (%s of the limit)", len(desired), mp.Status.Members.Testers))
	return "", "", true
}

// SetupWithManager registers the reconciler and its watches.
func (r *MiniProgramReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.MiniProgram{}).
		Named("miniprogram").
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		// A link's platform state changes the linked-by count.
		Watches(&wx.AssociationLink{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			l := o.(*wx.AssociationLink)
			if l.Spec.To.Kind != wx.KindMiniProgram {
				return nil
			}
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: l.Namespace, Name: l.Spec.To.Name}}}
		}), builder.WithPredicates(linkStateChanged())).
		Complete(r)
}

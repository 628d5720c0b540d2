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

// Reconcile observes one Mini Program and binds or unbinds testers. Deleting the object does not unbind
// people: testers stay as they are, so the kind holds no finalizer.
func (r *MiniProgramReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.MiniProgram]{
		client: r.Client, reader: r.APIReader, newObj: func() *wx.MiniProgram { return &wx.MiniProgram{} },
		opts: r.Options, reconcile: r.observe,
	}.run(ctx, req)
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
	info, typeDeclared := completeSubject(info, mp.Spec.Subject)
	mp.Status.ObservedAccount = observedAccount(info, at)
	mp.Status.Released = info.Released
	if info.Username != "" { // the OwnSecret route does not report it: keep what another read learnt
		mp.Status.Username = truncate(info.Username, 64)
	}
	if err := r.linkedBy(ctx, mp); err != nil {
		return ctrl.Result{}, err
	}

	reason, msg, ok := accountHealth(mp, mp.Spec.Subject, mp.Status.Subject, info, typeDeclared, r.Recorder)
	if !ok {
		ready(mp, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	if reason, msg, ok := r.members(ctx, mp, p, acct, info); !ok {
		ready(mp, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{RequeueAfter: r.pending()}, nil
	}
	msg = fmt.Sprintf("observed %q (%s); linked by %s Official Accounts", info.Nickname, info.Subject.Name, mp.Status.LinkedBy)
	if used, limit, ok := strings.Cut(mp.Status.Members.Testers, "/"); ok {
		msg += fmt.Sprintf("; %s testers of the %s its subject allows", used, limit)
	}
	ready(mp, metav1.ConditionTrue, wx.ReasonAvailable, msg)
	return ctrl.Result{RequeueAfter: r.poll()}, nil
}

// linkedBy counts the Official Accounts linked to this Mini Program (or awaiting an admin): those whose
// platform list shows it (links made in the console included), and those whose cluster link holds a slot
// (requested moments ago, not listed yet). The platform offers no list from the Mini Program's side, so
// Official Accounts outside the cluster are not counted.
func (r *MiniProgramReconciler) linkedBy(ctx context.Context, mp *wx.MiniProgram) error {
	oas := map[string]bool{}
	for _, id := range []string{string(mp.Spec.AppID), originalID(mp)} {
		if id == "" {
			continue
		}
		list := &wx.OfficialAccountList{}
		if err := r.List(ctx, list, client.InNamespace(mp.Namespace), client.MatchingFields{indexLinkedMiniProgram: id}); err != nil {
			return err
		}
		for _, oa := range list.Items {
			oas[oa.Name] = true
		}
	}
	links, err := linksByIndex(ctx, r.Client, mp.Namespace, indexLinkTo, string(wx.KindMiniProgram)+"/"+mp.Name)
	if err != nil {
		return err
	}
	queued := int32(0)
	for _, l := range links {
		if l.Spec.Type == wx.OfficialAccountToMiniProgram && holdsSlot(platformState(&l)) {
			oas[l.Spec.From.Name] = true
		}
		if queuedBy(&l) == wx.KindMiniProgram {
			queued++
		}
	}
	mp.Status.LinkedBy = rules.Ratio(len(oas), rules.MiniProgramLinkedByLimit)
	r.metrics.observeQuota(mp.Namespace, string(wx.KindMiniProgram), mp.Name, "linked_by", len(oas), rules.MiniProgramLinkedByLimit)
	r.metrics.observeQueued(mp.Namespace, wx.KindMiniProgram, mp.Name, queued)
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
	ts := &testerSync{mp: mp, p: p, acct: acct, onPlatform: map[string]bool{}, desired: map[wx.WeChatID]bool{},
		bound: map[wx.WeChatID]string{}, limit: limits.Testers}
	for _, t := range observed {
		ts.onPlatform[t.UserStr] = true
	}
	for _, id := range mp.Spec.Members.Testers {
		ts.desired[id] = true
	}
	if v := rules.CheckMembers(info.Subject.Type, info.Verification, 0, len(ts.desired)); v != nil {
		mp.Status.Members.Testers = rules.Ratio(len(observed), limits.Testers)
		setCondition(mp, wx.ConditionMembersSynced, metav1.ConditionFalse, v.Reason, v.Message)
		return v.Reason, v.Message, false
	}
	for _, b := range mp.Status.Members.BoundTesters {
		ts.bound[b.WeChatID] = b.UserStr
	}
	r.bindMissing(ctx, ts)
	r.unbindUndeclared(ctx, ts)
	ts.record()
	mp.Status.Members.Testers = rules.Ratio(len(ts.onPlatform), limits.Testers)
	return ts.outcome()
}

// testerSync is one reconcile of a Mini Program's testers: what the platform lists (by userstr), what the
// spec declares, and the WeChat ID -> userstr map of the testers wxlink bound.
type testerSync struct {
	mp              *wx.MiniProgram
	p               platform.Platform
	acct            platform.Account
	onPlatform      map[string]bool
	desired         map[wx.WeChatID]bool
	bound           map[wx.WeChatID]string
	limit           int
	problems, diffs []string
}

// bindMissing binds every declared tester that wxlink has not bound, or whose binding is gone.
func (r *MiniProgramReconciler) bindMissing(ctx context.Context, ts *testerSync) {
	for _, id := range ts.mp.Spec.Members.Testers {
		if u, ok := ts.bound[id]; ok && (u == "" || ts.onPlatform[u]) {
			continue
		}
		if ts.mp.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly {
			ts.diffs = append(ts.diffs, "missing "+string(id))
			continue
		}
		var userStr string
		err := r.Observer.AfterWrite(ts.p, ts.acct.AppID, func() (err error) {
			userStr, err = ts.p.BindTester(ctx, ts.acct, string(id))
			return err
		})
		if err != nil {
			ts.problems = append(ts.problems, fmt.Sprintf("binding %s: %v", id, err))
			continue
		}
		if userStr != "" || ts.bound[id] == "" { // 85004 (already a tester) may come without a userstr: keep the known one
			ts.bound[id] = userStr
		}
		ts.onPlatform[userStr] = true
		r.Recorder.Eventf(ts.mp, nil, corev1.EventTypeNormal, wx.EventTesterBound, "BindTester", "bound tester %s", id)
	}
}

// unbindUndeclared unbinds the testers wxlink bound that the spec no longer declares.
func (r *MiniProgramReconciler) unbindUndeclared(ctx context.Context, ts *testerSync) {
	for id, userStr := range ts.bound {
		if ts.desired[id] {
			continue
		}
		if ts.mp.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly {
			ts.diffs = append(ts.diffs, "undeclared "+string(id))
			continue
		}
		if userStr == "" || ts.onPlatform[userStr] {
			err := r.Observer.AfterWrite(ts.p, ts.acct.AppID, func() error {
				return ts.p.UnbindTester(ctx, ts.acct, platform.TesterRef{WeChatID: string(id), UserStr: userStr})
			})
			if err != nil {
				ts.problems = append(ts.problems, fmt.Sprintf("unbinding %s: %v", id, err))
				continue
			}
			delete(ts.onPlatform, userStr)
			r.Recorder.Eventf(ts.mp, nil, corev1.EventTypeNormal, wx.EventTesterUnbound, "UnbindTester", "unbound tester %s", id)
		}
		delete(ts.bound, id)
	}
}

// record writes the WeChat ID -> userstr map into status, sorted.
func (ts *testerSync) record() {
	m := &ts.mp.Status.Members
	m.BoundTesters = m.BoundTesters[:0]
	for id, u := range ts.bound {
		m.BoundTesters = append(m.BoundTesters, wx.BoundTester{WeChatID: id, UserStr: u})
	}
	sort.Slice(m.BoundTesters, func(i, j int) bool { return m.BoundTesters[i].WeChatID < m.BoundTesters[j].WeChatID })
}

// outcome sets MembersSynced and says whether the testers match the spec.
func (ts *testerSync) outcome() (string, string, bool) {
	switch {
	case len(ts.problems) > 0:
		msg := strings.Join(ts.problems, "; ")
		setCondition(ts.mp, wx.ConditionMembersSynced, metav1.ConditionFalse, wx.ReasonReconcileError, msg)
		return wx.ReasonReconcileError, msg, false
	case len(ts.diffs) > 0:
		msg := "testers differ from spec.members (" + strings.Join(ts.diffs, ", ") + "); managementPolicy ObserveOnly does not change them"
		setCondition(ts.mp, wx.ConditionMembersSynced, metav1.ConditionFalse, wx.ReasonObserveOnly, msg)
		return wx.ReasonObserveOnly, msg, false
	}
	setCondition(ts.mp, wx.ConditionMembersSynced, metav1.ConditionTrue, wx.ReasonAvailable,
		fmt.Sprintf("the %d declared testers are bound; the Mini Program has %d testers of the %d its subject allows",
			len(ts.desired), len(ts.onPlatform), ts.limit))
	return "", "", true
}

// SetupWithManager registers the reconciler and its watches.
func (r *MiniProgramReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.MiniProgram{}, builder.WithPredicates(declaredChanged())).
		Named("miniprogram").
		WithOptions(r.controllerOptions()).
		// A link's platform state changes the linked-by count; a burst of changes is counted once (ownerRecount).
		Watches(&wx.AssociationLink{}, recountAfterABurst(linkOwner(wx.KindMiniProgram, true)),
			builder.WithPredicates(linkStateChanged())).
		// An Official Account whose platform list changes (a link made or removed in the console) changes the
		// linked-by count of the Mini Programs that entered or left it.
		Watches(&wx.OfficialAccount{}, linkedMiniProgramsChanges(r.byPlatformIDs),
			builder.WithPredicates(linkedMiniProgramsChanged())).
		Complete(r)
}

// byPlatformIDs names the Mini Programs of the namespace that the given platform list entries (AppIDs, or
// original IDs in an AppID-less list) declare.
func (r *MiniProgramReconciler) byPlatformIDs(ctx context.Context, ns string, ids []string) []reconcile.Request {
	var reqs []reconcile.Request
	for _, id := range ids {
		for _, index := range []string{indexMiniProgramAppID, indexMiniProgramOriginalID} {
			list := &wx.MiniProgramList{}
			if err := r.List(ctx, list, client.InNamespace(ns), client.MatchingFields{index: id}); err != nil {
				continue
			}
			for _, mp := range list.Items {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&mp)})
			}
		}
	}
	return reqs
}

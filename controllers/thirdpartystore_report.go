// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// bindingConditions are the condition type of each binding kind's prerequisites.
var bindingConditions = map[wx.StoreBindingKind]string{
	wx.StoreBindingMiniProgram:     wx.ConditionMiniProgramPrerequisitesMet,
	wx.StoreBindingOfficialAccount: wx.ConditionOfficialAccountPrerequisitesMet,
	wx.StoreBindingChannelsAccount: wx.ConditionChannelsPrerequisitesMet,
}

// checkBindings checks the WeChat-side prerequisites of every bound account (rules.CheckStoreBinding), each
// kind as its own condition, and keeps the first unmet one for Ready.
func (r *ThirdPartyStoreReconciler) checkBindings(ctx context.Context, s *shopScope) (bool, error) {
	unmet := map[wx.StoreBindingKind][]string{}
	reasons := map[wx.StoreBindingKind]string{}
	for _, b := range s.tps.Spec.Bindings {
		facts, err := r.bindingFacts(ctx, s.tps.Namespace, b)
		var reason, msg string
		if d, ok := asDependency(err); ok {
			reason, msg = d.reason, d.message
		} else if err != nil {
			return true, err
		} else if v := rules.CheckStoreBinding(facts); v != nil {
			reason, msg = v.Reason, v.Message
		}
		if reason == "" {
			continue
		}
		unmet[b.Kind] = append(unmet[b.Kind], msg)
		if reasons[b.Kind] == "" {
			reasons[b.Kind] = reason
		}
		if s.unmet[0] == "" {
			s.unmet = [2]string{reason, msg}
		}
	}
	for kind, condType := range bindingConditions {
		if !bindsKind(s.tps, kind) {
			meta.RemoveStatusCondition(&s.tps.Status.Conditions, condType)
			continue
		}
		if len(unmet[kind]) > 0 {
			setCondition(s.tps, condType, metav1.ConditionFalse, reasons[kind], strings.Join(unmet[kind], "; "))
			continue
		}
		setCondition(s.tps, condType, metav1.ConditionTrue, wx.ReasonPrerequisitesMet,
			fmt.Sprintf("every bound %s meets the store's WeChat-side prerequisites", kind))
	}
	return false, nil
}

func bindsKind(tps *wx.ThirdPartyStore, kind wx.StoreBindingKind) bool {
	for _, b := range tps.Spec.Bindings {
		if b.Kind == kind {
			return true
		}
	}
	return false
}

// bindingFacts reads one bound account, which must exist and be Ready, into the rules' facts.
func (r *ThirdPartyStoreReconciler) bindingFacts(ctx context.Context, ns string, b wx.StoreBinding) (rules.StoreBindingFacts, error) {
	f := rules.StoreBindingFacts{Kind: rules.StoreBindingKind(b.Kind), Name: b.Name}
	var obj conditioned
	switch b.Kind {
	case wx.StoreBindingMiniProgram:
		mp := &wx.MiniProgram{}
		obj = mp
		if err := getRef(ctx, r.Client, ns, b.Name, string(b.Kind), mp); err != nil {
			return f, err
		}
		f.Verified, f.Released = mp.Status.Verification == wx.VerificationVerified, mp.Status.Released
	case wx.StoreBindingOfficialAccount:
		oa := &wx.OfficialAccount{}
		obj = oa
		if err := getRef(ctx, r.Client, ns, b.Name, string(b.Kind), oa); err != nil {
			return f, err
		}
		f.Verified = oa.Status.Verification == wx.VerificationVerified
		// The observed type, else the declared one (the OwnSecret route observes none); nil when neither says.
		if t := wx.OfficialAccountType(cmp.Or(string(oa.Status.AccountType), string(oa.Spec.AccountType))); t != "" {
			service := t == wx.OfficialAccountService
			f.ServiceAccount = &service
		}
	default:
		ch := &wx.ChannelsAccount{}
		obj = ch
		if err := getRef(ctx, r.Client, ns, b.Name, string(b.Kind), ch); err != nil {
			return f, err
		}
		subj := observedSubject(ch.Spec.Subject, ch.Status.Subject)
		f.Enterprise, f.Showcase = subj.Type == rules.SubjectEnterprise, ch.Status.ShowcaseEnabled
	}
	f.ConsoleConfirmed = b.ConfirmedInConsole != nil
	if ok, c := isReady(obj); !ok {
		return f, notReady(string(b.Kind), ns, b.Name, c)
	}
	return f, nil
}

// reportShop decides Ready from this reconcile's outcome, in order: a terminal refusal by the platform, a
// failing streak at the threshold, a refused publication, an unmet prerequisite; otherwise Ready. A failure
// below the threshold is Synced=False only (Ready stays as it was) and is retried soon.
func (r *ThirdPartyStoreReconciler) reportShop(_ context.Context, s *shopScope) (bool, error) {
	st := &s.tps.Status
	wasFailing := st.ConsecutiveFailures >= threshold(s.tps)
	now := r.now()
	if !s.checked && s.failure == nil && st.LastError != "" {
		// A failing store whose API this reconcile did not call: its streak and Ready stand until the retry.
		s.result = ctrl.Result{RequeueAfter: max(st.LastCheckTime.Add(r.checkInterval(s.tps)).Sub(now), time.Second)}
		return true, nil
	}
	if s.checked {
		st.LastCheckTime = &metav1.Time{Time: now}
	}
	switch {
	case s.failure != nil && (st.LastCountedFailureTime == nil || !now.Before(st.LastCountedFailureTime.Add(r.PollInterval))):
		st.ConsecutiveFailures++ // at most one per poll interval: the streak spans polls
		st.LastCountedFailureTime = &metav1.Time{Time: now}
		st.LastError = truncate(s.failure.Error(), 1024)
	case s.failure != nil:
		st.ConsecutiveFailures = max(st.ConsecutiveFailures, 1)
		st.LastError = truncate(s.failure.Error(), 1024)
	default:
		st.ConsecutiveFailures, st.LastError, st.LastCountedFailureTime = 0, "", nil
	}
	r.Metrics.observeStoreFailures(s.tps.Namespace, s.tps.Name, string(s.tps.Spec.Provider), int(st.ConsecutiveFailures))
	failing := st.ConsecutiveFailures >= threshold(s.tps)
	s.result = ctrl.Result{RequeueAfter: r.nextShopCheck(s)}
	switch {
	case s.failure != nil && (s.terminal || failing):
		r.shopFailing(s, wasFailing)
	case s.failure != nil:
		syncFailed(s.tps, fmt.Errorf("%w (failed poll %d of %d in a row before the store is reported not Ready; "+
			"retried meanwhile)", s.failure, st.ConsecutiveFailures, threshold(s.tps)))
		s.result = ctrl.Result{RequeueAfter: r.checkInterval(s.tps)}
	case s.publishRefused != nil:
		ready(s.tps, metav1.ConditionFalse, wx.ReasonTokenPublicationFailed, s.publishRefused.Error())
	case s.unmet[0] != "":
		ready(s.tps, metav1.ConditionFalse, s.unmet[0], s.unmet[1])
	default:
		ready(s.tps, metav1.ConditionTrue, wx.ReasonAvailable, shopAvailable(s))
	}
	if s.failure == nil && (wasFailing || s.wasFailing) {
		r.Recorder.Eventf(s.tps, nil, corev1.EventTypeNormal, wx.EventStoreRecovered, "Check",
			"the %s API answers again", s.tps.Spec.Provider)
	}
	return true, nil
}

// shopFailing reports a terminal refusal, or a streak at the threshold: Ready=False with the platform's
// answer, and an Event when the store starts failing (or the answer changes).
func (r *ThirdPartyStoreReconciler) shopFailing(s *shopScope, wasFailing bool) {
	reason, msg := wx.ReasonStoreAPIFailing, fmt.Sprintf("%d token renewals or health checks failed in a row "+
		"(failureThreshold %d); the last: %v", s.tps.Status.ConsecutiveFailures, threshold(s.tps), s.failure)
	if s.terminal {
		reason, msg = s.failReason, fmt.Sprintf("the %s platform refused: %v; wxlink asks again at the next poll", s.tps.Spec.Provider, s.failure)
	}
	if prev := meta.FindStatusCondition(s.tps.Status.Conditions, wx.ConditionReady); !wasFailing || prev == nil || prev.Reason != reason {
		r.Recorder.Eventf(s.tps, nil, corev1.EventTypeWarning, wx.EventStoreFailing, "Check", "%s", msg)
	}
	ready(s.tps, metav1.ConditionFalse, reason, msg)
	s.result = ctrl.Result{RequeueAfter: r.poll()}
}

func threshold(tps *wx.ThirdPartyStore) int32 {
	if tps.Spec.FailureThreshold > 0 {
		return tps.Spec.FailureThreshold
	}
	return 3
}

// nextShopCheck is the next poll, or the token's refresh instant when it comes first.
func (r *ThirdPartyStoreReconciler) nextShopCheck(s *shopScope) time.Duration {
	next := r.poll()
	if s.token.Value != "" {
		next = min(next, max(ceilSecond(s.token.RefreshAt()).Sub(r.now()), time.Second))
	}
	return next
}

func shopAvailable(s *shopScope) string {
	name := s.tps.Status.ShopName
	if name == "" {
		name = s.tps.Spec.ShopID
	}
	msg := fmt.Sprintf("%s shop %q: the access token is valid until %s and the API answers", s.tps.Spec.Provider, name,
		s.token.ExpiresAt.UTC().Format(time.RFC3339))
	if tp := s.tps.Spec.TokenPublication; tp != nil {
		msg += fmt.Sprintf("; published in Secret %s", tp.SecretName)
	}
	if n := len(s.tps.Spec.Bindings); n > 0 {
		msg += fmt.Sprintf("; the bound accounts (%d) meet the WeChat-side prerequisites", n)
	}
	return msg
}

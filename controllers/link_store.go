// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// storeScope is everything one reconcile of a WeChat Store partner link (StoreToOfficialAccount,
// StoreToMiniProgram) works on. The phases fill it in order: resolve → observe → invite → report.
type storeScope struct {
	link *wx.AssociationLink

	// resolve: the store, its platform client and credential, and the partner as the platform names it.
	store       *wx.WeChatStore
	partnerName string
	p           platform.Platform
	acct        platform.Account
	sharer      platform.StoreSharer

	// observe: the platform's record of the pair; wasLinked: the link was bound when the reconcile began.
	entry     platform.StorePartner
	found     bool
	wasLinked bool

	// invite: what the record means, and whether wxlink invites now (internal/rules).
	step rules.PartnerStep

	result        ctrl.Result
	holdFinalizer bool
}

// A storePhase is one named step of a store partner link's reconcile.
type storePhase = phase[*storeScope]

func (s *storeScope) resultOf() ctrl.Result { return s.result }

// isStorePartner reports whether links of type t are WeChat Store partner links, made through the API.
func isStorePartner(t wx.AssociationType) bool {
	return t == wx.StoreToOfficialAccount || t == wx.StoreToMiniProgram
}

// reconcileStoreLink runs the phases of a WeChat Store partner link, in order.
func (r *AssociationLinkReconciler) reconcileStoreLink(ctx context.Context, link *wx.AssociationLink) (ctrl.Result, error) {
	s := &storeScope{link: link}
	return runScope(ctx, s, r.resolveStore, r.refuseDuplicateStore, r.observeStore, r.inviteStore, r.reportStore)
}

// storeLinks lists the live links of the store named by link.spec.from, other than link itself, oldest first.
func storeLinks(ctx context.Context, c client.Reader, link *wx.AssociationLink) ([]wx.AssociationLink, error) {
	all, err := linksByIndex(ctx, c, link.Namespace, indexLinkFrom, refKey(link.Spec.From))
	if err != nil {
		return nil, err
	}
	out := make([]wx.AssociationLink, 0, len(all))
	for _, l := range all {
		if l.UID != link.UID && isStorePartner(l.Spec.Type) && l.DeletionTimestamp.IsZero() {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return olderFirst(&out[i], &out[j]) })
	return out, nil
}

// refuseDuplicateStore ends the reconcile of a store link that an older live link already declares (the
// same store and partner): the duplicate does nothing, and never invites, cancels or unbinds.
func (r *AssociationLinkReconciler) refuseDuplicateStore(ctx context.Context, s *storeScope) (bool, error) {
	siblings, err := storeLinks(ctx, r.Client, s.link)
	if err != nil {
		return true, err
	}
	for i := range siblings {
		o := &siblings[i]
		if o.Spec.To == s.link.Spec.To && olderFirst(o, s.link) {
			msg := fmt.Sprintf("AssociationLink %s already declares %s -> %s; this duplicate does nothing (and never "+
				"cancels or unbinds): delete it", o.Name, s.link.Spec.From.Name, s.link.Spec.To.Name)
			setCondition(s.link, wx.ConditionAdmitted, metav1.ConditionFalse, wx.ReasonDuplicateLink, msg)
			ready(s.link, metav1.ConditionFalse, wx.ReasonDuplicateLink, msg)
			return true, nil
		}
	}
	return false, nil
}

// resolveStore reads the store, which must be Ready, its client and credential, and the partner, which must
// be Ready too (its original ID is observed).
func (r *AssociationLinkReconciler) resolveStore(ctx context.Context, s *storeScope) (bool, error) {
	link, ns := s.link, s.link.Namespace
	s.store = &wx.WeChatStore{}
	if err := getRef(ctx, r.Client, ns, link.Spec.From.Name, string(wx.KindWeChatStore), s.store); err != nil {
		return true, err
	}
	if ok, c := isReady(s.store); !ok {
		return true, notReady(string(wx.KindWeChatStore), ns, s.store.Name, c)
	}
	partner, err := r.resolvePartner(ctx, link)
	if err != nil {
		return true, err
	}
	if s.p, s.acct, err = accountFor(ctx, r.Client, r.Platforms, ns, s.store.Spec.AppID, &s.store.Spec.AccountSpec); err != nil {
		return true, err
	}
	s.partnerName, s.sharer = partner.name, platform.StoreSharer{ID: partner.sharerID, Type: sharerType(link)}
	link.Status.FromAppID, link.Status.ToAppID, link.Status.PartnerID = string(s.store.Spec.AppID), partner.appID, partner.sharerID
	link.Status.SubjectRelation = wx.SubjectRelationOther
	if rules.SameSubject(observedSubject(s.store.Spec.Subject, s.store.Status.Subject), partner.subject) {
		link.Status.SubjectRelation = wx.SubjectRelationSame
	}
	link.Status.Admission = nil
	setCondition(link, wx.ConditionAdmitted, metav1.ConditionTrue, wx.ReasonWithinQuota,
		"the WeChat Store docs state no limit on partner accounts")
	s.wasLinked = platformState(link) == wx.LinkStateLinked
	return false, nil
}

// storePartnerEnd is the partner of a store link as the platform names it.
type storePartnerEnd struct {
	name, appID, sharerID string
	subject               rules.Subject
}

// resolvePartner reads the link's partner account, which must be Ready. sharer_id is the original ID (gh_…)
// of an Official Account, observed from the platform, and the AppID of a Mini Program.
func (r *AssociationLinkReconciler) resolvePartner(ctx context.Context, link *wx.AssociationLink) (storePartnerEnd, error) {
	ns, name := link.Namespace, link.Spec.To.Name
	if link.Spec.Type == wx.StoreToMiniProgram {
		mp := &wx.MiniProgram{}
		if err := getRef(ctx, r.Client, ns, name, string(wx.KindMiniProgram), mp); err != nil {
			return storePartnerEnd{}, err
		}
		if ok, c := isReady(mp); !ok {
			return storePartnerEnd{}, notReady(string(wx.KindMiniProgram), ns, name, c)
		}
		return storePartnerEnd{name: "Mini Program " + name, appID: string(mp.Spec.AppID), sharerID: string(mp.Spec.AppID),
			subject: observedSubject(mp.Spec.Subject, mp.Status.Subject)}, nil
	}
	oa := &wx.OfficialAccount{}
	if err := getRef(ctx, r.Client, ns, name, string(wx.KindOfficialAccount), oa); err != nil {
		return storePartnerEnd{}, err
	}
	if ok, c := isReady(oa); !ok {
		return storePartnerEnd{}, notReady(string(wx.KindOfficialAccount), ns, name, c)
	}
	gh := cmp.Or(oa.Status.Username, oa.Spec.OriginalID)
	if gh == "" {
		return storePartnerEnd{}, &dependencyError{wx.ReasonOriginalIDRequired, fmt.Sprintf("a WeChat Store names its "+
			"partner Official Account by its original ID, which the platform has not reported for OfficialAccount %s/%s "+
			"(the OwnSecret route does not): set its spec.originalID (gh_ and 12 hexadecimal characters, shown at "+
			"mp.weixin.qq.com → 设置与开发 → 公众号设置 → 原始ID)", ns, name)}
	}
	return storePartnerEnd{name: "Official Account " + name, appID: string(oa.Spec.AppID), sharerID: gh,
		subject: observedSubject(oa.Spec.Subject, oa.Status.Subject)}, nil
}

// sharerType is the link's sharer_type: spec.store.sharerType, else the docs' default for the partner's kind.
func sharerType(link *wx.AssociationLink) int {
	if o := link.Spec.Store; o != nil && o.SharerType != nil {
		return int(*o.SharerType)
	}
	if link.Spec.Type == wx.StoreToMiniProgram {
		return rules.SharerTypeMiniProgram
	}
	return rules.SharerTypeOfficialAccount
}

// observeStore reads the platform's record of the pair (cooperation/invitation/get). A record made under
// the sharer_type status.partnerSharerType records, still bound or waiting, stays the link's (a change of
// spec.store.sharerType would otherwise orphan it); status records the type of the record observed.
func (r *AssociationLinkReconciler) observeStore(ctx context.Context, s *storeScope) (bool, error) {
	callCtx, cancel := r.lockedCall(ctx)
	defer cancel()
	link := s.link
	if t := link.Status.PartnerSharerType; t != nil && int(*t) != s.sharer.Type && link.Status.PartnerID == s.sharer.ID {
		held := platform.StoreSharer{ID: s.sharer.ID, Type: int(*t)}
		e, found, err := s.p.GetStorePartner(callCtx, s.acct, held)
		if err != nil {
			return true, err
		}
		if found && (e.Status == platform.PartnerAccepting || e.Status == platform.PartnerBound) {
			s.sharer, s.entry, s.found = held, e, found
			return false, nil
		}
	}
	var err error
	s.entry, s.found, err = s.p.GetStorePartner(callCtx, s.acct, s.sharer)
	if err != nil {
		return true, err
	}
	t := int32(s.sharer.Type) //nolint:gosec // sharer types are small
	link.Status.PartnerSharerType = &t
	return false, nil
}

// askedThisGeneration reports whether wxlink invited the partner at the link's current generation. A
// refusal of the call itself (Refused) counts for a poll interval only, then wxlink asks again.
func (r *AssociationLinkReconciler) askedThisGeneration(link *wx.AssociationLink) bool {
	p := link.Status.Platform
	if p == nil || p.RequestedTime == nil || p.RequestedGeneration != link.Generation {
		return false
	}
	return p.State != wx.LinkStateRefused || r.now().Before(p.RequestedTime.Add(r.PollInterval))
}

// inviteStore decides the next step (rules.NextPartnerStep) and, when it is an invitation, sends it,
// recorded as pending (with the finalizer, in one patch) before the call, then reads the record it made.
func (r *AssociationLinkReconciler) inviteStore(ctx context.Context, s *storeScope) (bool, error) {
	link := s.link
	facts := rules.PartnerFacts{Listed: s.found, Status: int(s.entry.Status), AskedThisGeneration: r.askedThisGeneration(link),
		EndedSinceAsked: endedSinceAsked(link, s.entry), Superseded: superseded(link.Status.Platform, s),
		ReinviteAfterTimeout: link.Spec.Store != nil && link.Spec.Store.ReinviteAfterTimeout,
		ObserveOnly:          link.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly}
	if s.step = rules.NextPartnerStep(facts); !s.step.Invite {
		return false, nil
	}
	if s.wasLinked {
		r.Recorder.Eventf(link, nil, corev1.EventTypeWarning, wx.EventDriftDetected, "Observe",
			"the partner account is no longer bound to the store (status %d)", s.entry.Status)
	}
	var over *int32
	if s.found && rules.Answered(int(s.entry.Status)) {
		st := int32(s.entry.Status) //nolint:gosec // platform status codes are small
		over = &st                  // the answered record this invitation supersedes
	}
	now := metav1.NewTime(r.now().Truncate(time.Second))
	if err := r.recordStoreIntent(ctx, link, now, s.sharer); err != nil {
		return true, err
	}
	callCtx, cancel := r.lockedCall(ctx)
	defer cancel()
	qr, err := s.p.InviteStorePartner(callCtx, s.acct, s.sharer)
	if err != nil && !platform.HasCode(err, platform.CodeInvalidTransition) {
		return true, r.inviteFailed(ctx, s, now, err)
	}
	// 788191005: an invitation is already waiting, or the partner is bound (made meanwhile): read it.
	link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateNotLinked, RequestedTime: &now,
		RequestedGeneration: link.Generation, InvitationQRCode: qr, SupersededStatus: over}
	if err == nil {
		r.Recorder.Eventf(link, nil, corev1.EventTypeNormal, wx.EventPartnerInvited, "Invite",
			"invited %s (%s) as a partner account of WeChat Store %s", s.partnerName, s.sharer.ID, s.store.Spec.AppID)
	}
	if s.entry, s.found, err = s.p.GetStorePartner(callCtx, s.acct, s.sharer); err != nil {
		return true, err
	}
	facts.Listed, facts.Status, facts.AskedThisGeneration, facts.EndedSinceAsked = s.found, int(s.entry.Status), true, false
	facts.Superseded = superseded(link.Status.Platform, s)
	s.step = rules.NextPartnerStep(facts)
	return false, nil
}

// superseded reports whether wxlink invited again over the record as it still is (status.platform.
// supersededStatus): that invitation has not been answered.
func superseded(p *wx.PlatformLinkStatus, s *storeScope) bool {
	return p != nil && p.SupersededStatus != nil && s.found && int(*p.SupersededStatus) == int(s.entry.Status)
}

// endedSinceAsked reports whether the record was unbound or cancelled at or after wxlink's last invitation.
func endedSinceAsked(link *wx.AssociationLink, e platform.StorePartner) bool {
	p := link.Status.Platform
	if p == nil || p.RequestedTime == nil {
		return false
	}
	ended := e.UnbindTime
	if e.Status == platform.PartnerCancelled {
		ended = e.CancelTime
	}
	return !ended.IsZero() && !ended.Before(p.RequestedTime.Time)
}

// recordStoreIntent writes, before the invitation, that wxlink is about to send it, with the finalizer that
// lets a deletion cancel or unbind what it makes, in one optimistic-lock patch of the link's metadata.
// The partner's sharer_id and sharer_type go with it (AnnotationStorePartner), for a deletion that comes
// before the status write.
func (r *AssociationLinkReconciler) recordStoreIntent(ctx context.Context, link *wx.AssociationLink, now metav1.Time,
	sharer platform.StoreSharer) error {
	return r.patchMetadata(ctx, link, true, func(annotations map[string]string) {
		controllerutil.AddFinalizer(link, wx.Finalizer)
		annotations[wx.AnnotationRequestPending] = now.UTC().Format(time.RFC3339)
		annotations[wx.AnnotationStorePartner] = strconv.Itoa(sharer.Type) + "/" + sharer.ID
		delete(annotations, wx.AnnotationRequestListed)
	})
}

// inviteFailed turns a refused invitation into status (terminal for a poll interval), or returns the error
// for backoff. An answered refusal made nothing: the record of the intent is cleared.
func (r *AssociationLinkReconciler) inviteFailed(ctx context.Context, s *storeScope, now metav1.Time, err error) error {
	pe, ok := platform.As(err)
	if !ok || pe.Class != platform.ClassTerminal {
		return err
	}
	if cerr := r.clearIntent(ctx, &linkScope{link: s.link}); cerr != nil {
		return cerr
	}
	msg := fmt.Sprintf("the platform refused to invite %s (sharer_id %s, sharer_type %d) as a partner of WeChat Store %s: %v; "+
		"wxlink asks again when the spec changes, or after %s", s.partnerName, s.sharer.ID, s.sharer.Type, s.store.Spec.AppID,
		err, now.Add(r.PollInterval).UTC().Format(time.RFC3339))
	s.link.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused, RequestedTime: &now,
		RequestedGeneration: s.link.Generation}
	setCondition(s.link, wx.ConditionLinked, metav1.ConditionFalse, pe.Reason, msg)
	ready(s.link, metav1.ConditionFalse, pe.Reason, msg)
	r.Recorder.Eventf(s.link, nil, corev1.EventTypeWarning, wx.EventRuleViolation, "Invite", "%s", msg)
	s.result = ctrl.Result{RequeueAfter: r.PollInterval}
	return nil
}

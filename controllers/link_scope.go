// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// linkScope is everything one reconcile of an Official Account -> Mini Program link works on, the way
// cluster-api's machine scope is. The phases fill it in order (resolve → observe → admit → request →
// report) and each reads only what the phases before it filled in.
type linkScope struct {
	link *wx.AssociationLink

	// resolve: the two ends, the platform client and the Official Account's credential, the subjects, and
	// the Official Account's other links (oldest first). release lets go of the owners' locks.
	oa       *wx.OfficialAccount
	mp       *wx.MiniProgram
	p        platform.Platform
	oaAcct   platform.Account
	oaSubj   rules.Subject
	mpSubj   rules.Subject
	siblings []wx.AssociationLink
	release  []func()

	// observe: the Official Account's links on the platform, and this link's entry among them. fresh says
	// they were read after this reconcile began (not a shared read up to half a poll interval old).
	platLinks []platform.MiniProgramLink
	entry     platform.MiniProgramLink
	found     bool
	fresh     bool
	listEpoch uint64 // the Observer's epoch of the account's links when platLinks was read
	// wasLinked: the link was linked when this reconcile began.
	wasLinked bool

	// admit: the link's own decision, and which owner queued it when it is queued.
	decision rules.Decision
	queuedBy wx.AccountKind

	// result is the requeue of the reconcile, set by the phase that ends it.
	result ctrl.Result
	// holdFinalizer: a deletion phase could not finish; the finalizer stays and the link is reconciled again.
	holdFinalizer bool
}

// A phase is one named step of a reconcile over a scope S. It returns done when the reconcile ends with it
// (its conditions and the scope's result say how), or an error when it failed.
type phase[S any] func(ctx context.Context, s S) (done bool, err error)

// scope is what phases work on: it holds the reconcile's result, set by the phase that ends it.
type scope interface{ resultOf() ctrl.Result }

// runScope runs phases in order until one ends the reconcile or fails.
func runScope[S scope](ctx context.Context, s S, phases ...phase[S]) (ctrl.Result, error) {
	for _, p := range phases {
		if done, err := p(ctx, s); err != nil || done {
			return s.resultOf(), err
		}
	}
	return s.resultOf(), nil
}

// A linkPhase is one named step of a link's reconcile.
type linkPhase = phase[*linkScope]

// runPhases runs a link's phases in order until one ends the reconcile or fails.
func runPhases(ctx context.Context, s *linkScope, phases ...linkPhase) (ctrl.Result, error) {
	return runScope(ctx, s, phases...)
}

func (s *linkScope) resultOf() ctrl.Result { return s.result }

// unlock lets go of every lock the scope took, in reverse order.
func (s *linkScope) unlock() {
	for i := len(s.release) - 1; i >= 0; i-- {
		s.release[i]()
	}
	s.release = nil
}

// onPlatform reports whether the platform lists this link in a state wxlink does not change: linked,
// awaiting an admin, or a status WeChat does not document (never acted on). A rejection is not such a state.
func (s *linkScope) onPlatform() bool {
	return s.found && (s.entry.Status.Occupying() || !s.entry.Status.Known() && s.entry.Status != platform.LinkRejected)
}

// mayAct reports whether wxlink may change the platform for this link, or report a change of it:
// managementPolicy Full, or ObserveOnly on a link that was linked (which reports its removal).
func (s *linkScope) mayAct() bool {
	return s.link.Spec.ManagementPolicy != wx.ManagementPolicyObserveOnly || s.wasLinked
}

// observeOnly reports whether the link's managementPolicy is ObserveOnly.
func (s *linkScope) observeOnly() bool {
	return s.link.Spec.ManagementPolicy == wx.ManagementPolicyObserveOnly
}

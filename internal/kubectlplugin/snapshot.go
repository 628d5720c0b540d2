// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
)

// Snapshot is the accounts and links of one namespace that admission decides from: as the cluster holds
// them (quota), or as they would be after an apply (plan).
type Snapshot struct {
	Namespace        string
	Now              time.Time
	OfficialAccounts map[string]*wx.OfficialAccount
	MiniPrograms     map[string]*wx.MiniProgram
	// Links are every AssociationLink of the namespace, oldest first (creation time, then name).
	Links []wx.AssociationLink
	// Pending names the accounts ("Kind/name") that the plan creates or changes: the operator has not
	// observed them yet, so they count as Ready once it has.
	Pending map[string]bool
}

// LoadSnapshot reads a namespace's accounts and links.
func LoadSnapshot(ctx context.Context, c client.Reader, ns string, now time.Time) (*Snapshot, error) {
	s := &Snapshot{Namespace: ns, Now: now, OfficialAccounts: map[string]*wx.OfficialAccount{},
		MiniPrograms: map[string]*wx.MiniProgram{}, Pending: map[string]bool{}}
	oas, mps, links := &wx.OfficialAccountList{}, &wx.MiniProgramList{}, &wx.AssociationLinkList{}
	for _, l := range []client.ObjectList{oas, mps, links} {
		if err := c.List(ctx, l, client.InNamespace(ns)); err != nil {
			return nil, err
		}
	}
	for i := range oas.Items {
		s.OfficialAccounts[oas.Items[i].Name] = &oas.Items[i]
	}
	for i := range mps.Items {
		s.MiniPrograms[mps.Items[i].Name] = &mps.Items[i]
	}
	s.Links = links.Items
	s.sortLinks()
	return s, nil
}

func (s *Snapshot) sortLinks() {
	sort.SliceStable(s.Links, func(i, j int) bool { return controllers.OlderFirst(&s.Links[i], &s.Links[j]) })
}

// linksBy are the namespace's Official Account -> Mini Program links whose end (from or to) names the
// account, oldest first, as the operator's indexes give them.
func (s *Snapshot) linksBy(from bool, kind wx.AccountKind, name string) []wx.AssociationLink {
	var out []wx.AssociationLink
	for _, l := range s.Links {
		ref := l.Spec.To
		if from {
			ref = l.Spec.From
		}
		if l.Spec.Type == wx.OfficialAccountToMiniProgram && ref.Kind == kind && ref.Name == name {
			out = append(out, l)
		}
	}
	return out
}

// ready reports whether an account counts as Ready for a link's admission: not paused, and Ready at its
// generation; or created or changed by the plan when it was Ready (or never observed): it will be observed
// again before its links are decided. A change does not make an account that is not Ready Ready (the plan
// cannot tell whether the change fixes why), nor a paused one.
func (s *Snapshot) ready(kind wx.AccountKind, obj client.Object, base *wx.StatusBase) (bool, *metav1.Condition) {
	if paused(obj) {
		return false, &metav1.Condition{Reason: wx.ReasonPaused, Message: pausedMessage}
	}
	c := meta.FindStatusCondition(base.Conditions, wx.ConditionReady)
	if s.Pending[string(kind)+"/"+obj.GetName()] && (c == nil || c.Status == metav1.ConditionTrue) {
		return true, nil
	}
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == obj.GetGeneration(), c
}

// pausedMessage is what the operator reports of a paused object (controllers' lifecycle).
const pausedMessage = "reconciliation is paused: remove the annotation " + wx.PauseAnnotation + " to resume"

// paused reports whether an object carries the pause annotation, which the operator honours first.
func paused(obj client.Object) bool { return obj.GetAnnotations()[wx.PauseAnnotation] == "true" }

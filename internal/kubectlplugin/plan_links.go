// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

func base64Encode(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// planLinks decides every link of the namespaces the plan touches, on the snapshot applying would leave.
func planLinks(ctx context.Context, c client.Reader, objs []ObjectChange, now time.Time) ([]LinkPlan, error) {
	var out []LinkPlan
	for _, ns := range namespacesOf(objs) {
		s, err := LoadSnapshot(ctx, c, ns, now)
		if err != nil {
			return nil, err
		}
		current := map[string]wx.AssociationLink{}
		for _, l := range s.Links {
			current[l.Name] = l
		}
		actions := map[string]Action{}
		for _, o := range objs {
			if o.Namespace != ns {
				continue
			}
			if err := s.apply(o); err != nil {
				return nil, err
			}
			if o.Kind == "AssociationLink" {
				actions[o.Name] = o.Action
			}
		}
		s.sortLinks()
		for i := range s.Links {
			out = append(out, s.linkPlan(&s.Links[i], current, actions))
		}
	}
	return out, nil
}

// linkPlan is one link's plan: its new verdict against what its status records.
func (s *Snapshot) linkPlan(l *wx.AssociationLink, current map[string]wx.AssociationLink, actions map[string]Action) LinkPlan {
	action, ok := actions[l.Name]
	if !ok {
		action = ActionNone
	}
	lp := LinkPlan{Namespace: s.Namespace, Name: l.Name, Type: l.Spec.Type, From: l.Spec.From.Name, To: l.Spec.To.Name,
		Action: action, Verdict: s.Decide(l)}
	if cur, ok := current[l.Name]; ok {
		v := recorded(&cur)
		lp.Current = &v
		lp.Unchanged = (action == ActionUnchanged || action == ActionNone) && sameVerdict(v, lp.Verdict)
	}
	return lp
}

func sameVerdict(a, b Verdict) bool {
	return a.Outcome == b.Outcome && a.QueuedBy == b.QueuedBy && a.QueuePosition == b.QueuePosition
}

// recorded is the verdict a link's status records (what the operator last decided).
func recorded(l *wx.AssociationLink) Verdict {
	ready := meta.FindStatusCondition(l.Status.Conditions, wx.ConditionReady)
	admitted := meta.FindStatusCondition(l.Status.Conditions, wx.ConditionAdmitted)
	v := Verdict{}
	if ready != nil {
		v.Reason, v.Message = ready.Reason, ready.Message
	}
	a := l.Status.Admission
	switch {
	case ready != nil && ready.Reason == wx.ReasonPaused:
		v.Outcome = OutcomePaused
	case l.Spec.Type != wx.OfficialAccountToMiniProgram:
		v.Outcome = OutcomeNoQuota
	case !l.DeletionTimestamp.IsZero():
		v.Outcome = OutcomeDeleting
	case ready != nil && (ready.Reason == wx.ReasonRuleViolation || ready.Reason == wx.ReasonDuplicateLink):
		v.Outcome = OutcomeRefused
	case admitted != nil && admitted.Reason == wx.ReasonRejected:
		v.Outcome, v.Reason = OutcomeRejected, wx.ReasonRejected
	case admitted != nil && admitted.Reason == wx.ReasonObserveOnly:
		v.Outcome, v.Reason = OutcomeObserveOnly, wx.ReasonObserveOnly
	case a != nil && a.State == wx.AdmissionQueued:
		v.Outcome, v.QueuedBy, v.QueuePosition, v.Message = OutcomeQueued, a.QueuedBy, int(a.QueuePosition), a.Message
		if v.QueuedBy == "" {
			v.QueuedBy = wx.KindOfficialAccount
		}
	case a != nil && a.State == wx.AdmissionAdmitted:
		v.Outcome = OutcomeAdmitted
	default:
		v.Outcome = OutcomeWaiting
	}
	return v
}

// apply puts one planned object into the snapshot as applying would leave it. Invalid objects are refused
// by the API server, so they change nothing.
func (s *Snapshot) apply(o ObjectChange) error {
	switch o.Action {
	case ActionDelete:
		s.remove(o.Kind, o.Name)
		return nil
	case ActionCreate, ActionChange:
	default:
		return nil
	}
	switch o.Kind {
	case "OfficialAccount":
		oa := &wx.OfficialAccount{}
		if err := s.merge(o, oa); err != nil {
			return err
		}
		s.OfficialAccounts[oa.Name] = oa
	case "MiniProgram":
		mp := &wx.MiniProgram{}
		if err := s.merge(o, mp); err != nil {
			return err
		}
		s.MiniPrograms[mp.Name] = mp
	case "AssociationLink":
		return s.mergeLink(o)
	default:
		return nil
	}
	s.Pending[o.Kind+"/"+o.Name] = true
	return nil
}

// merge fills obj with the manifest's version on top of the cluster's object (its metadata and status),
// as an apply leaves it: a new generation for a changed spec, a creation time of now for a new object.
func (s *Snapshot) merge(o ObjectChange, obj client.Object) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.desired.Object, obj); err != nil {
		return fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
	}
	var status any
	switch cur := s.find(o.Kind, o.Name).(type) {
	case *wx.OfficialAccount:
		status = cur.Status
		obj.(*wx.OfficialAccount).Status = cur.Status
	case *wx.MiniProgram:
		status = cur.Status
		obj.(*wx.MiniProgram).Status = cur.Status
	case *wx.AssociationLink:
		status = cur.Status
		obj.(*wx.AssociationLink).Status = cur.Status
	}
	if cur, ok := s.find(o.Kind, o.Name).(client.Object); ok && status != nil {
		obj.SetUID(cur.GetUID())
		obj.SetCreationTimestamp(cur.GetCreationTimestamp())
		obj.SetGeneration(cur.GetGeneration() + 1)
		// kubectl apply merges the manifest's labels and annotations into the object's (the pause
		// annotation among them): the manifest's win, the object's others stay.
		obj.SetAnnotations(mergedMap(cur.GetAnnotations(), obj.GetAnnotations()))
		obj.SetLabels(mergedMap(cur.GetLabels(), obj.GetLabels()))
		obj.SetDeletionTimestamp(cur.GetDeletionTimestamp())
		return nil
	}
	obj.SetUID(types.UID("planned-" + o.Kind + "-" + o.Name))
	obj.SetCreationTimestamp(metav1.NewTime(s.Now))
	obj.SetGeneration(1)
	return nil
}

func (s *Snapshot) mergeLink(o ObjectChange) error {
	l := &wx.AssociationLink{}
	if err := s.merge(o, l); err != nil {
		return err
	}
	for i := range s.Links {
		if s.Links[i].Name == l.Name {
			s.Links[i] = *l
			return nil
		}
	}
	s.Links = append(s.Links, *l)
	return nil
}

// mergedMap is base with over's entries on top.
func mergedMap(base, over map[string]string) map[string]string {
	if len(base)+len(over) == 0 {
		return nil
	}
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, over)
	return out
}

// find is the snapshot's object of a kind and name (nil when it has none).
func (s *Snapshot) find(kind, name string) any {
	switch kind {
	case "OfficialAccount":
		if oa, ok := s.OfficialAccounts[name]; ok {
			return oa
		}
	case "MiniProgram":
		if mp, ok := s.MiniPrograms[name]; ok {
			return mp
		}
	case "AssociationLink":
		for i := range s.Links {
			if s.Links[i].Name == name {
				return &s.Links[i]
			}
		}
	}
	return nil
}

// remove deletes an object from the snapshot: an account goes; a link stays, being deleted. The operator
// unlinks a link whose deletion is its to make (deletionPolicy Delete, managementPolicy Full), which frees
// its slot: it is taken off the Official Account's list. Any other stays on the platform, a console link
// that holds its slot.
func (s *Snapshot) remove(kind, name string) {
	switch kind {
	case "OfficialAccount":
		delete(s.OfficialAccounts, name)
	case "MiniProgram":
		delete(s.MiniPrograms, name)
	case "AssociationLink":
		l, ok := s.find(kind, name).(*wx.AssociationLink)
		if !ok {
			return
		}
		l.DeletionTimestamp = &metav1.Time{Time: s.Now}
		if unlinks(l) {
			s.unlist(l)
			l.Status.Platform = nil
		}
	}
}

// unlinks reports whether the operator unlinks a link on the platform when it is deleted.
func unlinks(l *wx.AssociationLink) bool {
	return l.Spec.Type == wx.OfficialAccountToMiniProgram && l.Spec.DeletionPolicy == wx.DeletionPolicyDelete &&
		l.Spec.ManagementPolicy == wx.ManagementPolicyFull
}

// unlist takes a link's Mini Program off its Official Account's last read of the platform.
func (s *Snapshot) unlist(l *wx.AssociationLink) {
	oa, okOA := s.OfficialAccounts[l.Spec.From.Name]
	mp, okMP := s.MiniPrograms[l.Spec.To.Name]
	if !okOA || !okMP {
		return
	}
	oa = oa.DeepCopy()
	oa.Status.LinkedMiniPrograms = slices.DeleteFunc(oa.Status.LinkedMiniPrograms, func(id string) bool {
		return id != "" && (id == string(mp.Spec.AppID) || id == mp.Spec.OriginalID || id == mp.Status.Username)
	})
	s.OfficialAccounts[oa.Name] = oa
}

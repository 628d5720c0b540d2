// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Action is what applying does to an object.
type Action string

// Actions.
const (
	ActionCreate    Action = "create"
	ActionChange    Action = "change"
	ActionDelete    Action = "delete"
	ActionUnchanged Action = "unchanged"
	// ActionInvalid: the API server would refuse the object (Errors say why); applying leaves it as it is.
	ActionInvalid Action = "invalid"
	// ActionNone: a link the manifests do not mention, shown because its verdict may move with the others.
	ActionNone Action = "-"
)

// ObjectChange is one object of the manifests (or of the cluster, when pruned).
type ObjectChange struct {
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace,omitempty"`
	Name      string   `json:"name"`
	Action    Action   `json:"action"`
	Errors    []string `json:"errors,omitempty"`

	desired *unstructured.Unstructured
}

// LinkPlan is what applying would do to one link.
type LinkPlan struct {
	Namespace string             `json:"namespace"`
	Name      string             `json:"name"`
	Type      wx.AssociationType `json:"type"`
	From      string             `json:"from"`
	To        string             `json:"to"`
	Action    Action             `json:"action"`
	Verdict   Verdict            `json:"verdict"`
	// Current is the verdict the link's status records now (nil for a link the cluster does not hold).
	Current *Verdict `json:"current,omitempty"`
	// Unchanged: neither the object nor its verdict changes.
	Unchanged bool `json:"unchanged"`
}

// Plan is what applying manifests would do.
type Plan struct {
	Objects []ObjectChange `json:"objects"`
	Links   []LinkPlan     `json:"links"`
}

// HasChanges reports whether applying would create, change or delete anything.
func (p *Plan) HasChanges() bool {
	for _, o := range p.Objects {
		if o.Action == ActionCreate || o.Action == ActionChange || o.Action == ActionDelete {
			return true
		}
	}
	return false
}

// HasErrors reports whether the API server would refuse an object.
func (p *Plan) HasErrors() bool {
	for _, o := range p.Objects {
		if o.Action == ActionInvalid {
			return true
		}
	}
	return false
}

// PlanOptions are the inputs of a plan besides the manifests.
type PlanOptions struct {
	// Now is the plan's clock: the creation time of new objects and the month of the monthly allowance.
	Now time.Time
	// Validator checks objects against the CRDs (nil: no schema validation).
	Validator *Validator
	// Prune lists the cluster objects that applying with --prune would delete (nil: none).
	Prune []*unstructured.Unstructured
}

// ComputePlan compares the manifests with the cluster (read only) and decides every link of the namespaces
// they touch with the operator's admission, as it would run once they are applied.
func ComputePlan(ctx context.Context, c client.Reader, desired []*unstructured.Unstructured, opts PlanOptions) (*Plan, error) {
	p := &Plan{}
	current := map[string]*unstructured.Unstructured{}
	for _, d := range desired {
		oc, cur, err := diffObject(ctx, c, d.DeepCopy(), opts.Validator)
		if err != nil {
			return nil, err
		}
		current[objKey(d.GetKind(), d.GetNamespace(), d.GetName())] = cur
		p.Objects = append(p.Objects, oc)
	}
	for _, u := range opts.Prune {
		p.Objects = append(p.Objects, ObjectChange{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName(), Action: ActionDelete})
	}
	links, err := planLinks(ctx, c, p.Objects, opts.Now)
	if err != nil {
		return nil, err
	}
	p.Links = links
	return p, nil
}

func objKey(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// diffObject reads an object's current state and says what applying the manifest's version would do.
func diffObject(ctx context.Context, c client.Reader, d *unstructured.Unstructured, v *Validator) (ObjectChange, *unstructured.Unstructured, error) {
	oc := ObjectChange{Kind: d.GetKind(), Namespace: d.GetNamespace(), Name: d.GetName(), desired: d}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(d.GroupVersionKind())
	err := c.Get(ctx, client.ObjectKey{Namespace: d.GetNamespace(), Name: d.GetName()}, cur)
	switch {
	case apierrors.IsNotFound(err):
		cur = nil
	case err != nil:
		return oc, nil, err
	}
	if v.Knows(d.GroupVersionKind()) {
		if oc.Errors = v.DefaultAndValidate(ctx, d, cur); len(oc.Errors) > 0 {
			oc.Action = ActionInvalid
			return oc, cur, nil
		}
	}
	switch {
	case cur == nil:
		oc.Action = ActionCreate
	case changes(d, cur):
		oc.Action = ActionChange
	default:
		oc.Action = ActionUnchanged
	}
	return oc, cur, nil
}

// namespacesOf are the namespaces the plan's wxlink objects are in, sorted.
func namespacesOf(objs []ObjectChange) []string {
	seen := map[string]bool{}
	for _, o := range objs {
		if o.Namespace != "" && (o.Kind == "AssociationLink" || o.Kind == "OfficialAccount" || o.Kind == "MiniProgram") {
			seen[o.Namespace] = true
		}
	}
	out := make([]string, 0, len(seen))
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

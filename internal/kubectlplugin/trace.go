// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
)

// Relations of a traced node to its parent.
const (
	RelationRoot   = "root"
	RelationUses   = "uses"
	RelationUsedBy = "used-by"
)

// Node is one object of a trace.
type Node struct {
	Kind      string       `json:"kind"`
	Name      string       `json:"name"`
	Namespace string       `json:"namespace"`
	Relation  string       `json:"relation"`
	Found     bool         `json:"found"`
	Ready     string       `json:"ready"`
	Synced    string       `json:"synced"`
	Reason    string       `json:"reason,omitempty"`
	Message   string       `json:"message,omitempty"`
	Created   *metav1.Time `json:"creationTimestamp,omitempty"`
	// Detail is a kind's own state: a link's platform state and admission, an account's AppID.
	Detail   string  `json:"detail,omitempty"`
	Children []*Node `json:"children,omitempty"`
}

// AllReady reports whether the node and every node under it are Ready.
func (n *Node) AllReady() bool {
	if n.Ready != string(metav1.ConditionTrue) {
		return false
	}
	for _, c := range n.Children {
		if !c.AllReady() {
			return false
		}
	}
	return true
}

// Trace builds the tree of an object: everything it depends on (recursively), then every object that
// depends on it (one level: each of them is traced on its own).
func Trace(ctx context.Context, c client.Reader, ns, kind, name string) (*Node, error) {
	t := &tracer{c: c, ns: ns, routes: map[string]wx.CredentialsRoute{}}
	root, err := t.node(ctx, ref{kind: kind, name: name}, RelationRoot, nil)
	if err != nil {
		return nil, err
	}
	if !root.Found {
		return nil, fmt.Errorf("%s %s/%s not found", kind, ns, name)
	}
	users, err := t.dependents(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		n, err := t.node(ctx, u, RelationUsedBy, nil)
		if err != nil {
			return nil, err
		}
		root.Children = append(root.Children, n)
	}
	return root, nil
}

type tracer struct {
	c      client.Reader
	ns     string
	routes map[string]wx.CredentialsRoute
}

// node reads one object and, for a dependency, what it depends on in turn (path guards against cycles).
func (t *tracer) node(ctx context.Context, r ref, relation string, path []string) (*Node, error) {
	n := &Node{Kind: r.kind, Name: r.name, Namespace: t.ns, Relation: relation, Ready: "False", Synced: "-"}
	if r.unset != "" {
		n.Name, n.Reason, n.Message = "-", wx.ReasonDependencyNotFound, r.unset
		return n, nil
	}
	obj := newObject(r.kind)
	if err := t.c.Get(ctx, client.ObjectKey{Namespace: t.ns, Name: r.name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			n.Reason, n.Message = "NotFound", fmt.Sprintf("%s %s does not exist", r.kind, r.name)
			return n, nil
		}
		if apierrors.IsForbidden(err) {
			n.Ready, n.Reason, n.Message = "Unknown", "Forbidden", "you may not read it"
			return n, nil
		}
		return nil, err
	}
	n.Found = true
	ts := obj.GetCreationTimestamp()
	n.Created = &ts
	describe(n, obj, r)
	if relation == RelationUsedBy {
		return n, nil
	}
	here := r.kind + "/" + r.name
	if slices.Contains(path, here) {
		return n, nil
	}
	for _, d := range dependencies(obj, func(pc string) wx.CredentialsRoute { return t.route(ctx, pc) }) {
		child, err := t.node(ctx, d, RelationUses, append(path, here))
		if err != nil {
			return nil, err
		}
		n.Children = append(n.Children, child)
	}
	return n, nil
}

// route is a PlatformConfig's credentials route (which key of an account's Secret is read).
func (t *tracer) route(ctx context.Context, name string) wx.CredentialsRoute {
	if r, ok := t.routes[name]; ok {
		return r
	}
	pc := &wx.PlatformConfig{}
	if err := t.c.Get(ctx, client.ObjectKey{Namespace: t.ns, Name: name}, pc); err == nil {
		t.routes[name] = pc.Spec.CredentialsRoute
	}
	return t.routes[name]
}

// describe fills a node's columns from the object's conditions (a Secret: whether the operator may read it
// and whether it holds the keys).
func describe(n *Node, obj client.Object, r ref) {
	if s, ok := obj.(*corev1.Secret); ok {
		describeSecret(n, s, r)
		return
	}
	sb, ok := obj.(interface{ GetStatusBase() *wx.StatusBase })
	if !ok {
		return
	}
	conds := sb.GetStatusBase().Conditions
	n.Ready, n.Synced = "Unknown", "Unknown"
	if c := meta.FindStatusCondition(conds, wx.ConditionReady); c != nil {
		n.Ready, n.Reason, n.Message = string(c.Status), c.Reason, c.Message
		if c.ObservedGeneration != obj.GetGeneration() && c.Status == metav1.ConditionTrue {
			n.Ready, n.Message = "Unknown", "not observed at generation "+fmt.Sprint(obj.GetGeneration())+": "+c.Message
		}
	}
	if c := meta.FindStatusCondition(conds, wx.ConditionSynced); c != nil {
		n.Synced = string(c.Status)
	}
	n.Detail = detail(obj)
}

// describeSecret says whether a Secret serves the reference: labelled for wxlink when it holds credentials
// (the operator reads no other: CredentialsNotLabelled), and holding every key the reference reads. Only key
// names are shown, never values.
func describeSecret(n *Node, s *corev1.Secret, r ref) {
	n.Ready, n.Reason, n.Message = "True", "Found", "holds "+strings.Join(r.keys, ", ")
	if len(r.keys) == 0 || r.keys[0] == "" {
		n.Message = fmt.Sprintf("holds %d keys", len(s.Data))
	}
	for _, k := range r.keys {
		if _, ok := s.Data[k]; !ok && k != "" {
			n.Ready, n.Reason, n.Message = "False", "KeyMissing", fmt.Sprintf("has no key %q", k)
		}
	}
	if r.credentials && s.Labels[controllers.CredentialsLabel] != controllers.CredentialsLabelValue {
		n.Ready, n.Reason = "False", wx.ReasonCredentialsNotLabelled
		n.Message = fmt.Sprintf("not labelled for wxlink, which reads credentials only from Secrets that opt in: run "+
			"`kubectl label secret -n %s %s %s=%s`", s.Namespace, s.Name, controllers.CredentialsLabel, controllers.CredentialsLabelValue)
	}
}

// detail is what -o wide adds for a kind.
func detail(obj client.Object) string {
	switch o := obj.(type) {
	case *wx.AssociationLink:
		d := string(o.Spec.Type)
		if p := o.Status.Platform; p != nil {
			d += " state=" + string(p.State)
		}
		if a := o.Status.Admission; a != nil {
			d += " admission=" + string(a.State)
			if a.State == wx.AdmissionQueued {
				d += fmt.Sprintf("#%d(%s)", a.QueuePosition, a.QueuedBy)
			}
		}
		return d
	case *wx.OfficialAccount:
		q := o.Status.Quota
		return fmt.Sprintf("appID=%s same=%s other=%s month=%s", o.Spec.AppID, q.SameSubject, q.OtherSubject, q.ThisMonth)
	case *wx.MiniProgram:
		return fmt.Sprintf("appID=%s linkedBy=%s", o.Spec.AppID, o.Status.LinkedBy)
	case *wx.PlatformConfig:
		return "route=" + string(o.Spec.CredentialsRoute)
	case *wx.MerchantBinding:
		return fmt.Sprintf("merchant=%s state=%s", o.Spec.MerchantID, o.Status.State)
	}
	return ""
}

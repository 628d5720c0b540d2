// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

type planOptions struct {
	files          resource.FilenameOptions
	exitCode       bool
	prune          bool
	pruneAllowlist []string
	selector       string
}

func (o *options) planCommand() *cobra.Command {
	po := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan -f FILE|DIR | -k DIR",
		Short: "Show what applying manifests would do: objects created, changed, deleted, and every link admitted, queued or refused",
		Long: "Read manifests as kubectl apply does (-f files or directories, -k a kustomization, built with kustomize's\n" +
			"krusty as kubectl does) and the cluster's objects and status. Nothing is written and WeChat is never called.\n" +
			"Objects are validated against the cluster's CRDs (schema, defaults and CEL rules); every link of the\n" +
			"namespaces involved is then decided by the operator's own admission code.\n" +
			"With --exit-code: 0 no changes, 1 error (an object the API server would refuse), 2 changes.",
		Example: "  kubectl wxlink plan -k config/samples\n  kubectl wxlink plan -f links/ -n yunshan --exit-code",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.runPlan(cmd.Context(), po) },
	}
	cmd.Flags().StringSliceVarP(&po.files.Filenames, "filename", "f", nil, "files or directories of manifests")
	cmd.Flags().StringVarP(&po.files.Kustomize, "kustomize", "k", "", "a kustomization directory")
	cmd.Flags().BoolVarP(&po.files.Recursive, "recursive", "R", false, "read the directories of -f recursively")
	cmd.Flags().BoolVar(&po.exitCode, "exit-code", false, "exit 0 with no changes, 2 with changes, 1 on error (terraform plan -detailed-exitcode)")
	cmd.Flags().BoolVar(&po.prune, "prune", false, "plan the deletions of kubectl apply --prune: objects of the allowlist's kinds, "+
		"in the manifests' namespaces, matching -l, last applied by kubectl apply, that the manifests leave out")
	cmd.Flags().StringSliceVar(&po.pruneAllowlist, "prune-allowlist", nil, "the kinds --prune deletes, as kubectl's "+
		"group/version/Kind (default: every wxlink kind; kubectl's own default has none, so pass them to kubectl apply too)")
	cmd.Flags().StringVarP(&po.selector, "selector", "l", "", "label selector of --prune")
	return cmd
}

func (o *options) runPlan(ctx context.Context, po *planOptions) error {
	if len(po.files.Filenames) == 0 && po.files.Kustomize == "" {
		return errors.New("give the manifests with -f or -k")
	}
	pr, err := o.printer()
	if err != nil {
		return err
	}
	c, ns, err := o.client()
	if err != nil {
		return err
	}
	enforce, err := o.namespaceExplicit()
	if err != nil {
		return err
	}
	desired, err := o.manifests(ns, enforce, &po.files)
	if err != nil {
		return err
	}
	opts := PlanOptions{Now: o.now()}
	if opts.Validator, err = LoadValidator(ctx, c); err != nil {
		fmt.Fprintf(o.io.ErrOut, "warning: cannot read the CRDs (%v): objects are not validated against their schemas\n", err)
	}
	if po.prune {
		if opts.Prune, err = pruned(ctx, c, desired, po.selector, po.pruneAllowlist); err != nil {
			return err
		}
	}
	plan, err := ComputePlan(ctx, c, desired, opts)
	if err != nil {
		return err
	}
	if err := o.print(pr, plan, func(w io.Writer) error { return pr.Plan(w, plan) }); err != nil {
		return err
	}
	switch {
	case plan.HasErrors():
		return &ExitError{Code: 1, Err: errors.New("the API server would refuse some objects")}
	case po.exitCode && plan.HasChanges():
		return &ExitError{Code: 2} // changes: the plan shows them
	}
	return nil
}

// manifests reads the files as kubectl apply does, with the cluster's discovery for namespaces: with
// --namespace (enforce), a manifest in another namespace is an error.
func (o *options) manifests(ns string, enforce bool, files *resource.FilenameOptions) ([]*unstructured.Unstructured, error) {
	infos, err := resource.NewBuilder(o.flags).Unstructured().ContinueOnError().
		NamespaceParam(ns).DefaultNamespace().FilenameParam(enforce, files).Flatten().Do().Infos()
	if err != nil {
		return nil, err
	}
	out := make([]*unstructured.Unstructured, 0, len(infos))
	for _, info := range infos {
		u, ok := info.Object.(*unstructured.Unstructured)
		if !ok {
			return nil, fmt.Errorf("%s: not an object", info.Source)
		}
		if info.Namespaced() {
			u.SetNamespace(info.Namespace)
		}
		out = append(out, u)
	}
	return out, nil
}

// wxlinkKinds are the kinds --prune deletes by default: every namespaced kind of wxlink.
var wxlinkKinds = []string{"AssociationLink", "OfficialAccount", "MiniProgram", "MerchantBinding", "OpenPlatformAccount",
	"WeComCorp", "ChannelsAccount", "WeChatStore", "ThirdPartyStore", "PlatformConfig"}

// pruneKinds parses --prune-allowlist (kubectl's group/version/Kind, core/v1/Kind for the core group), or
// gives the wxlink kinds when it is empty.
func pruneKinds(allowlist []string) ([]schema.GroupVersionKind, error) {
	var out []schema.GroupVersionKind
	for _, kind := range wxlinkKinds {
		out = append(out, wx.GroupVersion.WithKind(kind))
	}
	if len(allowlist) == 0 {
		return out, nil
	}
	out = out[:0]
	for _, a := range allowlist {
		parts := strings.Split(a, "/")
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("--prune-allowlist %q: want group/version/Kind, as kubectl's (core/v1/ConfigMap)", a)
		}
		group := parts[0]
		if group == "core" {
			group = ""
		}
		out = append(out, schema.GroupVersionKind{Group: group, Version: parts[1], Kind: parts[2]})
	}
	return out, nil
}

// pruned are the objects of the allowlist's kinds, in the manifests' namespaces, that match the selector,
// that kubectl apply made (the last-applied-configuration annotation: kubectl prunes no other), and that
// the manifests leave out: what kubectl apply --prune -l --prune-allowlist would delete. Namespaces and
// kinds in order, so the plan reads the same every time.
func pruned(ctx context.Context, c client.Reader, desired []*unstructured.Unstructured, selector string,
	allowlist []string) ([]*unstructured.Unstructured, error) {
	if selector == "" {
		return nil, errors.New("--prune needs a label selector (-l), as kubectl apply --prune does")
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, fmt.Errorf("--selector: %w", err)
	}
	kinds, err := pruneKinds(allowlist)
	if err != nil {
		return nil, err
	}
	keep, namespaces := map[string]bool{}, map[string]bool{}
	for _, d := range desired {
		keep[objKey(d.GetKind(), d.GetNamespace(), d.GetName())] = true
		if d.GetNamespace() != "" {
			namespaces[d.GetNamespace()] = true
		}
	}
	var out []*unstructured.Unstructured
	for _, ns := range slices.Sorted(maps.Keys(namespaces)) {
		for _, gvk := range kinds {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
				return nil, err
			}
			for i := range list.Items {
				u := &list.Items[i]
				_, applied := u.GetAnnotations()[corev1.LastAppliedConfigAnnotation]
				if applied && !keep[objKey(gvk.Kind, ns, u.GetName())] {
					u.SetGroupVersionKind(gvk)
					out = append(out, u)
				}
			}
		}
	}
	return out, nil
}

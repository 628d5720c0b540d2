// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"slices"
	"sort"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// Field indexes. Each maps an object to a key that other reconciles look it up by, so that no reconcile
// lists all objects of a kind. fieldIndexes lists every one of them, and registerIndexes registers them.
const (
	// indexLinkFrom indexes AssociationLinks by "Kind/name" of their owner (spec.from).
	indexLinkFrom = "spec.from"
	// indexLinkTo indexes AssociationLinks by "Kind/name" of spec.to.
	indexLinkTo = "spec.to"
	// indexLinkAppIDs indexes AssociationLinks by the AppIDs they last resolved, "fromAppID/toAppID"
	// (status), so that a deletion finds every other link that declares the same association, whatever
	// objects it names.
	indexLinkAppIDs = "status.appIDs"
	// indexStoreBinding indexes ThirdPartyStores by "Kind/name" of each account they bind (spec.bindings).
	indexStoreBinding = "spec.bindings"
	// indexMiniProgramAppID indexes MiniPrograms by AppID.
	indexMiniProgramAppID = "spec.appID"
	// indexMiniProgramOriginalID indexes MiniPrograms by original ID (gh_…), observed or declared, to find
	// the one an AppID-less list of the platform names.
	indexMiniProgramOriginalID = "originalID"
	// indexMerchantID indexes MerchantBindings by merchant ID, for the 50-AppID limit.
	indexMerchantID = "spec.merchantID"
	// indexLinkedMiniProgram indexes OfficialAccounts by the Mini Programs the platform lists them linked to
	// (status.linkedMiniPrograms: AppIDs, or original IDs), console-made links included.
	indexLinkedMiniProgram = "status.linkedMiniPrograms"
)

// refKey is the index key of an account reference: "Kind/name".
func refKey(r wx.AccountReference) string { return string(r.Kind) + "/" + r.Name }

// appIDsKey is the index key of the AppIDs a link last resolved ("" until it resolved both).
func appIDsKey(l *wx.AssociationLink) string {
	if l.Status.FromAppID == "" || l.Status.ToAppID == "" {
		return ""
	}
	return l.Status.FromAppID + "/" + l.Status.ToAppID
}

// fieldIndex is one field index: the kind, the field name and how to extract its keys.
type fieldIndex struct {
	obj     client.Object
	field   string
	extract client.IndexerFunc
}

// fieldIndexes are every field index the reconcilers query.
func fieldIndexes() []fieldIndex {
	return []fieldIndex{
		{&wx.AssociationLink{}, indexLinkFrom, func(o client.Object) []string {
			return []string{refKey(o.(*wx.AssociationLink).Spec.From)}
		}},
		{&wx.AssociationLink{}, indexLinkTo, func(o client.Object) []string {
			return []string{refKey(o.(*wx.AssociationLink).Spec.To)}
		}},
		{&wx.AssociationLink{}, indexLinkAppIDs, func(o client.Object) []string {
			if k := appIDsKey(o.(*wx.AssociationLink)); k != "" {
				return []string{k}
			}
			return nil
		}},
		{&wx.ThirdPartyStore{}, indexStoreBinding, func(o client.Object) []string {
			bindings := o.(*wx.ThirdPartyStore).Spec.Bindings
			keys := make([]string, 0, len(bindings))
			for _, b := range bindings {
				keys = append(keys, string(b.Kind)+"/"+b.Name)
			}
			return uniqueNonEmpty(keys...)
		}},
		{&wx.MiniProgram{}, indexMiniProgramAppID, func(o client.Object) []string {
			return []string{string(o.(*wx.MiniProgram).Spec.AppID)}
		}},
		{&wx.MiniProgram{}, indexMiniProgramOriginalID, func(o client.Object) []string {
			mp := o.(*wx.MiniProgram)
			return uniqueNonEmpty(mp.Status.Username, mp.Spec.OriginalID)
		}},
		{&wx.MerchantBinding{}, indexMerchantID, func(o client.Object) []string {
			return []string{string(o.(*wx.MerchantBinding).Spec.MerchantID)}
		}},
		{&wx.OfficialAccount{}, indexLinkedMiniProgram, func(o client.Object) []string {
			return o.(*wx.OfficialAccount).Status.LinkedMiniPrograms
		}},
	}
}

// uniqueNonEmpty is the distinct non-empty values among vs, in order.
func uniqueNonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// registerIndexes registers every field index with the manager's cache, before any controller starts.
func registerIndexes(ctx context.Context, mgr ctrl.Manager) error {
	for _, i := range fieldIndexes() {
		if err := mgr.GetFieldIndexer().IndexField(ctx, i.obj, i.field, i.extract); err != nil {
			return err
		}
	}
	return nil
}

// linksByIndex lists the AssociationLinks of the namespace whose index key equals key (from the cache's
// index). The links share memory with the cache (no deep copy: a Mini Program's 500 links are read on every
// decision about it): callers only read them.
func linksByIndex(ctx context.Context, c client.Reader, ns, index, key string) ([]wx.AssociationLink, error) {
	list := &wx.AssociationLinkList{}
	if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingFields{index: key}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// officialAccountLinks lists the Official Account -> Mini Program links whose index key equals key, oldest
// first (the admission order of cluster links).
func officialAccountLinks(ctx context.Context, c client.Reader, ns, index, key string) ([]wx.AssociationLink, error) {
	all, err := linksByIndex(ctx, c, ns, index, key)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, l := range all {
		if l.Spec.Type == wx.OfficialAccountToMiniProgram {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return olderFirst(&out[i], &out[j]) })
	return out, nil
}

// olderFirst orders links by creation time, then name.
func olderFirst(a, b *wx.AssociationLink) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

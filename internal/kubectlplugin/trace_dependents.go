// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// dependentLists are the kinds that refer to other objects, in the order trace lists their dependents.
func dependentLists() []client.ObjectList {
	return []client.ObjectList{&wx.AssociationLinkList{}, &wx.OpenPlatformAccountList{}, &wx.MerchantBindingList{},
		&wx.ThirdPartyStoreList{}, &wx.OfficialAccountList{}, &wx.MiniProgramList{}, &wx.WeChatStoreList{},
		&wx.WeComCorpList{}, &wx.ChannelsAccountList{}}
}

// dependents are the objects of the namespace whose references (the same ones trace follows) name the object.
func (t *tracer) dependents(ctx context.Context, kind, name string) ([]ref, error) {
	var out []ref
	for _, list := range dependentLists() {
		if err := t.c.List(ctx, list, client.InNamespace(t.ns)); err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return nil, err
		}
		for _, item := range items {
			obj := item.(client.Object)
			for _, r := range dependencies(obj, func(pc string) wx.CredentialsRoute { return t.route(ctx, pc) }) {
				if r.kind == kind && r.name == name {
					out = append(out, ref{kind: kindOf(obj), name: obj.GetName()})
					break
				}
			}
		}
	}
	return out, nil
}

// kindOf is the kind of a wxlink object (typed objects read by a client carry no TypeMeta).
func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *wx.AssociationLink:
		return "AssociationLink"
	case *wx.OpenPlatformAccount:
		return "OpenPlatformAccount"
	case *wx.MerchantBinding:
		return "MerchantBinding"
	case *wx.ThirdPartyStore:
		return "ThirdPartyStore"
	case *wx.OfficialAccount:
		return "OfficialAccount"
	case *wx.MiniProgram:
		return "MiniProgram"
	case *wx.WeChatStore:
		return "WeChatStore"
	case *wx.WeComCorp:
		return "WeComCorp"
	case *wx.ChannelsAccount:
		return "ChannelsAccount"
	}
	return ""
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"cmp"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// ref is one object an object refers to: a wxlink object, or a Secret with the keys it must hold.
type ref struct {
	kind string
	name string
	keys []string
	// credentials: the operator reads the Secret only when it opts in with the credentials label.
	credentials bool
	// unset says why a reference the object needs is not there (no name: nothing to read).
	unset string
}

// kindAliases are what trace and quota accept for a kind, as kubectl does: the kind, its plural and its short
// name, in any case.
var kindAliases = map[string]string{}

func init() {
	for kind, names := range map[string][]string{
		"AssociationLink": {"associationlinks", "link", "links"}, "OfficialAccount": {"officialaccounts", "oa"},
		"MiniProgram": {"miniprograms", "mp"}, "PlatformConfig": {"platformconfigs", "wxpc"},
		"MerchantBinding": {"merchantbindings", "mb"}, "OpenPlatformAccount": {"openplatformaccounts", "opa"},
		"WeComCorp": {"wecomcorps", "wecom"}, "ChannelsAccount": {"channelsaccounts", "ch"},
		"WeChatStore": {"wechatstores", "store"}, "ThirdPartyStore": {"thirdpartystores", "tps"},
		"Secret": {"secrets"},
	} {
		kindAliases[strings.ToLower(kind)] = kind
		for _, n := range names {
			kindAliases[n] = kind
		}
	}
}

// ParseKindName reads "kind/name" as kubectl does ("oa/yunshan-news", "AssociationLink/news-mall").
func ParseKindName(arg string) (string, string, error) {
	k, name, ok := strings.Cut(arg, "/")
	kind := kindAliases[strings.ToLower(strings.SplitN(k, ".", 2)[0])]
	if !ok || name == "" || kind == "" {
		return "", "", fmt.Errorf("%q is not kind/name of a wxlink object (for example oa/yunshan-news, link/news-mall)", arg)
	}
	return kind, name, nil
}

// newObject is an empty object of a kind.
func newObject(kind string) client.Object {
	switch kind {
	case "AssociationLink":
		return &wx.AssociationLink{}
	case "OfficialAccount":
		return &wx.OfficialAccount{}
	case "MiniProgram":
		return &wx.MiniProgram{}
	case "PlatformConfig":
		return &wx.PlatformConfig{}
	case "MerchantBinding":
		return &wx.MerchantBinding{}
	case "OpenPlatformAccount":
		return &wx.OpenPlatformAccount{}
	case "WeComCorp":
		return &wx.WeComCorp{}
	case "ChannelsAccount":
		return &wx.ChannelsAccount{}
	case "WeChatStore":
		return &wx.WeChatStore{}
	case "ThirdPartyStore":
		return &wx.ThirdPartyStore{}
	}
	return &corev1.Secret{}
}

// dependencies are the objects obj needs, as its reconciler resolves them.
func dependencies(obj client.Object, routeOf func(pc string) wx.CredentialsRoute) []ref {
	switch o := obj.(type) {
	case *wx.AssociationLink:
		return []ref{{kind: string(o.Spec.From.Kind), name: o.Spec.From.Name}, {kind: string(o.Spec.To.Kind), name: o.Spec.To.Name}}
	case *wx.OfficialAccount:
		return accountRefs(&o.Spec.AccountSpec, routeOf)
	case *wx.MiniProgram:
		return accountRefs(&o.Spec.AccountSpec, routeOf)
	case *wx.WeChatStore:
		return accountRefs(&o.Spec.AccountSpec, routeOf)
	case *wx.WeComCorp:
		out := []ref{{kind: "PlatformConfig", name: o.Spec.PlatformConfigRef.Name}}
		if o.Spec.SecretRef != nil {
			out = append(out, ref{kind: "Secret", name: o.Spec.SecretRef.Name, keys: []string{o.Spec.SecretRef.Key}})
		}
		return out
	case *wx.ChannelsAccount:
		return []ref{{kind: "PlatformConfig", name: o.Spec.PlatformConfigRef.Name}}
	case *wx.PlatformConfig:
		return platformConfigRefs(o)
	case *wx.MerchantBinding:
		return []ref{{kind: string(o.Spec.Target.Kind), name: o.Spec.Target.Name}}
	case *wx.OpenPlatformAccount:
		out := []ref{{kind: "PlatformConfig", name: o.Spec.PlatformConfigRef.Name}}
		for _, a := range o.Spec.Accounts {
			out = append(out, ref{kind: string(a.Kind), name: a.Name})
		}
		return out
	case *wx.ThirdPartyStore:
		c := o.Spec.Credentials
		out := []ref{{kind: "Secret", name: c.SecretName, credentials: true,
			keys: []string{cmp.Or(c.ClientIDKey, "clientID"), cmp.Or(c.ClientSecretKey, "clientSecret")}}}
		for _, b := range o.Spec.Bindings {
			out = append(out, ref{kind: string(b.Kind), name: b.Name})
		}
		return out
	}
	return nil
}

// accountRefs are an account's PlatformConfig and the key of its credentials Secret its route reads.
func accountRefs(spec *wx.AccountSpec, routeOf func(string) wx.CredentialsRoute) []ref {
	out := []ref{{kind: "PlatformConfig", name: spec.PlatformConfigRef.Name}}
	c := spec.Credentials
	if c == nil {
		return append(out, ref{kind: "Secret", unset: "spec.credentials is not set: name the Secret that holds the " +
			"account's AppSecret or authorizer refresh token"})
	}
	key := c.AppSecretKey
	if routeOf(spec.PlatformConfigRef.Name) == wx.CredentialsRouteThirdPartyPlatform {
		key = c.AuthorizerRefreshTokenKey
	}
	return append(out, ref{kind: "Secret", name: c.SecretName, keys: []string{key}, credentials: true})
}

func platformConfigRefs(pc *wx.PlatformConfig) []ref {
	t := pc.Spec.ThirdPartyPlatform
	if t == nil {
		return nil
	}
	var out []ref
	for _, s := range []wx.SecretKeySelector{t.ComponentSecretRef, t.CallbackTokenRef, t.EncodingAESKeyRef} {
		out = append(out, ref{kind: "Secret", name: s.Name, keys: []string{s.Key}, credentials: true})
	}
	return out
}

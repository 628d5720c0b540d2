// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// The fleet: N Official Accounts of one company; each links 6 Mini Programs of the same company (confirmed at
// once) and 4 of its media subsidiary (each waits for the admins, who confirm it; the 4th is over the
// 3-per-account quota of other-subject links and waits in wxlink's queue).
const (
	sameLinks, otherLinks = 6, 4
	sameMPs, otherMPs     = 8, 6
	linksPerOA            = sameLinks + otherLinks
)

var (
	company = sim.Subject{Name: "深圳市云杉科技有限公司", Type: sim.Enterprise}
	media   = sim.Subject{Name: "深圳市云杉文化传媒有限公司", Type: sim.Media}
)

// account is one declared account: its object name, AppID and AppSecret (random per run).
type account struct {
	name, appID, secret string
	typ                 sim.AccountType
	subject             sim.Subject
}

// linkDecl is one declared AssociationLink.
type linkDecl struct {
	name, oa, mp string // object names
	policy       wx.DeletionPolicy
	same         bool
	deleteHalf   bool // in the half that scenarios delete
}

type fleet struct {
	ns    string
	oas   []account
	mps   map[string]account // by name
	links []linkDecl
}

// newFleet declares size Official Accounts and their links in namespace ns.
func newFleet(ns string, size int) *fleet {
	f := &fleet{ns: ns, mps: map[string]account{}}
	for j := range sameMPs {
		f.addMP(fmt.Sprintf("mp-same-%d", j), company)
	}
	for j := range otherMPs {
		f.addMP(fmt.Sprintf("mp-other-%d", j), media)
	}
	for i := range size {
		oa := newAccount(ns, fmt.Sprintf("oa-%03d", i), sim.OfficialAccount, company)
		f.oas = append(f.oas, oa)
		for k := range sameLinks {
			f.links = append(f.links, linkDecl{name: fmt.Sprintf("%s-s%d", oa.name, k), oa: oa.name,
				mp: fmt.Sprintf("mp-same-%d", (i+k)%sameMPs), same: true, policy: policyOf(k == 5), deleteHalf: k%2 == 1})
		}
		for k := range otherLinks {
			f.links = append(f.links, linkDecl{name: fmt.Sprintf("%s-t%d", oa.name, k), oa: oa.name,
				mp: fmt.Sprintf("mp-other-%d", (i+k)%otherMPs), policy: policyOf(k == 3), deleteHalf: k%2 == 1})
		}
	}
	return f
}

func policyOf(orphan bool) wx.DeletionPolicy {
	if orphan {
		return wx.DeletionPolicyOrphan
	}
	return wx.DeletionPolicyDelete
}

func (f *fleet) addMP(name string, subj sim.Subject) {
	f.mps[name] = newAccount(f.ns, name, sim.MiniProgram, subj)
}

// newAccount makes an AppID from the namespace and name, and a random AppSecret.
func newAccount(ns, name string, typ sim.AccountType, subj sim.Subject) account {
	h := sha256.Sum256([]byte(ns + "/" + name))
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	return account{name: name, appID: "wx" + hex.EncodeToString(h[:8]), secret: hex.EncodeToString(secret), typ: typ, subject: subj}
}

// accounts lists every account of the fleet.
func (f *fleet) accounts() []account {
	out := append([]account(nil), f.oas...)
	for j := range sameMPs {
		out = append(out, f.mps[fmt.Sprintf("mp-same-%d", j)])
	}
	for j := range otherMPs {
		out = append(out, f.mps[fmt.Sprintf("mp-other-%d", j)])
	}
	return out
}

// appIDs maps object names to AppIDs.
func (f *fleet) appIDs() map[string]string {
	out := map[string]string{}
	for _, a := range f.accounts() {
		out[a.name] = a.appID
	}
	return out
}

// secrets are the AppSecrets of the run.
func (f *fleet) secrets() []string {
	var out []string
	for _, a := range f.accounts() {
		out = append(out, a.secret)
	}
	return out
}

// seed gives the simulator the fleet's accounts: verified, released, with their AppSecrets.
func (f *fleet) seed(s simAPI) error {
	var seed sim.SeedFile
	for _, a := range f.accounts() {
		seed.Accounts = append(seed.Accounts, sim.Account{AppID: a.appID, Secret: a.secret, Type: a.typ,
			Subject: a.subject, Verification: sim.Verified, Released: true, Nickname: a.name})
	}
	return s.seed(seed)
}

// declareAccounts creates the namespace, the PlatformConfig (the scenario's simulator, a 1 s request
// timeout), and each account's credentials Secret and object.
func (f *fleet) declareAccounts(ctx context.Context, endpoint string) error {
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}); err != nil {
		return err
	}
	pc := &wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "wechat"},
		Spec: wx.PlatformConfigSpec{Endpoint: endpoint, RequestTimeout: &metav1.Duration{Duration: requestTimeout}}}
	if err := k8s.Create(ctx, pc); err != nil {
		return err
	}
	for _, a := range f.accounts() {
		if err := declareAccount(ctx, f.ns, a); err != nil {
			return err
		}
	}
	return nil
}

func declareAccount(ctx context.Context, ns string, a account) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: a.name + "-credentials",
		Labels: map[string]string{"wechat.wxlink.dev/credentials": "true"}}, StringData: map[string]string{"appSecret": a.secret}}
	if err := k8s.Create(ctx, secret); err != nil {
		return err
	}
	spec := wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"},
		Subject:     wx.Subject{Name: a.subject.Name, Type: wx.SubjectType(a.subject.Type)},
		Credentials: &wx.AccountCredentials{SecretName: a.name + "-credentials", AppSecretKey: "appSecret"}}
	meta := metav1.ObjectMeta{Namespace: ns, Name: a.name}
	if a.typ == sim.OfficialAccount {
		return k8s.Create(ctx, &wx.OfficialAccount{ObjectMeta: meta, Spec: wx.OfficialAccountSpec{AppID: wx.AppID(a.appID), AccountSpec: spec}})
	}
	return k8s.Create(ctx, &wx.MiniProgram{ObjectMeta: meta, Spec: wx.MiniProgramSpec{AppID: wx.AppID(a.appID), AccountSpec: spec}})
}

// object is the AssociationLink of a declaration.
func (l linkDecl) object(ns string) *wx.AssociationLink {
	return &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: l.name},
		Spec: wx.AssociationLinkSpec{Type: wx.OfficialAccountToMiniProgram,
			From:           wx.AccountReference{Kind: wx.KindOfficialAccount, Name: l.oa},
			To:             wx.AccountReference{Kind: wx.KindMiniProgram, Name: l.mp},
			DeletionPolicy: l.policy}}
}

// apply creates the links (those of the deleted half only, with half), skipping any that exist.
func (f *fleet) apply(ctx context.Context, half bool) error {
	for _, l := range f.links {
		if half && !l.deleteHalf {
			continue
		}
		if err := k8s.Create(ctx, l.object(f.ns)); client.IgnoreAlreadyExists(err) != nil {
			return err
		}
	}
	return nil
}

// deleteHalf deletes the half of the links that scenarios delete, and returns them.
func (f *fleet) deleteHalf(ctx context.Context) ([]linkDecl, error) {
	var out []linkDecl
	for _, l := range f.links {
		if !l.deleteHalf {
			continue
		}
		if err := k8s.Delete(ctx, l.object(f.ns)); client.IgnoreNotFound(err) != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

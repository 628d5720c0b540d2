// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
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

// account is one declared account: its object name, AppID and AppSecret (random per run); refresh is the
// authorizer refresh token of an account on the third-party platform route.
type account struct {
	name, appID, secret, refresh string
	typ                          sim.AccountType
	subject                      sim.Subject
}

// The third-party-platform slice: the fleet's last Official Account (of two or more) uses the ThirdPartyPlatform route, through
// its own PlatformConfig, so that a component secret, a callback token and EncodingAESKey, an authorizer
// refresh token, component and authorizer access tokens and a component_verify_ticket are in play (and in the
// secret check).
const (
	tppConfig       = "wechat-tpp"
	tppSecret       = "component"
	tppTicketSecret = "component-verify-ticket"
)

// linkDecl is one declared AssociationLink.
type linkDecl struct {
	name, oa, mp string // object names
	policy       wx.DeletionPolicy
	same         bool
	deleteHalf   bool // in the half that scenarios delete
}

type fleet struct {
	ns        string
	component sim.Component // the third-party platform, with random secrets
	ticket    string        // the component_verify_ticket the simulator issued
	oas       []account
	mps       map[string]account // by name
	links     []linkDecl
}

// newFleet declares size Official Accounts and their links in namespace ns.
func newFleet(ns string, size int) *fleet {
	f := &fleet{ns: ns, mps: map[string]account{}, component: newComponent(ns)}
	for j := range sameMPs {
		f.addMP(fmt.Sprintf("mp-same-%d", j), company)
	}
	for j := range otherMPs {
		f.addMP(fmt.Sprintf("mp-other-%d", j), media)
	}
	for i := range size {
		oa := newAccount(ns, fmt.Sprintf("oa-%03d", i), sim.OfficialAccount, company)
		if i == size-1 && size > 1 {
			oa.refresh = randomHex(24) // the third-party-platform slice (not oa-000, which badinput/ names)
		}
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
	return account{name: name, appID: appIDOf(ns, name), secret: randomHex(16), typ: typ, subject: subj}
}

func appIDOf(ns, name string) string {
	h := sha256.Sum256([]byte(ns + "/" + name))
	return "wx" + hex.EncodeToString(h[:8])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newComponent makes the third-party platform: its AppID, and a random secret, callback token and
// EncodingAESKey (43 characters: 32 random bytes in base64 without its padding).
func newComponent(ns string) sim.Component {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return sim.Component{AppID: appIDOf(ns, "component"), Secret: randomHex(16), Token: randomHex(12),
		EncodingAESKey: strings.TrimSuffix(base64.StdEncoding.EncodeToString(key), "=")}
}

// simArgs are the simulator's flags and environment for the third-party platform: the secrets go through the
// environment, never the command line.
func (f *fleet) simArgs() (args, env []string) {
	c := f.component
	return []string{"--component-appid", c.AppID}, []string{"WECHATSIM_COMPONENT_SECRET=" + c.Secret,
		"WECHATSIM_COMPONENT_TOKEN=" + c.Token, "WECHATSIM_COMPONENT_AES_KEY=" + c.EncodingAESKey}
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

// secrets are the secrets the suite gave the run: the AppSecrets, the authorizer refresh tokens, the
// component's secret, callback token and EncodingAESKey, and the verify ticket.
func (f *fleet) secrets() []string {
	out := []string{f.component.Secret, f.component.Token, f.component.EncodingAESKey, f.ticket}
	for _, a := range f.accounts() {
		out = append(out, a.secret, a.refresh)
	}
	return out
}

// seed gives the simulator the fleet's accounts: verified, released, with their AppSecrets.
func (f *fleet) seed(s simAPI) error {
	var seed sim.SeedFile
	for _, a := range f.accounts() {
		seed.Accounts = append(seed.Accounts, sim.Account{AppID: a.appID, Secret: a.secret, Type: a.typ,
			Subject: a.subject, Verification: sim.Verified, Released: true, Nickname: a.name, AuthorizerRefreshToken: a.refresh})
	}
	return s.seed(seed)
}

// declareAccounts creates the namespace, the PlatformConfigs (the scenario's simulator, a 1 s request
// timeout; one on the OwnSecret route, one on the ThirdPartyPlatform route with its Secrets), and each
// account's credentials Secret and object.
func (f *fleet) declareAccounts(ctx context.Context, endpoint string) error {
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}); err != nil {
		return err
	}
	pc := &wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "wechat"},
		Spec: wx.PlatformConfigSpec{Endpoint: endpoint, RequestTimeout: &metav1.Duration{Duration: requestTimeout}}}
	if err := k8s.Create(ctx, pc); err != nil {
		return err
	}
	if err := f.declareComponent(ctx, endpoint); err != nil {
		return err
	}
	for _, a := range f.accounts() {
		if err := declareAccount(ctx, f.ns, a); err != nil {
			return err
		}
	}
	return nil
}

// declareComponent creates the third-party platform's PlatformConfig, the Secret of its secrets, and the
// verify ticket Secret as wxlink's callback would have written it for the simulator's last push.
func (f *fleet) declareComponent(ctx context.Context, endpoint string) error {
	c := f.component
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: tppSecret, Labels: map[string]string{controllers.CredentialsLabel: "true"}},
			StringData: map[string]string{"secret": c.Secret, "token": c.Token, "aesKey": c.EncodingAESKey}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: tppTicketSecret, Labels: map[string]string{controllers.ManagedByLabel: controllers.ManagedByValue}},
			StringData: map[string]string{controllers.VerifyTicketKey: f.ticket, controllers.VerifyTicketTimeKey: time.Now().UTC().Format(time.RFC3339)}},
	} {
		if err := k8s.Create(ctx, s); err != nil {
			return err
		}
	}
	return k8s.Create(ctx, &wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: tppConfig},
		Spec: wx.PlatformConfigSpec{Endpoint: endpoint, RequestTimeout: &metav1.Duration{Duration: requestTimeout},
			CredentialsRoute: wx.CredentialsRouteThirdPartyPlatform, ThirdPartyPlatform: &wx.ThirdPartyPlatform{
				ComponentAppID: wx.AppID(c.AppID), ComponentSecretRef: wx.SecretKeySelector{Name: tppSecret, Key: "secret"},
				CallbackTokenRef:  wx.SecretKeySelector{Name: tppSecret, Key: "token"},
				EncodingAESKeyRef: wx.SecretKeySelector{Name: tppSecret, Key: "aesKey"}, VerifyTicketSecretName: tppTicketSecret}}})
}

func declareAccount(ctx context.Context, ns string, a account) error {
	data, config := map[string]string{"appSecret": a.secret}, "wechat"
	creds := &wx.AccountCredentials{SecretName: a.name + "-credentials", AppSecretKey: "appSecret"}
	if a.refresh != "" {
		data, config = map[string]string{"authorizerRefreshToken": a.refresh}, tppConfig
		creds = &wx.AccountCredentials{SecretName: a.name + "-credentials", AuthorizerRefreshTokenKey: "authorizerRefreshToken"}
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: a.name + "-credentials",
		Labels: map[string]string{controllers.CredentialsLabel: "true"}}, StringData: data}
	if err := k8s.Create(ctx, secret); err != nil {
		return err
	}
	spec := wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: config},
		Subject:     wx.Subject{Name: a.subject.Name, Type: wx.SubjectType(a.subject.Type)},
		Credentials: creds}
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

// create creates links, skipping any that exist, and returns those it created.
func (f *fleet) create(ctx context.Context, links []linkDecl) ([]linkDecl, error) {
	var out []linkDecl
	for _, l := range links {
		err := k8s.Create(ctx, l.object(f.ns))
		if client.IgnoreAlreadyExists(err) != nil {
			return out, err
		}
		if err == nil {
			out = append(out, l)
		}
	}
	return out, nil
}

// half is the links of the half that scenarios delete (all of them, without only).
func (f *fleet) half(only bool) []linkDecl {
	var out []linkDecl
	for _, l := range f.links {
		if !only || l.deleteHalf {
			out = append(out, l)
		}
	}
	return out
}

// slices deals the links into n slices, one per phase of the fault matrix: first the links that scenarios
// delete with deletionPolicy Delete (one per slice with 3 Official Accounts for 9 slices, so that each
// phase has an unlink to make), then the rest; each Official Account's last link of another subject, the one
// its quota of 3 queues, goes to the last slice, after its others.
func (f *fleet) slices(n int) [][]linkDecl {
	out := make([][]linkDecl, n)
	i := 0
	var last []linkDecl
	for pass := range 2 {
		for _, l := range f.links {
			unlinked := l.deleteHalf && l.policy == wx.DeletionPolicyDelete
			switch {
			case unlinked != (pass == 0):
			case !l.same && l.name == l.oa+fmt.Sprintf("-t%d", otherLinks-1):
				last = append(last, l)
			default:
				out[i%n] = append(out[i%n], l)
				i++
			}
		}
	}
	out[n-1] = append(out[n-1], last...)
	return out
}

// remove deletes links, and returns those it found.
func (f *fleet) remove(ctx context.Context, links []linkDecl) ([]linkDecl, error) {
	var out []linkDecl
	for _, l := range links {
		err := k8s.Delete(ctx, l.object(f.ns))
		if client.IgnoreNotFound(err) != nil {
			return out, err
		}
		if err == nil {
			out = append(out, l)
		}
	}
	return out, nil
}

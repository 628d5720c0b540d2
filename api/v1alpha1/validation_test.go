// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

// These tests install the generated CRDs into a real kube-apiserver (envtest) and check that apply-time
// validation (OpenAPI types, enums and CEL rules) rejects bad objects with a message that says what to fix,
// accepts good ones at the boundaries, applies the defaults, and accepts every sample in config/samples.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	corev1 "k8s.io/api/core/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

var k8s client.Client

func TestMain(m *testing.M) {
	os.Exit(runWithEnvtest(m))
}

func runWithEnvtest(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make test`, or "+
			"`export KUBEBUILDER_ASSETS=$(hack/build-controlplane.sh)` before `go test`")
		return 1
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := wx.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}
	return m.Run()
}

// newNamespace creates a namespace of its own for one test, so tests never see each other's objects.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "validation-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), ns) })
	return ns.Name
}

const (
	appA = "wx0123456789abcdef"
	appB = "wxfedcba9876543210"
)

var enterprise = wx.Subject{Name: "深圳市云杉科技有限公司", Type: wx.SubjectEnterprise}

func officialAccount(ns, name, appID string) *wx.OfficialAccount {
	return &wx.OfficialAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: wx.OfficialAccountSpec{AppID: wx.AppID(appID), AccountSpec: wx.AccountSpec{
			PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: enterprise,
		}},
	}
}

func miniProgram(ns, name string, testers int) *wx.MiniProgram {
	mp := &wx.MiniProgram{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: wx.MiniProgramSpec{AppID: appB, AccountSpec: wx.AccountSpec{
			PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: enterprise,
		}},
	}
	if testers > 0 {
		mp.Spec.Members = &wx.MiniProgramMembers{}
		for i := range testers {
			mp.Spec.Members.Testers = append(mp.Spec.Members.Testers, wx.WeChatID(fmt.Sprintf("tester%03d", i)))
		}
	}
	return mp
}

func link(ns, name string, typ wx.AssociationType, from, to wx.AccountKind) *wx.AssociationLink {
	return &wx.AssociationLink{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: wx.AssociationLinkSpec{
			Type: typ,
			From: wx.AccountReference{Kind: from, Name: "from"},
			To:   wx.AccountReference{Kind: to, Name: "to"},
		},
	}
}

func merchant(ns, name, mchid string) *wx.MerchantBinding {
	return &wx.MerchantBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: wx.MerchantBindingSpec{
			MerchantID: wx.MerchantID(mchid),
			Target:     wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mall"},
		},
	}
}

func platformConfig(ns, name, endpoint string) *wx.PlatformConfig {
	return &wx.PlatformConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       wx.PlatformConfigSpec{Endpoint: endpoint},
	}
}

// expectInvalid asserts that err is the apiserver's Invalid error and that its message contains every want.
func expectInvalid(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the apiserver accepted the object; want it rejected with %q", want)
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("want an Invalid error, got %v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err.Error(), w)
		}
	}
}

func TestCreateRejectsBadObjects(t *testing.T) {
	ns := newNamespace(t)
	cases := []struct {
		name string
		obj  func() client.Object
		want []string
	}{
		{"AppID too short", func() client.Object { return officialAccount(ns, "a", "wxABC") },
			[]string{`spec.appID`, `"wxABC" is not a WeChat AppID`, `16 lowercase hexadecimal`}},
		{"AppID with upper case hex", func() client.Object { return officialAccount(ns, "a", "wx0123456789ABCDEF") },
			[]string{`is not a WeChat AppID`}},
		{"AppID without the wx prefix", func() client.Object { return officialAccount(ns, "a", "gh_0123456789abcd") },
			[]string{`is not a WeChat AppID`}},
		{"41 testers", func() client.Object { return miniProgram(ns, "m", 41) },
			[]string{`spec.members`, `at most 40 testers`, `remove testers`}},
		{"tester that is not a WeChat ID", func() client.Object {
			mp := miniProgram(ns, "m", 1)
			mp.Spec.Members.Testers[0] = "1-starts-with-digit"
			return mp
		}, []string{`spec.members.testers[0]`}},
		{"unknown subject type", func() client.Object {
			oa := officialAccount(ns, "a", appA)
			oa.Spec.Subject.Type = "Company"
			return oa
		}, []string{`spec.subject.type`, `Unsupported value: "Company"`}},
		{"link type that does not match its ends", func() client.Object {
			return link(ns, "l", wx.OfficialAccountToMiniProgram, wx.KindWeComCorp, wx.KindMiniProgram)
		}, []string{`spec.type`, `type OfficialAccountToMiniProgram joins from.kind OfficialAccount to to.kind MiniProgram, not WeComCorp to MiniProgram`,
			`or choose the type that joins WeComCorp to MiniProgram`}},
		{"link type with ends reversed", func() client.Object {
			return link(ns, "l", wx.OfficialAccountToMiniProgram, wx.KindMiniProgram, wx.KindOfficialAccount)
		}, []string{`joins from.kind OfficialAccount to to.kind MiniProgram, not MiniProgram to OfficialAccount`}},
		{"store link to the wrong kind", func() client.Object {
			return link(ns, "l", wx.StoreToChannels, wx.KindWeChatStore, wx.KindMiniProgram)
		}, []string{`type StoreToChannels joins from.kind WeChatStore to to.kind ChannelsAccount, not WeChatStore to MiniProgram`}},
		{"store options on a link that is not a store partner link", func() client.Object {
			l := link(ns, "l", wx.OfficialAccountToMiniProgram, wx.KindOfficialAccount, wx.KindMiniProgram)
			l.Spec.Store = &wx.StoreLinkOptions{ReinviteAfterTimeout: true}
			return l
		}, []string{`options.store applies only to the WeChat Store partner links`}},
		{"a store partner link confirmed in a console", func() client.Object {
			l := link(ns, "l", wx.StoreToMiniProgram, wx.KindWeChatStore, wx.KindMiniProgram)
			l.Spec.ConfirmedInConsole = &wx.ConsoleConfirmation{By: "li", On: "2026-12-01"}
			return l
		}, []string{`confirmedInConsole applies only to associations that a console makes`}},
		{"a Youzan store without its kdt_id", func() client.Object {
			return &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s"}, Spec: wx.ThirdPartyStoreSpec{
				Provider: wx.StoreProviderYouzan, Credentials: wx.StoreAppCredentials{SecretName: "app"}}}
		}, []string{`shopID is required for Youzan (kdt_id) and Weimob (shop_id)`}},
		{"a console confirmation on an Official Account binding", func() client.Object {
			return &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s"}, Spec: wx.ThirdPartyStoreSpec{
				Provider: wx.StoreProviderWeidian, Credentials: wx.StoreAppCredentials{SecretName: "app"},
				Bindings: []wx.StoreBinding{{Kind: wx.StoreBindingOfficialAccount, Name: "news",
					ConfirmedInConsole: &wx.ConsoleConfirmation{By: "li", On: "2026-12-01"}}}}}
		}, []string{`confirmedInConsole applies to MiniProgram and ChannelsAccount bindings only`}},
		{"a store endpoint that is not a URL", func() client.Object {
			return &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s"}, Spec: wx.ThirdPartyStoreSpec{
				Provider: wx.StoreProviderWeidian, Credentials: wx.StoreAppCredentials{SecretName: "app"},
				API: &wx.StoreAPI{Endpoint: "ftp://127.0.0.1"}}}
		}, []string{`endpoint must be an http:// or https:// URL`}},
		{"reference to another namespace", func() client.Object {
			l := link(ns, "l", wx.OfficialAccountToMiniProgram, wx.KindOfficialAccount, wx.KindMiniProgram)
			l.Spec.From.Namespace = "other-ns"
			return l
		}, []string{`spec.from`, `references are namespace-local: remove namespace`}},
		{"reference name with a namespace prefix", func() client.Object {
			l := link(ns, "l", wx.OfficialAccountToMiniProgram, wx.KindOfficialAccount, wx.KindMiniProgram)
			l.Spec.To.Name = "other-ns/mall"
			return l
		}, []string{`spec.to.name`, `without a namespace/ prefix`}},
		{"credentials Secret name with a namespace prefix", func() client.Object {
			oa := officialAccount(ns, "a", appA)
			oa.Spec.Credentials = &wx.AccountCredentials{SecretName: "kube-system/creds"}
			return oa
		}, []string{`spec.credentials.secretName`, `references are namespace-local`}},
		{"PlatformConfig reference in upper case", func() client.Object {
			oa := officialAccount(ns, "a", appA)
			oa.Spec.PlatformConfigRef.Name = "WeChat"
			return oa
		}, []string{`spec.platformConfigRef.name`, `lower-case letters, digits`}},
		{"original ID of the wrong shape", func() client.Object {
			mp := miniProgram(ns, "m", 0)
			mp.Spec.OriginalID = "gh_XYZ"
			return mp
		}, []string{`spec.originalID`}},
		{"request timeout above 30s", func() client.Object {
			p := platformConfig(ns, "p", "")
			p.Spec.RequestTimeout = &metav1.Duration{Duration: 31 * time.Second}
			return p
		}, []string{`spec.requestTimeout`, `at most 30s`}},
		{"WeCom options on an Official Account link", func() client.Object {
			l := link(ns, "l", wx.OfficialAccountToMiniProgram, wx.KindOfficialAccount, wx.KindMiniProgram)
			l.Spec.WeCom = &wx.WeComLinkOptions{Visibility: wx.WeComVisibility{Departments: []int64{1}}}
			return l
		}, []string{`options.weCom applies only to type WeComToMiniProgram`}},
		{"WeCom link without a visibility scope", func() client.Object {
			return link(ns, "l", wx.WeComToMiniProgram, wx.KindWeComCorp, wx.KindMiniProgram)
		}, []string{`needs weCom.visibility`}},
		{"WeCom link with an empty visibility scope", func() client.Object {
			l := link(ns, "l", wx.WeComToMiniProgram, wx.KindWeComCorp, wx.KindMiniProgram)
			l.Spec.WeCom = &wx.WeComLinkOptions{}
			return l
		}, []string{`at least one department, user or tag`}},
		{"merchant ID with a leading zero", func() client.Object { return merchant(ns, "b", "0123456789") },
			[]string{`spec.merchantID`, `"0123456789" is not a WeChat Pay merchant ID`}},
		{"merchant ID too long", func() client.Object { return merchant(ns, "b", "12345678901") },
			[]string{`is not a WeChat Pay merchant ID`}},
		{"merchant binding that claims it can be deleted", func() client.Object {
			b := merchant(ns, "b", "1230000109")
			b.Spec.DeletionPolicy = wx.DeletionPolicyDelete
			return b
		}, []string{`deletionPolicy must be Orphan`, `cannot be undone`}},
		{"merchant bound to a WeCom corp", func() client.Object {
			b := merchant(ns, "b", "1230000109")
			b.Spec.Target.Kind = wx.KindWeComCorp
			return b
		}, []string{`target.kind must be MiniProgram or OfficialAccount`}},
		{"plain http to a remote endpoint", func() client.Object {
			return platformConfig(ns, "p", "http://api.weixin.qq.com")
		}, []string{`spec.endpoint`, `must use https unless it is a loopback simulator`}},
		{"endpoint that is not a URL", func() client.Object { return platformConfig(ns, "p", "api.weixin.qq.com") },
			[]string{`endpoint must be an absolute http(s) URL`}},
		{"third-party route without its configuration", func() client.Object {
			p := platformConfig(ns, "p", "")
			p.Spec.CredentialsRoute = wx.CredentialsRouteThirdPartyPlatform
			return p
		}, []string{`credentialsRoute ThirdPartyPlatform needs thirdPartyPlatform`}},
		{"burst below qps", func() client.Object {
			p := platformConfig(ns, "p", "")
			p.Spec.Budget = &wx.APIBudget{QPS: 50, Burst: 10}
			return p
		}, []string{`budget.burst must be at least budget.qps`}},
		{"open platform account with nothing to adopt or create", func() client.Object {
			return &wx.OpenPlatformAccount{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "o"},
				Spec:       wx.OpenPlatformAccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}},
			}
		}, []string{`set openAppID to adopt an existing Open Platform account, or list at least one account`}},
		{"WeCom corp ID of the wrong shape", func() client.Object {
			return &wx.WeComCorp{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c"},
				Spec: wx.WeComCorpSpec{CorpID: "corp1", Subject: enterprise,
					PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}},
			}
		}, []string{`spec.corpID`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectInvalid(t, k8s.Create(context.Background(), tc.obj()), tc.want...)
		})
	}
}

func TestCreateAcceptsBoundariesAndAppliesDefaults(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)

	mp := miniProgram(ns, "forty-testers", 40)
	if err := k8s.Create(ctx, mp); err != nil {
		t.Fatalf("40 testers is the platform's maximum and must be accepted: %v", err)
	}
	if mp.Spec.ManagementPolicy != wx.ManagementPolicyFull {
		t.Errorf("MiniProgram managementPolicy default = %q, want Full", mp.Spec.ManagementPolicy)
	}

	l := link(ns, "defaults", wx.OfficialAccountToMiniProgram, wx.KindOfficialAccount, wx.KindMiniProgram)
	if err := k8s.Create(ctx, l); err != nil {
		t.Fatalf("creating a valid link: %v", err)
	}
	if l.Spec.DeletionPolicy != wx.DeletionPolicyDelete || l.Spec.ManagementPolicy != wx.ManagementPolicyFull {
		t.Errorf("link defaults = %q/%q, want Delete/Full", l.Spec.DeletionPolicy, l.Spec.ManagementPolicy)
	}

	b := merchant(ns, "pay", "12300001")
	if err := k8s.Create(ctx, b); err != nil {
		t.Fatalf("an 8-digit merchant ID must be accepted: %v", err)
	}
	if b.Spec.DeletionPolicy != wx.DeletionPolicyOrphan {
		t.Errorf("MerchantBinding deletionPolicy default = %q, want Orphan", b.Spec.DeletionPolicy)
	}

	p := platformConfig(ns, "wechat", "")
	if err := k8s.Create(ctx, p); err != nil {
		t.Fatalf("creating a PlatformConfig with defaults: %v", err)
	}
	if p.Spec.Endpoint != "" || p.Spec.CredentialsRoute != wx.CredentialsRouteOwnSecret ||
		p.Spec.RequestTimeout == nil || p.Spec.RequestTimeout.Duration.String() != "10s" {
		t.Errorf("PlatformConfig defaults = %q %q %v", p.Spec.Endpoint, p.Spec.CredentialsRoute, p.Spec.RequestTimeout)
	}

	sim := platformConfig(ns, "sim", "http://127.0.0.1:18080")
	if err := k8s.Create(ctx, sim); err != nil {
		t.Fatalf("plain http to a loopback simulator must be accepted: %v", err)
	}
}

func TestUpdateKeepsImmutableFields(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)

	oa := officialAccount(ns, "news", appA)
	mustCreate(t, oa)
	oa.Spec.AppID = appB
	expectInvalid(t, k8s.Update(ctx, oa), `spec.appID`, `appID is immutable`)

	// A mutable field still updates: immutability is per field, not per object.
	oa = officialAccount(ns, "news", appA)
	mustGet(t, oa)
	oa.Spec.AccountType = wx.OfficialAccountService
	if err := k8s.Update(ctx, oa); err != nil {
		t.Fatalf("updating a mutable field: %v", err)
	}

	l := link(ns, "news-mall", wx.OfficialAccountToMiniProgram, wx.KindOfficialAccount, wx.KindMiniProgram)
	mustCreate(t, l)
	for _, change := range []struct {
		field  string
		mutate func(*wx.AssociationLink)
	}{
		{"spec.to", func(l *wx.AssociationLink) { l.Spec.To.Name = "another-mini-program" }},
		{"spec.from", func(l *wx.AssociationLink) { l.Spec.From.Name = "another-official-account" }},
		{"spec.type", func(l *wx.AssociationLink) {
			l.Spec.Type = wx.StoreToMiniProgram
			l.Spec.From.Kind = wx.KindWeChatStore
		}},
	} {
		fresh := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "news-mall"}}
		mustGet(t, fresh)
		change.mutate(fresh)
		expectInvalid(t, k8s.Update(ctx, fresh), change.field, "is immutable")
	}
	fresh := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "news-mall"}}
	mustGet(t, fresh)
	fresh.Spec.DeletionPolicy = wx.DeletionPolicyOrphan
	if err := k8s.Update(ctx, fresh); err != nil {
		t.Fatalf("deletionPolicy is mutable (a user may decide to orphan before deleting): %v", err)
	}

	b := merchant(ns, "pay", "1230000109")
	mustCreate(t, b)
	b.Spec.MerchantID = "1230000110"
	expectInvalid(t, k8s.Update(ctx, b), `merchantID is immutable`)

	op := &wx.OpenPlatformAccount{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unionid"},
		Spec: wx.OpenPlatformAccountSpec{OpenAppID: appA,
			PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}},
	}
	mustCreate(t, op)
	op.Spec.OpenAppID = appB
	expectInvalid(t, k8s.Update(ctx, op), `openAppID is immutable`)
	mustGet(t, op)
	op.Spec.OpenAppID = ""
	op.Spec.Accounts = []wx.OpenPlatformMember{{Kind: wx.KindMiniProgram, Name: "mall"}}
	expectInvalid(t, k8s.Update(ctx, op), `openAppID cannot be removed`)
}

// TestSamplesAreAccepted creates every object of config/samples, so the samples stay valid as the API evolves.
func TestSamplesAreAccepted(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	dir := filepath.Join("..", "..", "config", "samples")
	var kustomization struct {
		Resources []string `json:"resources"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &kustomization); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, file := range kustomization.Resources {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("%s: %v", file, err)
			}
			if len(u.Object) == 0 || u.GetKind() == "Namespace" {
				continue
			}
			u.SetNamespace(ns)
			if err := k8s.Create(ctx, u); err != nil {
				t.Errorf("%s: %s %s rejected: %v", file, u.GetKind(), u.GetName(), err)
			}
			kinds[u.GetKind()]++
		}
		_ = f.Close()
	}
	for _, kind := range []string{"PlatformConfig", "OfficialAccount", "MiniProgram", "AssociationLink",
		"MerchantBinding", "OpenPlatformAccount", "ChannelsAccount", "WeComCorp", "WeChatStore", "ThirdPartyStore", "Secret"} {
		if kinds[kind] == 0 {
			t.Errorf("config/samples has no %s: the samples should show every kind", kind)
		}
	}
	if kinds["AssociationLink"] < 5 {
		t.Errorf("config/samples has %d links; it should show links both within quota and over it", kinds["AssociationLink"])
	}
}

func mustCreate(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func mustGet(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatalf("getting %T %s: %v", obj, obj.GetName(), err)
	}
}

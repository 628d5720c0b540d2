// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
)

var credentialsLabel = map[string]string{controllers.CredentialsLabel: controllers.CredentialsLabelValue}

func withCredentials(m *wx.MiniProgram, secret string) *wx.MiniProgram {
	m.Spec.Credentials = &wx.AccountCredentials{SecretName: secret, AppSecretKey: "appSecret"}
	return m
}

func TestTraceFollowsReferencesAndFailsOnAMissingKey(t *testing.T) {
	news := oa()
	news.Spec.Credentials = &wx.AccountCredentials{SecretName: "news-credentials", AppSecretKey: "appSecret"}
	mall := withCredentials(mp("mall", "wxf58added5f834230", parent), "mall-credentials")
	pc := &wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "wechat", Namespace: ns, Generation: 1}}
	pc.Status.Conditions = readyCond()
	l := linked(link("news-mall", "mall"), time.Hour)
	l.Status.Conditions = readyCond()
	mb := &wx.MerchantBinding{ObjectMeta: metav1.ObjectMeta{Name: "pay", Namespace: ns},
		Spec: wx.MerchantBindingSpec{MerchantID: "1230000109", Target: wx.AccountReference{Kind: wx.KindMiniProgram, Name: "mall"}}}
	secrets := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "news-credentials", Namespace: ns, Labels: credentialsLabel},
			Data: map[string][]byte{"appSecret": []byte("n3ws-s3cret")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mall-credentials", Namespace: ns, Labels: credentialsLabel},
			Data: map[string][]byte{"other": []byte("m4ll-s3cret")}},
	}
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(append(secrets, news, mall, pc, l, mb)...).Build()

	root, err := Trace(context.Background(), c, ns, "AssociationLink", "news-mall")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := (Printer{Now: time.Now, Age: func(*metav1.Time) string { return "1h" }}).Trace(&out, root); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"├─ OfficialAccount/news", "│  └─ Secret/news-credentials", "holds appSecret",
		"└─ MiniProgram/mall", "Secret/mall-credentials", "KeyMissing", `has no key "appSecret"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("trace lacks %q:\n%s", want, out.String())
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, root); err != nil {
		t.Fatal(err)
	}
	if text := out.String() + js.String(); strings.Contains(text, "s3cret") {
		t.Errorf("trace printed a Secret value:\n%s", text)
	}
	if root.AllReady() {
		t.Error("a Secret without the key the route reads must make the tree not Ready (exit status 2)")
	}
	mallRoot, err := Trace(context.Background(), c, ns, "MiniProgram", "mall")
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, n := range mallRoot.Children {
		if n.Relation == RelationUsedBy {
			users = append(users, n.Kind+"/"+n.Name)
		}
	}
	if strings.Join(users, ",") != "AssociationLink/news-mall,MerchantBinding/pay" {
		t.Errorf("the Mini Program is used by %v, want its link and its merchant binding", users)
	}
}

func TestQuotaCountsConsoleLinksAndOrdersTheQueue(t *testing.T) {
	const video, live, evt, podcast = "wx9fbcbaefb7f4ae2b", "wx048cfe3adb3634c6", "wx0a4ae2bfb6680270", "wx66a092b114e32036"
	objs := []client.Object{oa(video, live), mp("live", live, subsidia), mp("events", evt, subsidia), mp("podcast", podcast, subsidia),
		linked(link("a-live", "live"), 3*time.Hour), queuedLink(link("b-events", "events"), 2*time.Hour),
		queuedLink(link("c-podcast", "podcast"), time.Hour)}
	// 2 links made this month and deleted since, and b-events, admitted as a slot is free: 3 of 13.
	objs[0].(*wx.OfficialAccount).Status.MonthlyLedger = []wx.LedgerEntry{{UID: "gone", Month: "2026-12", Count: 2}}
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).Build()
	r, err := Quota(context.Background(), c, ns, "OfficialAccount", "news", now)
	if err != nil {
		t.Fatal(err)
	}
	if r.OtherSubject != "3/3" || r.SameSubject != "0/10" || r.ThisMonth != "3/13" || r.Resets != "2027-01-01 00:00 Beijing time" {
		t.Errorf("figures: %+v", r)
	}
	if len(r.Holding) != 3 || r.Holding[0].Link != "" || r.Holding[0].Other != video {
		t.Errorf("holding: want the console link to %s, a-live, and the admitted b-events: %+v", video, r.Holding)
	}
	if len(r.Queue) != 1 || r.Queue[0].Link != "c-podcast" || r.Queue[0].QueuePosition != 1 {
		t.Errorf("queue: want c-podcast first: %+v", r.Queue)
	}
}

// traceText traces kind/name in a cluster of objs and prints the tree.
func traceText(t *testing.T, kind, name string, objs ...client.Object) (string, *Node) {
	t.Helper()
	root, err := Trace(t.Context(), fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).Build(), ns, kind, name)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := (Printer{Now: time.Now, Age: func(*metav1.Time) string { return "1h" }, Wide: true}).Trace(&out, root); err != nil {
		t.Fatal(err)
	}
	return out.String(), root
}

// The operator reads credentials only from Secrets labelled for it; a store app's Secret must hold both keys
// its credentials name; an account without spec.credentials waits for them. Trace shows each as not Ready.
func TestTraceCredentialsAsTheOperatorReadsThem(t *testing.T) {
	pc := &wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "wechat", Namespace: ns, Generation: 1}}
	pc.Status.Conditions = readyCond()
	unlabelled := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mall-credentials", Namespace: ns},
		Data: map[string][]byte{"appSecret": []byte("m4ll-s3cret")}}
	out, root := traceText(t, "MiniProgram", "mall", withCredentials(mp("mall", mallAppID, parent), "mall-credentials"), pc, unlabelled)
	if !strings.Contains(out, wx.ReasonCredentialsNotLabelled) || !strings.Contains(out, "kubectl label secret -n plan mall-credentials") ||
		root.AllReady() {
		t.Errorf("an unlabelled credentials Secret shows as fine:\n%s", out)
	}
	out, root = traceText(t, "MiniProgram", "mall", mp("mall", mallAppID, parent), pc)
	if !strings.Contains(out, "Secret/-") || !strings.Contains(out, "spec.credentials is not set") || root.AllReady() {
		t.Errorf("an account without spec.credentials shows no missing Secret:\n%s", out)
	}
	store := &wx.ThirdPartyStore{ObjectMeta: metav1.ObjectMeta{Name: "youzan", Namespace: ns, Generation: 1},
		Spec: wx.ThirdPartyStoreSpec{Credentials: wx.StoreAppCredentials{SecretName: "youzan-app", ClientSecretKey: "secret"}}}
	store.Status.Conditions = readyCond()
	app := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "youzan-app", Namespace: ns, Labels: credentialsLabel},
		Data: map[string][]byte{"clientID": []byte("id"), "clientSecret": []byte("s3cret")}}
	out, root = traceText(t, "ThirdPartyStore", "youzan", store, app)
	if !strings.Contains(out, `has no key "secret"`) || root.AllReady() {
		t.Errorf("a store app Secret without its clientSecretKey shows as fine:\n%s", out)
	}
}

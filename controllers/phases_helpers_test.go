// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

// Unit tests of the link reconcile's phases: the reconciler runs against the in-process fake platform
// (internal/platform/fake) and controller-runtime's fake client, with the same field indexes as the manager.
// They test one phase's decisions and the calls it makes; the envtest suites (package controllers_test)
// remain the integration tests against a real apiserver and the simulator.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	clientfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/platform/fake"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

const phaseNS = "tenant"

var (
	subjectA = wx.Subject{Name: "深圳市云杉科技有限公司", Type: wx.SubjectEnterprise}
	subjectB = wx.Subject{Name: "深圳市云杉文化传媒有限公司", Type: wx.SubjectMedia}
	// phaseNow is a frozen clock in the middle of a WeChat month.
	phaseNow = time.Date(2026, 11, 18, 4, 0, 0, 0, time.UTC)
)

// fakeProvider hands out one fake platform for every PlatformConfig, and reads credentials from c.
type fakeProvider struct {
	p platform.Platform
	c client.Reader
}

func (f fakeProvider) For(context.Context, *wx.PlatformConfig) (platform.Platform, error) {
	return f.p, nil
}
func (f fakeProvider) Renewals() <-chan event.GenericEvent     { return nil }
func (f fakeProvider) Forget(string, string) platform.Platform { return nil }
func (f fakeProvider) Credential(ctx context.Context, ns string, sel wx.SecretKeySelector) (platform.Secret, error) {
	v, _, err := readSecretKey(ctx, f.c, ns, sel)
	return v, err
}

// phaseWorld is one unit test's cluster (a fake client with the manager's indexes), fake platform and
// link reconciler.
type phaseWorld struct {
	t      *testing.T
	c      client.Client
	plat   *fake.Platform
	events *events.FakeRecorder
	r      *AssociationLinkReconciler
	seq    int
	now    time.Time // the clock of the reconciler, its observer and the fake platform
}

func newPhaseWorld(t *testing.T) *phaseWorld {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wx.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	b := clientfake.NewClientBuilder().WithScheme(scheme).
		WithStatusSubresource(&wx.AssociationLink{}, &wx.OfficialAccount{}, &wx.MiniProgram{}, &wx.WeComCorp{}, &wx.PlatformConfig{},
			&wx.OpenPlatformAccount{}, &wx.MerchantBinding{}, &wx.WeChatStore{}, &wx.ChannelsAccount{})
	for _, i := range fieldIndexes() {
		b = b.WithIndex(i.obj, i.field, i.extract)
	}
	w := &phaseWorld{t: t, c: b.Build(), plat: fake.New(), events: events.NewFakeRecorder(100), now: phaseNow}
	clock := func() time.Time { return w.now }
	w.plat.Now = clock
	opts := Options{PollInterval: 10 * time.Minute, PendingPollInterval: time.Minute, Now: clock}
	w.r = &AssociationLinkReconciler{Client: w.c, APIReader: w.c, Platforms: fakeProvider{p: w.plat, c: w.c},
		Observer: NewObserver(opts.Now), Recorder: w.events, Options: opts}
	w.create(&wx.PlatformConfig{ObjectMeta: metav1.ObjectMeta{Name: "wechat"}})
	return w
}

func (w *phaseWorld) create(obj client.Object) {
	w.t.Helper()
	obj.SetNamespace(phaseNS)
	if obj.GetUID() == "" {
		obj.SetUID(types.UID(fmt.Sprintf("uid-%s", obj.GetName())))
	}
	if err := w.c.Create(context.Background(), obj); err != nil {
		w.t.Fatal(err)
	}
}

// account creates a Ready account object of the given kind, its credentials Secret, and its description on
// the fake platform.
func (w *phaseWorld) account(obj conditioned, name, appID string, subj wx.Subject) {
	w.t.Helper()
	w.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-credentials",
		Labels: map[string]string{CredentialsLabel: CredentialsLabelValue}}, Data: map[string][]byte{"appSecret": []byte("s-" + appID)}})
	spec := wx.AccountSpec{PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: subj,
		Credentials: &wx.AccountCredentials{SecretName: name + "-credentials", AppSecretKey: "appSecret"}}
	switch o := obj.(type) {
	case *wx.OfficialAccount:
		o.Spec.AppID, o.Spec.AccountSpec = wx.AppID(appID), spec
	case *wx.MiniProgram:
		o.Spec.AppID, o.Spec.AccountSpec = wx.AppID(appID), spec
	}
	obj.SetName(name)
	obj.SetGeneration(1)
	w.create(obj)
	base := obj.GetStatusBase()
	base.Conditions = []metav1.Condition{{Type: wx.ConditionReady, Status: metav1.ConditionTrue, Reason: wx.ReasonAvailable,
		ObservedGeneration: 1, LastTransitionTime: metav1.NewTime(phaseNow)}}
	if err := w.c.Status().Update(context.Background(), obj); err != nil {
		w.t.Fatal(err)
	}
	w.plat.SetAccount(platform.AccountInfo{AppID: appID, Username: "gh_" + appID[2:14],
		Subject: rules.Subject{Name: subj.Name, Type: rules.SubjectType(subj.Type)}, Verification: rules.VerificationVerified})
}

func (w *phaseWorld) officialAccount(name, appID string) {
	w.account(&wx.OfficialAccount{}, name, appID, subjectA)
}

func (w *phaseWorld) miniProgram(name, appID string, subj wx.Subject) {
	w.account(&wx.MiniProgram{}, name, appID, subj)
}

// link declares a link from the Official Account "oa" to a Mini Program, created a second after the
// previous one.
func (w *phaseWorld) link(name, mp string) *wx.AssociationLink {
	w.t.Helper()
	return w.linkFrom(name, "oa", mp)
}

// officialAccount2 declares a second Official Account, "oa2", of the same subject.
func (w *phaseWorld) officialAccount2() { w.officialAccount("oa2", "wx00000000000000a2") }

// linkFrom declares a link from an Official Account to a Mini Program.
func (w *phaseWorld) linkFrom(name, oa, mp string) *wx.AssociationLink {
	w.t.Helper()
	w.seq++
	l := &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Name: name, Generation: 1,
		CreationTimestamp: metav1.NewTime(phaseNow.Add(time.Duration(w.seq) * time.Second))},
		Spec: wx.AssociationLinkSpec{Type: wx.OfficialAccountToMiniProgram, DeletionPolicy: wx.DeletionPolicyDelete,
			ManagementPolicy: wx.ManagementPolicyFull,
			From:             wx.AccountReference{Kind: wx.KindOfficialAccount, Name: oa},
			To:               wx.AccountReference{Kind: wx.KindMiniProgram, Name: mp}}}
	w.create(l)
	return w.get(name)
}

func (w *phaseWorld) get(name string) *wx.AssociationLink {
	w.t.Helper()
	l := &wx.AssociationLink{}
	if err := w.c.Get(context.Background(), client.ObjectKey{Namespace: phaseNS, Name: name}, l); err != nil {
		w.t.Fatal(err)
	}
	return l
}

// onPlatform lists a Mini Program on the Official Account's links, as if made in the console.
func (w *phaseWorld) onPlatform(mpAppID string, status platform.LinkStatus) {
	w.plat.Update(func(p *fake.Platform) {
		p.Links[oaApp] = append(p.Links[oaApp], platform.MiniProgramLink{AppID: mpAppID, Status: status})
	})
}

// intend records on the named link, as recordIntent does, a request about to be made at the given time.
func (w *phaseWorld) intend(name string, at metav1.Time) {
	w.t.Helper()
	l := w.get(name)
	if l.Annotations == nil {
		l.Annotations = map[string]string{}
	}
	l.Annotations[wx.AnnotationRequestPending] = at.UTC().Format(time.RFC3339)
	l.Finalizers = []string{wx.Finalizer}
	if err := w.c.Update(context.Background(), l); err != nil {
		w.t.Fatal(err)
	}
}

// save writes a link's status as a reconcile would (over whatever a phase wrote meanwhile).
func (w *phaseWorld) save(l *wx.AssociationLink) {
	w.t.Helper()
	l.ResourceVersion = w.get(l.Name).ResourceVersion
	if err := w.c.Status().Update(context.Background(), l); err != nil {
		w.t.Fatal(err)
	}
}

// scope runs the phases up to and including last over a fresh scope of the named link, and returns the scope
// (its locks released), whether a phase ended the reconcile, and the error.
func (w *phaseWorld) scope(name string, phases ...linkPhase) (*linkScope, bool, error) {
	w.t.Helper()
	s := &linkScope{link: w.get(name)}
	defer s.unlock()
	for _, phase := range phases {
		if done, err := phase(context.Background(), s); done || err != nil {
			return s, done, err
		}
	}
	return s, false, nil
}

// drainEvents returns the reasons of the events emitted so far.
func (w *phaseWorld) drainEvents() []string {
	var reasons []string
	for {
		select {
		case e := <-w.events.Events:
			reasons = append(reasons, strings.Fields(e)[1])
		default:
			return reasons
		}
	}
}

func readyReason(l *wx.AssociationLink) string {
	for _, c := range l.Status.Conditions {
		if c.Type == wx.ConditionReady {
			return c.Reason
		}
	}
	return ""
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

const (
	ns        = "plan"
	newsAppID = "wxf6b41c32c96530b2"
)

var (
	now      = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	parent   = wx.Subject{Name: "深圳市云杉科技有限公司", Type: wx.SubjectEnterprise}
	subsidia = wx.Subject{Name: "深圳市云杉文化传媒有限公司", Type: wx.SubjectMedia}
)

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wx.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func readyCond() []metav1.Condition {
	return []metav1.Condition{{Type: wx.ConditionReady, Status: metav1.ConditionTrue, Reason: wx.ReasonAvailable,
		ObservedGeneration: 1, LastTransitionTime: metav1.NewTime(now)}}
}

// oa is the Ready Official Account "news"; listed are the Mini Programs its last read of the platform listed.
func oa(listed ...string) *wx.OfficialAccount {
	o := &wx.OfficialAccount{ObjectMeta: metav1.ObjectMeta{Name: "news", Namespace: ns, Generation: 1},
		Spec: wx.OfficialAccountSpec{AppID: newsAppID, AccountSpec: wx.AccountSpec{
			PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: parent}}}
	o.Status.Conditions, o.Status.LinkedMiniPrograms = readyCond(), listed
	return o
}

func mp(name, appID string, subj wx.Subject) *wx.MiniProgram {
	m := &wx.MiniProgram{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 1},
		Spec: wx.MiniProgramSpec{AppID: wx.AppID(appID), AccountSpec: wx.AccountSpec{
			PlatformConfigRef: wx.LocalObjectReference{Name: "wechat"}, Subject: subj}}}
	m.Status.Conditions = readyCond()
	return m
}

// link is a link from the Official Account "news".
func link(name, to string) *wx.AssociationLink {
	return &wx.AssociationLink{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 1},
		Spec: wx.AssociationLinkSpec{Type: wx.OfficialAccountToMiniProgram,
			From:           wx.AccountReference{Kind: wx.KindOfficialAccount, Name: "news"},
			To:             wx.AccountReference{Kind: wx.KindMiniProgram, Name: to},
			DeletionPolicy: wx.DeletionPolicyDelete, ManagementPolicy: wx.ManagementPolicyFull}}
}

// linked is a link the cluster holds, admitted and linked on the platform, created at the given age.
func linked(l *wx.AssociationLink, age time.Duration) *wx.AssociationLink {
	l.CreationTimestamp = metav1.NewTime(now.Add(-age))
	l.UID = types.UID("uid-" + l.Name)
	l.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted}
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateLinked}
	l.Status.MonthlyRequests = &wx.MonthlyCount{Month: "2026-10", Count: 1}
	return l
}

// manifest turns a typed object into what a manifest holds: apiVersion, kind, metadata.name and
// namespace, spec; no status.
func manifest(t *testing.T, obj client.Object) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	kind := typeName(obj)
	u := &unstructured.Unstructured{Object: map[string]any{"spec": m["spec"]}}
	u.SetAPIVersion(wx.GroupVersion.String())
	u.SetKind(kind)
	u.SetName(obj.GetName())
	u.SetNamespace(obj.GetNamespace())
	return u
}

func typeName(obj client.Object) string {
	switch obj.(type) {
	case *wx.OfficialAccount:
		return "OfficialAccount"
	case *wx.MiniProgram:
		return "MiniProgram"
	case *wx.AssociationLink:
		return "AssociationLink"
	}
	return ""
}

// testValidator compiles the repository's CRDs, the schemas `make install` puts in a cluster.
func testValidator(t *testing.T) *Validator {
	t.Helper()
	files, err := filepath.Glob("../../config/crd/bases/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	crds := make([]apiextensionsv1.CustomResourceDefinition, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
		crds = append(crds, crd)
	}
	v, err := NewValidator(crds)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// want is a link's expected verdict in a plan.
type want struct {
	action   Action
	outcome  Outcome
	reason   string
	queuedBy wx.AccountKind
	position int
}

func TestPlanTable(t *testing.T) {
	const (
		mall, member, video, live, evt = "wxf58added5f834230", "wx6225b134fc2f4365", "wx9fbcbaefb7f4ae2b", "wx048cfe3adb3634c6", "wx0a4ae2bfb6680270"
		podcast                        = "wx66a092b114e32036"
	)
	accounts := func(listed ...string) []client.Object {
		return []client.Object{oa(listed...), mp("mall", mall, parent), mp("member", member, parent),
			mp("video", video, subsidia), mp("live", live, subsidia), mp("events", evt, subsidia), mp("podcast", podcast, subsidia)}
	}
	full := func(l *wx.AssociationLink) *wx.AssociationLink {
		l.Spec.ManagementPolicy = wx.ManagementPolicyObserveOnly
		return l
	}
	monthFull := oa()
	monthFull.Status.MonthlyLedger = []wx.LedgerEntry{{UID: "gone", Month: "2026-12", Count: 13}}
	stale := oa() // read before news-mall was made; 12 links made this month, deleted since
	stale.Status.MonthlyLedger = []wx.LedgerEntry{{UID: "gone", Month: "2026-12", Count: 12}}
	cases := []struct {
		name    string
		cluster []client.Object
		apply   []client.Object
		want    map[string]want
	}{
		{"a new same-subject link is admitted", accounts(), []client.Object{link("news-mall", "mall")},
			map[string]want{"news-mall": {ActionCreate, OutcomeAdmitted, wx.ReasonWithinQuota, "", 0}}},
		{"a console link holds a slot: the third new other-subject link queues", accounts(video),
			[]client.Object{link("a-live", "live"), link("b-events", "events"), link("c-podcast", "podcast")},
			map[string]want{
				"a-live":    {ActionCreate, OutcomeAdmitted, wx.ReasonWithinQuota, "", 0},
				"b-events":  {ActionCreate, OutcomeAdmitted, wx.ReasonWithinQuota, "", 0},
				"c-podcast": {ActionCreate, OutcomeQueued, wx.ReasonQuotaExceeded, wx.KindOfficialAccount, 1},
			}},
		{"a younger duplicate is refused", append(accounts(mall), linked(link("news-mall", "mall"), time.Hour)),
			[]client.Object{link("news-mall", "mall"), link("news-mall-again", "mall")},
			map[string]want{
				"news-mall":       {ActionUnchanged, OutcomeAdmitted, wx.ReasonWithinQuota, "", 0},
				"news-mall-again": {ActionCreate, OutcomeRefused, wx.ReasonDuplicateLink, "", 0},
			}},
		{"a self-link is refused", append(accounts(), mp("itself", newsAppID, parent)), []client.Object{link("self", "itself")},
			map[string]want{"self": {ActionCreate, OutcomeRefused, wx.ReasonRuleViolation, "", 0}}},
		{"a link to a missing Mini Program waits", accounts(), []client.Object{link("nowhere", "missing")},
			map[string]want{"nowhere": {ActionCreate, OutcomeWaiting, wx.ReasonDependencyNotFound, "", 0}}},
		{"a link to a new Mini Program is admitted once it is Ready",
			[]client.Object{oa()}, []client.Object{mp("mall", mall, parent), link("news-mall", "mall")},
			map[string]want{"news-mall": {ActionCreate, OutcomeAdmitted, wx.ReasonWithinQuota, "", 0}}},
		{"the month's allowance is used up", []client.Object{monthFull, mp("mall", mall, parent)},
			[]client.Object{link("news-mall", "mall")},
			map[string]want{"news-mall": {ActionCreate, OutcomeQueued, wx.ReasonMonthlyLimitReached, wx.KindOfficialAccount, 1}}},
		{"an ObserveOnly link the platform does not list takes no slot", accounts(),
			[]client.Object{full(link("watch", "mall"))},
			map[string]want{"watch": {ActionCreate, OutcomeObserveOnly, wx.ReasonObserveOnly, "", 0}}},
		{"a queued link the manifests do not mention keeps its place", append(accounts(video, live, evt),
			linked(link("a-live", "live"), 3*time.Hour), linked(link("b-events", "events"), 2*time.Hour),
			queuedLink(link("c-podcast", "podcast"), time.Hour)),
			nil, map[string]want{"c-podcast": {ActionNone, OutcomeQueued, wx.ReasonQuotaExceeded, wx.KindOfficialAccount, 1}}},
		{"a link made since the Official Account's last read holds its slot by its own report", append([]client.Object{stale},
			mp("mall", mall, parent), mp("member", member, parent), thisMonth(linked(link("news-mall", "mall"), time.Hour))),
			[]client.Object{link("news-member", "member")},
			map[string]want{
				"news-mall":   {ActionNone, OutcomeAdmitted, wx.ReasonWithinQuota, "", 0},
				"news-member": {ActionCreate, OutcomeQueued, wx.ReasonMonthlyLimitReached, wx.KindOfficialAccount, 1},
			}},
		{"a spec change to an admitted link", append(accounts(mall), linked(link("news-mall", "mall"), time.Hour)),
			[]client.Object{withProfile(link("news-mall", "mall"))},
			map[string]want{"news-mall": {ActionChange, OutcomeAdmitted, wx.ReasonWithinQuota, "", 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := planOf(t, tc.cluster, tc.apply, nil)
			checkLinks(t, p, tc.want)
		})
	}
}

// thisMonth records that the link was made this month.
func thisMonth(l *wx.AssociationLink) *wx.AssociationLink {
	l.Status.MonthlyRequests = &wx.MonthlyCount{Month: "2026-12", Count: 1}
	return l
}

func queuedLink(l *wx.AssociationLink, age time.Duration) *wx.AssociationLink {
	l.CreationTimestamp = metav1.NewTime(now.Add(-age))
	l.UID = types.UID("uid-" + l.Name)
	l.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionQueued, QueuedBy: wx.KindOfficialAccount, QueuePosition: 1}
	return l
}

func withProfile(l *wx.AssociationLink) *wx.AssociationLink {
	l.Spec.OfficialAccount = &wx.OfficialAccountLinkOptions{ShowOnProfile: true}
	return l
}

func planOf(t *testing.T, cluster, apply []client.Object, v *Validator) *Plan {
	t.Helper()
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(cluster...).
		WithStatusSubresource(&wx.OfficialAccount{}, &wx.MiniProgram{}, &wx.AssociationLink{}).Build()
	desired := make([]*unstructured.Unstructured, 0, len(apply))
	for _, o := range apply {
		desired = append(desired, manifest(t, o))
	}
	if len(apply) == 0 { // plan the namespace with no manifest: a pruned object marks it
		desired = append(desired, manifest(t, cluster[0]))
	}
	p, err := ComputePlan(context.Background(), c, desired, PlanOptions{Now: now, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checkLinks(t *testing.T, p *Plan, wants map[string]want) {
	t.Helper()
	got := map[string]LinkPlan{}
	for _, l := range p.Links {
		got[l.Name] = l
	}
	for name, w := range wants {
		l, ok := got[name]
		if !ok {
			t.Errorf("the plan has no link %s; links: %+v", name, p.Links)
			continue
		}
		v := l.Verdict
		if l.Action != w.action || v.Outcome != w.outcome || v.Reason != w.reason || v.QueuedBy != w.queuedBy || v.QueuePosition != w.position {
			t.Errorf("%s: got %s %s %s %s #%d (%s), want %s %s %s %s #%d", name, l.Action, v.Outcome, v.Reason, v.QueuedBy,
				v.QueuePosition, v.Message, w.action, w.outcome, w.reason, w.queuedBy, w.position)
		}
	}
}

func TestPlanValidatesWithTheCRDs(t *testing.T) {
	v := testValidator(t)
	news := oa()
	mall := mp("mall", "wxf58added5f834230", parent)
	cur := linked(link("news-mall", "mall"), time.Hour)
	bare := link("news-mall", "mall")
	bare.Spec.DeletionPolicy, bare.Spec.ManagementPolicy = "", "" // the CRD's defaults fill them
	mismatched := link("bad-type", "mall")
	mismatched.Spec.From.Kind = wx.KindChannelsAccount
	badID := mp("bad-id", "wx12345", parent)
	moved := link("news-mall", "member") // spec.to is immutable

	p := planOf(t, []client.Object{news, mall, cur}, []client.Object{bare, mismatched, badID}, v)
	byName := map[string]ObjectChange{}
	for _, o := range p.Objects {
		byName[o.Name] = o
	}
	if o := byName["news-mall"]; o.Action != ActionUnchanged {
		t.Errorf("a manifest that leaves defaulted fields out is unchanged; got %s %v", o.Action, o.Errors)
	}
	for name, msg := range map[string]string{
		"bad-type": "type OfficialAccountToMiniProgram joins from.kind OfficialAccount to to.kind MiniProgram, not ChannelsAccount to MiniProgram",
		"bad-id":   `"wx12345" is not a WeChat AppID`,
	} {
		if o := byName[name]; o.Action != ActionInvalid || !strings.Contains(strings.Join(o.Errors, "\n"), msg) {
			t.Errorf("%s: got %s %v, want invalid with %q", name, o.Action, o.Errors, msg)
		}
	}
	if !p.HasErrors() {
		t.Error("a plan with invalid objects has errors")
	}
	for _, l := range p.Links {
		if l.Name == "bad-type" {
			t.Errorf("an invalid link is refused by the API server and must not be decided: %+v", l)
		}
	}
	p = planOf(t, []client.Object{news, mall, cur}, []client.Object{moved}, v)
	if o := p.Objects[0]; o.Action != ActionInvalid || !strings.Contains(strings.Join(o.Errors, "\n"), "to is immutable") {
		t.Errorf("changing spec.to: got %s %v, want invalid (to is immutable)", o.Action, o.Errors)
	}
}

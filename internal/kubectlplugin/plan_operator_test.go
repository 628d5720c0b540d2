// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/controllers"
)

// The plan decides with the operator's phases (pause, observe, the candidates' facts), not a copy of them:
// each case is one the operator decides differently from admission alone.

const mallAppID = "wxf58added5f834230"

func linkPlanOf(t *testing.T, p *Plan, name string) LinkPlan {
	t.Helper()
	for _, l := range p.Links {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("the plan has no link %s", name)
	return LinkPlan{}
}

func fakeCluster(t *testing.T, cluster []client.Object) client.Client {
	t.Helper()
	return fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(cluster...).
		WithStatusSubresource(&wx.OfficialAccount{}, &wx.MiniProgram{}, &wx.AssociationLink{}).Build()
}

func planOfManifests(t *testing.T, cluster []client.Object, desired ...*unstructured.Unstructured) *Plan {
	t.Helper()
	p, err := ComputePlan(context.Background(), fakeCluster(t, cluster), desired, PlanOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func withCondition(o interface{ GetGeneration() int64 }, conds *[]metav1.Condition, typ, reason string) {
	*conds = append(*conds, metav1.Condition{Type: typ, Status: metav1.ConditionFalse, Reason: reason,
		ObservedGeneration: o.GetGeneration(), LastTransitionTime: metav1.NewTime(now)})
}

// An AppID-less list (original IDs only) and a MiniProgram that declares none: the operator stops at
// observe (OriginalIDRequired) and counts the gh_ entry as a console link; it admits nothing.
func TestPlanOriginalIDRequired(t *testing.T) {
	p := planOf(t, []client.Object{oa("gh_0123456789ab"), mp("mall", mallAppID, parent)},
		[]client.Object{link("news-mall", "mall")}, nil)
	v := linkPlanOf(t, p, "news-mall").Verdict
	if v.Outcome != OutcomeWaiting || v.Reason != wx.ReasonOriginalIDRequired {
		t.Errorf("verdict %s/%s, want Waiting/OriginalIDRequired", v.Outcome, v.Reason)
	}
}

func rejectedLink(gen int64) *wx.AssociationLink {
	l := link("news-mall", "mall")
	l.CreationTimestamp, l.UID, l.Generation = metav1.NewTime(now.Add(-time.Hour)), "uid-news-mall", gen
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRejected, RequestedGeneration: gen}
	withCondition(l, &l.Status.Conditions, wx.ConditionAdmitted, wx.ReasonRejected)
	withCondition(l, &l.Status.Conditions, wx.ConditionLinked, wx.ReasonRejected)
	withCondition(l, &l.Status.Conditions, wx.ConditionReady, wx.ReasonRejected)
	return l
}

// The platform rejected this link's own request at its generation: the operator ends at observe; re-applying
// the same manifest changes nothing. A new spec (a new generation) asks once more: admitted.
func TestPlanRejectedByPlatform(t *testing.T) {
	cluster := []client.Object{oa(), mp("mall", mallAppID, parent), rejectedLink(1)}
	lp := linkPlanOf(t, planOf(t, cluster, []client.Object{link("news-mall", "mall")}, nil), "news-mall")
	if lp.Verdict.Outcome != OutcomeRejected || !lp.Unchanged {
		t.Errorf("untouched rejected link: verdict %s unchanged=%v, want Rejected, unchanged", lp.Verdict.Outcome, lp.Unchanged)
	}
	changed := withProfile(link("news-mall", "mall"))
	cluster = []client.Object{oa(), mp("mall", mallAppID, parent), rejectedLink(1)}
	lp = linkPlanOf(t, planOf(t, cluster, []client.Object{changed}, nil), "news-mall")
	if lp.Verdict.Outcome != OutcomeAdmitted {
		t.Errorf("rejected link with a new spec: verdict %s, want Admitted (a new generation asks again)", lp.Verdict.Outcome)
	}
}

func pausedManifest(t *testing.T, o client.Object) *unstructured.Unstructured {
	u := manifest(t, o)
	u.SetAnnotations(map[string]string{wx.PauseAnnotation: "true"})
	return u
}

// A link the manifest pauses is left alone by the operator (Ready=False Paused).
func TestPlanPausedNewLink(t *testing.T) {
	p := planOfManifests(t, []client.Object{oa(), mp("mall", mallAppID, parent)}, pausedManifest(t, link("news-mall", "mall")))
	if v := linkPlanOf(t, p, "news-mall").Verdict; v.Outcome != OutcomePaused {
		t.Errorf("paused new link: %s, want Paused", v.Outcome)
	}
}

// A paused Official Account whose spec the manifest changes stays paused: its links wait.
func TestPlanPausedAccountChanged(t *testing.T) {
	o := oa()
	o.Annotations = map[string]string{wx.PauseAnnotation: "true"}
	o.Status.Conditions = nil
	withCondition(o, &o.Status.Conditions, wx.ConditionReady, wx.ReasonPaused)
	changed := oa()
	changed.Spec.Subject = subsidia
	p := planOf(t, []client.Object{o, mp("mall", mallAppID, parent)}, []client.Object{changed, link("news-mall", "mall")}, nil)
	if v := linkPlanOf(t, p, "news-mall").Verdict; v.Outcome != OutcomeWaiting || v.Reason != wx.ReasonDependencyNotReady {
		t.Errorf("link of a paused account: %s/%s, want Waiting/DependencyNotReady", v.Outcome, v.Reason)
	}
	// The same when the manifest pauses a Ready account it changes.
	p = planOfManifests(t, []client.Object{oa(), mp("mall", mallAppID, parent)}, pausedManifest(t, changed),
		manifest(t, link("news-mall", "mall")))
	if v := linkPlanOf(t, p, "news-mall").Verdict; v.Outcome != OutcomeWaiting {
		t.Errorf("link of an account the manifest pauses: %s, want Waiting", v.Outcome)
	}
}

// A link paused in the cluster (kubectl annotate), untouched by the manifest, stays as it is.
func TestPlanPausedExistingLink(t *testing.T) {
	l := linked(link("news-mall", "mall"), time.Hour)
	l.Annotations = map[string]string{wx.PauseAnnotation: "true"}
	withCondition(l, &l.Status.Conditions, wx.ConditionReady, wx.ReasonPaused)
	p := planOf(t, []client.Object{oa(mallAppID), mp("mall", mallAppID, parent), l}, []client.Object{link("news-mall", "mall")}, nil)
	if lp := linkPlanOf(t, p, "news-mall"); lp.Verdict.Outcome != OutcomePaused || !lp.Unchanged {
		t.Errorf("paused untouched link: %s unchanged=%v, want Paused, unchanged", lp.Verdict.Outcome, lp.Unchanged)
	}
}

// A sibling whose request is in flight (recorded as pending, unanswered) holds its slot whatever its last
// report said (here: refused), so the Official Account's third other-subject slot is taken.
func TestPlanRequestInFlightHoldsItsSlot(t *testing.T) {
	const video, live, evt = "wx9fbcbaefb7f4ae2b", "wx048cfe3adb3634c6", "wx0a4ae2bfb6680270"
	inFlight := linked(link("c-events", "events"), 2*time.Hour)
	inFlight.Status.Admission = &wx.AdmissionStatus{State: wx.AdmissionAdmitted}
	inFlight.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused}
	inFlight.Annotations = map[string]string{wx.AnnotationRequestPending: now.Add(-time.Second).Format(time.RFC3339)}
	cluster := []client.Object{oa(video, live), mp("video", video, subsidia), mp("live", live, subsidia),
		mp("events", evt, subsidia), mp("podcast", "wx66a092b114e32036", subsidia),
		linked(link("a-video", "video"), 4*time.Hour), linked(link("b-live", "live"), 3*time.Hour), inFlight}
	p := planOf(t, cluster, []client.Object{link("d-podcast", "podcast")}, nil)
	if v := linkPlanOf(t, p, "d-podcast").Verdict; v.Outcome != OutcomeQueued || v.QueuedBy != wx.KindOfficialAccount {
		t.Errorf("with a request in flight on the third slot: %s by %s, want Queued by OfficialAccount", v.Outcome, v.QueuedBy)
	}
}

// The Mini Program's side too: a refused link whose request is in flight is a candidate on the platform.
func TestMiniProgramCandidatesHoldInFlight(t *testing.T) {
	l := linked(link("a-mall", "mall"), time.Hour)
	l.Status.Platform = &wx.PlatformLinkStatus{State: wx.LinkStateRefused}
	l.Annotations = map[string]string{wx.AnnotationRequestPending: now.Format(time.RFC3339)}
	d := link("b-mall", "mall")
	d.Spec.From.Name, d.CreationTimestamp = "sports", metav1.NewTime(now)
	cands := controllers.MiniProgramCandidates(controllers.MiniProgramView{Deciding: d, MP: mp("mall", mallAppID, parent),
		Siblings: []wx.AssociationLink{*l, *d}})
	if len(cands) != 2 || !cands[0].OnPlatform {
		t.Errorf("candidates %+v: want the in-flight link on the platform, and the deciding one", cands)
	}
}

// Deleting a linked link (deletionPolicy Delete) frees its slot once the operator unlinks it: the queued link
// is admitted. With deletionPolicy Orphan it stays on the platform, a console link: the queue stays.
func TestPlanDeletedLinkFreesItsSlot(t *testing.T) {
	const video, live, evt, podcast = "wx9fbcbaefb7f4ae2b", "wx048cfe3adb3634c6", "wx0a4ae2bfb6680270", "wx66a092b114e32036"
	for policy, want := range map[wx.DeletionPolicy]Outcome{wx.DeletionPolicyDelete: OutcomeAdmitted, wx.DeletionPolicyOrphan: OutcomeQueued} {
		gone := linked(link("a-video", "video"), 4*time.Hour)
		gone.Spec.DeletionPolicy = policy
		cluster := []client.Object{oa(video, live, evt), mp("video", video, subsidia), mp("live", live, subsidia),
			mp("events", evt, subsidia), mp("podcast", podcast, subsidia), gone,
			linked(link("b-live", "live"), 3*time.Hour), linked(link("c-events", "events"), 2*time.Hour),
			queuedLink(link("d-podcast", "podcast"), time.Hour)}
		p, err := ComputePlan(t.Context(), fakeCluster(t, cluster), []*unstructured.Unstructured{manifest(t, cluster[1])},
			PlanOptions{Now: now, Prune: []*unstructured.Unstructured{manifest(t, gone)}})
		if err != nil {
			t.Fatal(err)
		}
		if v := linkPlanOf(t, p, "d-podcast").Verdict; v.Outcome != want {
			t.Errorf("deletionPolicy %s: the queued link %s, want %s", policy, v.Outcome, want)
		}
		if v := linkPlanOf(t, p, "a-video").Verdict; v.Outcome != OutcomeDeleting {
			t.Errorf("the pruned link: %s, want Deleting", v.Outcome)
		}
	}
}

// A plan of links in several namespaces names the namespace of each; a plan of one does not.
func TestPlanTableNamespaceColumn(t *testing.T) {
	plan := &Plan{Links: []LinkPlan{{Namespace: "a", Name: "x", Verdict: Verdict{Outcome: OutcomeAdmitted}},
		{Namespace: "b", Name: "y", Verdict: Verdict{Outcome: OutcomeAdmitted}}}}
	var out strings.Builder
	if err := (Printer{}).Plan(&out, plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "NAMESPACE") || !strings.Contains(out.String(), "  b  ") {
		t.Errorf("a plan of two namespaces without a namespace column:\n%s", out.String())
	}
	plan.Links = plan.Links[:1]
	out.Reset()
	if err := (Printer{}).Plan(&out, plan); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "NAMESPACE") {
		t.Errorf("a plan of one namespace with a namespace column:\n%s", out.String())
	}
}

// In an AppID-less list, a sibling whose MiniProgram declares no original ID cannot be matched (Unmatched):
// its entry, if any, counts as a console link already, so the sibling itself takes no second slot.
func TestPlanUnmatchedSiblingCountsOnce(t *testing.T) {
	video, podcast := mp("video", "wx9fbcbaefb7f4ae2b", subsidia), mp("podcast", "wx66a092b114e32036", subsidia)
	video.Spec.OriginalID, podcast.Spec.OriginalID = "gh_00000000000a", "gh_00000000000b"
	cluster := []client.Object{oa("gh_00000000000a", "gh_0000000000ff"), video, podcast, mp("live", "wx048cfe3adb3634c6", subsidia),
		linked(link("a-video", "video"), 4*time.Hour), linked(link("b-live", "live"), 3*time.Hour)}
	p := planOf(t, cluster, []client.Object{link("d-podcast", "podcast")}, nil)
	if v := linkPlanOf(t, p, "d-podcast").Verdict; v.Outcome != OutcomeAdmitted {
		t.Errorf("with an unmatched sibling counted once (3/3 other-subject): %s %s, want Admitted", v.Outcome, v.Message)
	}
}

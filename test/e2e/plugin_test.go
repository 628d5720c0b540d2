// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/kubectlplugin"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the golden outputs of kubectl wxlink trace and quota")

// pluginNS is the plugin test's own namespace: the demo's objects, moved there.
const pluginNS = "e2e-plugin"

// duplicateLink is a link the demo does not have: a younger duplicate of news-mall, refused by a rule.
const duplicateLink = `apiVersion: wechat.wxlink.dev/v1alpha1
kind: AssociationLink
metadata:
  name: news-mall-again
  namespace: e2e-plugin
spec:
  type: OfficialAccountToMiniProgram
  from: {kind: OfficialAccount, name: yunshan-news}
  to: {kind: MiniProgram, name: yunshan-mall}
`

// demoManifests builds config/samples with kustomize, moved into pluginNS, and writes it into dir as two
// files: the Namespace, the accounts and everything else but links, and the links (with duplicateLink).
func demoManifests(t *testing.T, dir string) (string, string) {
	t.Helper()
	out := sh(t, nil, kustom, "build", "config/samples")
	var accounts, links []string
	for _, doc := range strings.Split(out, "\n---\n") {
		// The Namespace stays in (renamed): re-applying it must plan as unchanged, whatever the server filled.
		if strings.Contains(doc, "\nkind: Namespace\n") || strings.HasPrefix(doc, "kind: Namespace") {
			doc = strings.ReplaceAll(doc, "name: yunshan\n", "name: "+pluginNS+"\n")
		}
		doc = strings.ReplaceAll(doc, "namespace: yunshan\n", "namespace: "+pluginNS+"\n")
		if strings.Contains(doc, "kind: AssociationLink\n") {
			links = append(links, doc)
		} else {
			accounts = append(accounts, doc)
		}
	}
	links = append(links, duplicateLink)
	a, l := filepath.Join(dir, "accounts.yaml"), filepath.Join(dir, "links.yaml")
	for path, docs := range map[string][]string{a: accounts, l: links} {
		if err := os.WriteFile(path, []byte(strings.Join(docs, "\n---\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return a, l
}

func pluginClient(t *testing.T) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := wx.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	log.SetLogger(logr.Discard())
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// buildPlugin builds bin/kubectl-wxlink from this tree, with a deadline that allows a cold build cache.
func buildPlugin(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(root, "bin", "kubectl-wxlink"), "./cmd/kubectl-wxlink")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kubectl-wxlink: %v\n%s", err, out)
	}
}

// wxlinkPlugin runs the built plugin and returns its stdout and exit status.
func wxlinkPlugin(t *testing.T, args ...string) (string, int) {
	t.Helper()
	stdout, stderr, err := try(nil, filepath.Join(root, "bin", "kubectl-wxlink"), args...)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout, 0
	case errors.As(err, &exit):
		return stdout, exit.ExitCode()
	}
	t.Fatalf("kubectl-wxlink %s: %v\n%s", strings.Join(args, " "), err, stderr)
	return "", 0
}

// TestPluginPlanAgreesWithTheOperator plans the demo's links, applies them, and checks link by link that
// the operator did what the plan said; then that a second plan sees nothing to do, and the golden outputs of
// trace and quota on the result.
func TestPluginPlanAgreesWithTheOperator(t *testing.T) {
	installCRDs(t)
	buildPlugin(t)
	startOperator(t)
	sh(t, nil, kubectl, "create", "namespace", pluginNS)
	t.Cleanup(func() { _, _, _ = try(nil, kubectl, "delete", "namespace", pluginNS, "--wait=false") })
	dir := t.TempDir()
	accounts, links := demoManifests(t, dir)

	// The accounts first, as a cluster holds them before a merge request adds links: the Official Account's
	// status then lists the link made by hand in the console, which holds one of its slots.
	sh(t, nil, kubectl, "apply", "-f", accounts)
	for _, kind := range []string{"officialaccount", "miniprogram"} {
		sh(t, nil, kubectl, "wait", "--for=condition=Ready", kind, "--all", "-n", pluginNS, "--timeout=90s")
	}
	c := pluginClient(t)
	waitFor(t, "yunshan-news to list its console link", 60*time.Second, func() (bool, string) {
		oa := &wx.OfficialAccount{}
		err := c.Get(context.Background(), client.ObjectKey{Namespace: pluginNS, Name: "yunshan-news"}, oa)
		return err == nil && len(oa.Status.LinkedMiniPrograms) > 0, strings.Join(oa.Status.LinkedMiniPrograms, ",")
	})

	out, code := wxlinkPlugin(t, "plan", "-f", dir, "-n", pluginNS, "--exit-code", "-o", "json")
	if code != 2 {
		t.Fatalf("plan --exit-code of new links exited %d, want 2 (changes)\n%s", code, out)
	}
	var plan kubectlplugin.Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, out)
	}
	// With -n, a manifest in another namespace is refused, as kubectl apply refuses it.
	if out, code := wxlinkPlugin(t, "plan", "-f", dir, "-n", "default"); code != 1 {
		t.Errorf("plan -n default of manifests in %s exited %d, want 1\n%s", pluginNS, code, out)
	}
	text, _ := wxlinkPlugin(t, "plan", "-f", dir, "-n", pluginNS)
	t.Logf("kubectl wxlink plan -f %s:\n%s", dir, text)
	checkDemoPlan(t, &plan)
	checkKustomizePlan(t, accounts, links, text)

	sh(t, nil, kubectl, "apply", "-f", links)
	for _, lp := range plan.Links {
		waitOutcome(t, c, lp)
	}

	// Once the operator has decided, planning the same manifests finds nothing to do.
	out, code = wxlinkPlugin(t, "plan", "-f", dir, "-n", pluginNS, "--exit-code", "-o", "json")
	if err := json.Unmarshal([]byte(out), &plan); err != nil || code != 0 {
		t.Fatalf("plan after apply exited %d (%v), want 0\n%s", code, err, out)
	}
	for _, lp := range plan.Links {
		if !lp.Unchanged {
			t.Errorf("after apply the plan changes %s: %+v, recorded %+v", lp.Name, lp.Verdict, lp.Current)
		}
	}
	// The accounts' own figures, which they refresh when they poll the platform, are in the golden outputs.
	waitFor(t, "yunshan-news to count 2/10, 3/3, 4/13 and yunshan-mall 2/500", 60*time.Second, func() (bool, string) {
		oa, mp := &wx.OfficialAccount{}, &wx.MiniProgram{}
		_ = c.Get(context.Background(), client.ObjectKey{Namespace: pluginNS, Name: "yunshan-news"}, oa)
		_ = c.Get(context.Background(), client.ObjectKey{Namespace: pluginNS, Name: "yunshan-mall"}, mp)
		q := oa.Status.Quota
		return q.SameSubject == "2/10" && q.OtherSubject == "3/3" && q.ThisMonth == "4/13" && mp.Status.LinkedBy == "2/500",
			q.SameSubject + " " + q.OtherSubject + " " + q.ThisMonth + " " + mp.Status.LinkedBy
	})
	goldenOutputs(t, c)
	k9sPauseToggles(t, c)
}

// k9sPauseToggles runs the k9s pause plugin's command (config/k9s/plugins.yaml) as k9s does, with its
// environment, twice on a link: it pauses the link, then resumes it.
func k9sPauseToggles(t *testing.T, c client.Client) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "config", "k9s", "plugins.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Plugins map[string]struct {
			Command string   `json:"command"`
			Args    []string `json:"args"`
		} `json:"plugins"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	p := f.Plugins["wxlink-pause"]
	kctx := strings.TrimSpace(sh(t, nil, kubectl, "config", "current-context"))
	for _, want := range []string{"true", ""} {
		cmd := exec.CommandContext(t.Context(), p.Command, p.Args...)
		cmd.Env = append(os.Environ(), "RESOURCE_NAME=associationlinks", "RESOURCE_GROUP="+wx.GroupVersion.Group, "NAME=news-podcast", "NAMESPACE="+pluginNS, "CONTEXT="+kctx)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the k9s pause plugin: %v\n%s", err, out)
		}
		l := &wx.AssociationLink{}
		if err := c.Get(t.Context(), client.ObjectKey{Namespace: pluginNS, Name: "news-podcast"}, l); err != nil {
			t.Fatal(err)
		}
		if got := l.Annotations[wx.PauseAnnotation]; got != want {
			t.Errorf("after the k9s pause plugin, %s = %q, want %q", wx.PauseAnnotation, got, want)
		}
	}
}

// checkKustomizePlan plans the same files through a kustomization (-k, built in-process by krusty) and
// expects the same plan as -f.
func checkKustomizePlan(t *testing.T, accounts, links, want string) {
	t.Helper()
	k := t.TempDir()
	for _, f := range []string{accounts, links} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(k, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	kustomization := "resources:\n- accounts.yaml\n- links.yaml\n"
	if err := os.WriteFile(filepath.Join(k, "kustomization.yaml"), []byte(kustomization), 0o600); err != nil {
		t.Fatal(err)
	}
	got, code := wxlinkPlugin(t, "plan", "-k", k, "-n", pluginNS, "--exit-code")
	// kustomize orders resources by kind, -f by file: compare the link verdicts and the summary.
	if code != 2 || linksPart(got) != linksPart(want) {
		t.Errorf("plan -k exited %d (want 2) and differs from plan -f:\n%s\nwant:\n%s", code, got, want)
	}
}

func linksPart(plan string) string {
	_, after, _ := strings.Cut(plan, "Links:")
	return after
}

// checkDemoPlan checks the plan against the demo's story (config/samples/associationlinks.yaml).
func checkDemoPlan(t *testing.T, plan *kubectlplugin.Plan) {
	t.Helper()
	want := map[string]string{
		"news-mall": "Admitted", "news-member": "Admitted", "news-events": "Admitted", "news-live": "Admitted",
		"news-podcast": "Queued", "shop-mall": "Admitted", "news-mall-again": "Refused",
		"corp-mall": "NoQuota", "channels-mall": "NoQuota", "store-news": "NoQuota",
	}
	if len(plan.Links) != len(want) {
		t.Errorf("the plan has %d links, want %d: %+v", len(plan.Links), len(want), plan.Links)
	}
	for _, lp := range plan.Links {
		if got := string(lp.Verdict.Outcome); got != want[lp.Name] || lp.Action != kubectlplugin.ActionCreate {
			t.Errorf("plan of %s: %s %s (%s), want create %s", lp.Name, lp.Action, got, lp.Verdict.Message, want[lp.Name])
		}
		if lp.Name == "news-podcast" && (lp.Verdict.QueuePosition != 1 || lp.Verdict.QueuedBy != wx.KindOfficialAccount) {
			t.Errorf("news-podcast should be first in the Official Account's queue: %+v", lp.Verdict)
		}
	}
}

// waitOutcome waits until the operator's status of a link shows what the plan said of it.
func waitOutcome(t *testing.T, c client.Client, lp kubectlplugin.LinkPlan) {
	t.Helper()
	waitFor(t, "the outcome of "+lp.Name+" to be "+string(lp.Verdict.Outcome), 90*time.Second, func() (bool, string) {
		l := &wx.AssociationLink{}
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: pluginNS, Name: lp.Name}, l); err != nil {
			return false, err.Error()
		}
		ready := meta.FindStatusCondition(l.Status.Conditions, wx.ConditionReady)
		if ready == nil || ready.ObservedGeneration != l.Generation {
			return false, "not decided yet"
		}
		return matches(lp.Verdict, l, ready), ready.Reason + ": " + ready.Message
	})
}

// matches says whether a link's status is the outcome of the verdict: admitted links are Available or wait
// for an admin, queued ones are queued where the plan said, refused ones carry the rule's reason.
func matches(v kubectlplugin.Verdict, l *wx.AssociationLink, ready *metav1.Condition) bool {
	a := l.Status.Admission
	switch v.Outcome {
	case kubectlplugin.OutcomeAdmitted:
		return a != nil && a.State == wx.AdmissionAdmitted && (ready.Reason == wx.ReasonAvailable ||
			ready.Reason == wx.ReasonAwaitingOfficialAccountAdmin || ready.Reason == wx.ReasonAwaitingMiniProgramAdmin)
	case kubectlplugin.OutcomeQueued:
		return a != nil && a.State == wx.AdmissionQueued && a.QueuedBy == v.QueuedBy &&
			int(a.QueuePosition) == v.QueuePosition && ready.Reason == v.Reason
	case kubectlplugin.OutcomeRefused:
		return ready.Reason == v.Reason
	case kubectlplugin.OutcomeNoQuota:
		return a == nil
	}
	return false
}

// goldenOutputs compares trace and quota of the demo's objects with testdata/plugin/*.golden. Ages are
// fixed and the month's reset instant is replaced, so the files do not depend on when the test runs.
func goldenOutputs(t *testing.T, c client.Client) {
	t.Helper()
	now := time.Now()
	pr := kubectlplugin.Printer{Now: time.Now, Age: func(*metav1.Time) string { return "5m" }}
	ctx := context.Background()
	// The simulator makes the Open Platform account with a new AppID every run.
	opa := &wx.OpenPlatformAccount{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: pluginNS, Name: "yunshan-unionid"}, opa); err != nil || opa.Status.OpenAppID == "" {
		t.Fatalf("the Open Platform account has no AppID yet: %v", err)
	}
	openAppID := opa.Status.OpenAppID
	for _, tc := range []struct{ file, kind, name string }{
		{"trace-link-news-podcast", "AssociationLink", "news-podcast"},
		{"trace-oa-yunshan-news", "OfficialAccount", "yunshan-news"},
		{"quota-oa-yunshan-news", "OfficialAccount", "yunshan-news"},
		{"quota-mp-yunshan-mall", "MiniProgram", "yunshan-mall"},
	} {
		var buf bytes.Buffer
		if strings.HasPrefix(tc.file, "trace") {
			root, err := kubectlplugin.Trace(ctx, c, pluginNS, tc.kind, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			_ = pr.Trace(&buf, root)
		} else {
			r, err := kubectlplugin.Quota(ctx, c, pluginNS, tc.kind, tc.name, now)
			if err != nil {
				t.Fatal(err)
			}
			_ = pr.Quota(&buf, r)
		}
		got := strings.NewReplacer(rules.FormatBeijing(rules.NextMonthStart(now)), "<next month, Beijing time>",
			rules.MonthOf(now), "<this month>", openAppID, "<open appID>").Replace(buf.String())
		golden(t, filepath.Join("testdata", "plugin", tc.file+".golden"), got)
	}
	// The binary: kubectl's flags, and the exit status of trace (0 when the whole tree is Ready, 2 when it is
	// not, 1 on an error: a missing object).
	for link, wantCode := range map[string]int{"news-mall": 0, "news-podcast": 2, "no-such-link": 1} {
		if out, code := wxlinkPlugin(t, "trace", "link/"+link, "--namespace", pluginNS, "--kubeconfig", os.Getenv("KUBECONFIG")); code != wantCode {
			t.Errorf("trace link/%s exited %d, want %d\n%s", link, code, wantCode, out)
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to rewrite it):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

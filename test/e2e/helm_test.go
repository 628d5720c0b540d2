// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// The namespaces of the Helm tests: the release's, the samples' (watched) and one a namespace-scoped install
// must not reach; each test applies the samples to a namespace of its own (a kustomize overlay).
const (
	helmRelease          = "wxlink"
	helmNS               = "wxlink-system" // config/default's, where docs/operations.md moves from kustomize to Helm
	helmSamplesNS        = "helm-yunshan"
	helmOutsideNS        = "helm-outside"
	helmSamples          = "test/e2e/testdata/helm-samples"
	helmClusterSamplesNS = "helm-cluster-yunshan"
	helmClusterSamples   = "test/e2e/testdata/helm-samples-cluster"
)

// TestHelmInstallInNamespaceScope installs the chart (bin/helm) in namespace scope and runs the samples
// through it. The local control plane has no kubelet, so the chart's Deployment never starts a pod: the
// built manager runs as the chart's ServiceAccount instead (a TokenRequest token), with the arguments the
// chart rendered, so that the apiserver itself proves the chart's RBAC: enough to make every sample Ready,
// and nothing outside the watched namespace. Uninstalling keeps the CRDs and the objects.
func TestHelmInstallInNamespaceScope(t *testing.T) {
	start := time.Now()
	helm := helmEnv(t)
	installCRDs(t)
	for _, ns := range []string{helmNS, helmSamplesNS, helmOutsideNS} {
		ensureNamespace(t, ns)
	}
	t.Cleanup(func() { removeSamples(t, helmSamples, helmSamplesNS) }) // registered first: runs after the manager has stopped
	notes := moveFromKustomize(t, helm, "--set", "installScope=namespace", "--set", "watchNamespaces={"+helmSamplesNS+"}",
		"--set", "reconcile.pollInterval=20s", "--set", "reconcile.pendingPollInterval=1s")
	for _, want := range []string{"Scope: namespace", "watches only: " + helmSamplesNS, "docs/operations.md"} {
		if !strings.Contains(notes, want) {
			t.Errorf("helm install's notes lack %q:\n%s", want, notes)
		}
	}
	args := renderedArgs(t, helm)
	for _, want := range []string{"--namespaces=" + helmSamplesNS, "--leader-elect", "--poll-interval=20s", "--pending-poll-interval=1s"} {
		if !slices.Contains(args, want) {
			t.Fatalf("the chart's Deployment runs the manager with %v: no %s", args, want)
		}
	}
	kubeconfig := serviceAccountKubeconfig(t, helmNS, helmRelease)
	simURL, metricsAddr, logPath := startAsServiceAccount(t, kubeconfig, args)
	checkNamespaceRBAC(t, kubeconfig)

	samplesNS = helmSamplesNS
	t.Cleanup(func() { samplesNS = "yunshan" })
	runSamples(t, simURL)
	// The metrics' authentication and authorisation (TokenReview, SubjectAccessReview) are cluster-scoped:
	// the chart's ClusterRole grants them in namespace scope too; the scraper is bound to the chart's reader.
	if body := scrapeMetricsAs(t, metricsAddr, chartMetricsReader(t)); !bytes.Contains(body, []byte(`wxlink_links{`)) {
		t.Errorf("the metrics lack wxlink_links")
	}
	noForbidden(t, logPath)
	deleteAsServiceAccount(t, simURL)
	noForbidden(t, logPath)
	t.Logf("the samples converged through a namespace-scoped Helm install in %s", time.Since(start).Round(time.Second))

	uninstallKeeps(t, helm, helmSamplesNS)
	if _, stderr, err := try(nil, kubectl, "get", "role", helmRelease+"-manager", "-n", helmSamplesNS); err == nil || !strings.Contains(stderr, "NotFound") {
		t.Errorf("the Role in the watched namespace is still there after uninstall: %v %s", err, stderr)
	}
	reinstallAndUpgrade(t, helm)
}

// TestHelmInstallInClusterScope installs the chart in cluster scope (the default) and runs the manager as its
// ServiceAccount in the same way: the ClusterRole lets it watch every namespace, and the samples' accounts and
// instant links become Ready with no RBAC refusal.
func TestHelmInstallInClusterScope(t *testing.T) {
	start := time.Now()
	helm := helmEnv(t)
	installCRDs(t)
	ensureNamespace(t, helmNS)
	t.Cleanup(func() { removeSamples(t, helmClusterSamples, helmClusterSamplesNS) })
	adoptCRDs(t)
	notes := sh(t, nil, helm, "install", helmRelease, "charts/wxlink", "-n", helmNS, "--set", "reconcile.pendingPollInterval=1s")
	if !strings.Contains(notes, "Scope: cluster") {
		t.Errorf("helm install's notes do not say the scope:\n%s", notes)
	}
	args := renderedArgs(t, helm)
	for _, a := range args {
		if strings.HasPrefix(a, "--namespaces") {
			t.Fatalf("a cluster-scoped install limits the manager's namespaces: %v", args)
		}
	}
	kubeconfig := serviceAccountKubeconfig(t, helmNS, helmRelease)
	_, _, logPath := startAsServiceAccount(t, kubeconfig, args)
	for _, c := range []struct{ verb, resource string }{{"watch", "officialaccounts.wechat.wxlink.dev"}, {"list", "secrets"},
		{"update", "associationlinks.wechat.wxlink.dev/status"}, {"create", "events.events.k8s.io"}} {
		if !canI(t, kubeconfig, c.verb, c.resource, "") {
			t.Errorf("a cluster-scoped install may not %s %s in every namespace", c.verb, c.resource)
		}
	}
	if canI(t, kubeconfig, "list", "namespaces", "") || canI(t, kubeconfig, "list", "configmaps", "") {
		t.Error("a cluster-scoped install may read more than config/rbac grants")
	}

	samplesNS = helmClusterSamplesNS
	t.Cleanup(func() { samplesNS = "yunshan" })
	sh(t, nil, kubectl, "apply", "-k", helmClusterSamples)
	sh(t, nil, kubectl, "wait", "--for=condition=Ready", "officialaccount,miniprogram,platformconfig", "--all",
		"-n", helmClusterSamplesNS, "--timeout=90s")
	for _, l := range []string{"news-mall", "news-member", "shop-mall"} {
		waitReason(t, "link", l, "Available")
	}
	noForbidden(t, logPath)
	t.Logf("the samples' accounts and instant links were Ready through a cluster-scoped Helm install in %s",
		time.Since(start).Round(time.Second))
	uninstallKeeps(t, helm, helmClusterSamplesNS)
}

// ensureNamespace creates a namespace unless it exists.
func ensureNamespace(t *testing.T, ns string) {
	t.Helper()
	manifest := sh(t, nil, kubectl, "create", "namespace", ns, "--dry-run=client", "-o", "yaml")
	sh(t, []byte(manifest), kubectl, "apply", "-f", "-")
}

// helmEnv returns bin/helm (or $HELM) with its config, cache and data in the test's own directories.
func helmEnv(t *testing.T) string {
	t.Helper()
	helm := envOr("HELM", filepath.Join(root, "bin", "helm"))
	if _, err := os.Stat(helm); err != nil {
		t.Fatalf("helm: %v (run `make test-e2e`, which builds it)", err)
	}
	for _, v := range []string{"HELM_CONFIG_HOME", "HELM_CACHE_HOME", "HELM_DATA_HOME"} {
		t.Setenv(v, t.TempDir())
	}
	return helm
}

// adoptCRDs lets the release take over the CRDs that kustomize installed (TestInstallAndDiscover and the
// others apply them with kubectl), as docs/operations.md tells a user of a Helm 3 older than 3.17: Helm adopts
// an object that carries the release's ownership label and annotations. (The CRDs are the chart's here, so
// Helm 4's server-side apply meets no conflict; TestHelmInstallInNamespaceScope moves as Helm 4 users do.)
func adoptCRDs(t *testing.T) {
	t.Helper()
	crds := make([]string, 0, len(kinds))
	for _, k := range kinds {
		crds = append(crds, "crd/"+k+".wechat.wxlink.dev")
	}
	sh(t, nil, kubectl, append(append([]string{"label", "--overwrite"}, crds...), "app.kubernetes.io/managed-by=Helm")...)
	sh(t, nil, kubectl, append(append([]string{"annotate", "--overwrite"}, crds...),
		"meta.helm.sh/release-name="+helmRelease, "meta.helm.sh/release-namespace="+helmNS)...)
}

// renderedArgs reads the manager's arguments from the Deployment of the installed release.
func renderedArgs(t *testing.T, helm string) []string {
	t.Helper()
	manifest := sh(t, nil, helm, "get", "manifest", helmRelease, "-n", helmNS)
	d := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	for {
		var u unstructured.Unstructured
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				t.Fatalf("the release has no Deployment:\n%.2000s", manifest)
			}
			t.Fatalf("decoding the release's manifest: %v", err)
		}
		if u.GetKind() != "Deployment" {
			continue
		}
		var dep appsv1.Deployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &dep); err != nil {
			t.Fatal(err)
		}
		if sa := dep.Spec.Template.Spec.ServiceAccountName; sa != helmRelease {
			t.Fatalf("the Deployment runs as ServiceAccount %q, want %q", sa, helmRelease)
		}
		return dep.Spec.Template.Spec.Containers[0].Args
	}
}

// startAsServiceAccount starts wechatsim and the built manager with the chart's arguments, as the chart's
// ServiceAccount. The test only moves the listeners to free loopback ports and points the manager at the
// simulator (later flags win). It returns the simulator's URL, the metrics address and the manager's log.
func startAsServiceAccount(t *testing.T, kubeconfig string, args []string) (string, string, string) {
	t.Helper()
	simURL, metricsAddr, probeAddr := startSimulator(t), freePort(t), freePort(t)
	logPath := startProcess(t, "manager", append(slices.Clone(args), "--kubeconfig", kubeconfig,
		"--metrics-bind-address", metricsAddr, "--health-probe-bind-address", probeAddr,
		"--platform-endpoint", simURL, "--store-endpoint", simURL, "--zap-encoder", "console")...)
	waitFor(t, "the manager to be ready", 60*time.Second, func() (bool, string) {
		code, _, err := httpGet("http://" + probeAddr + "/readyz")
		return err == nil && code == http.StatusOK, fmt.Sprint(code, err)
	})
	// Leader election through the chart's Role in the release's namespace (a Lease left by an earlier test's
	// manager expires first).
	waitFor(t, "the manager to hold the leader election Lease in "+helmNS, 60*time.Second, func() (bool, string) {
		b, err := os.ReadFile(logPath)
		for _, line := range strings.Split(string(b), "\n") {
			// The release's own Lease (named after it), not the manager's default.
			if strings.Contains(line, "Successfully acquired lease") && leaseNamed(line, helmNS+"/"+helmRelease) {
				return true, line
			}
		}
		return false, fmt.Sprint(err)
	})
	return simURL, metricsAddr, logPath
}

// checkNamespaceRBAC asks the apiserver, as the chart's ServiceAccount, what it may do: everything the
// manager needs in the watched namespace, nothing in another or across the cluster.
func checkNamespaceRBAC(t *testing.T, kubeconfig string) {
	t.Helper()
	for _, c := range []struct {
		verb, resource, ns string
		want               bool
	}{
		{"list", "officialaccounts.wechat.wxlink.dev", helmSamplesNS, true},
		{"update", "associationlinks.wechat.wxlink.dev/status", helmSamplesNS, true},
		{"get", "secrets", helmSamplesNS, true},
		{"create", "events.events.k8s.io", helmSamplesNS, true},
		{"update", "leases.coordination.k8s.io", helmNS, true},
		{"create", "tokenreviews.authentication.k8s.io", "", true},
		{"list", "officialaccounts.wechat.wxlink.dev", helmOutsideNS, false},
		{"get", "secrets", helmOutsideNS, false},
		{"list", "secrets", helmNS, false},
		{"list", "officialaccounts.wechat.wxlink.dev", "", false},
		{"list", "secrets", "", false},
		{"list", "namespaces", "", false},
	} {
		if got := canI(t, kubeconfig, c.verb, c.resource, c.ns); got != c.want {
			t.Errorf("as the chart's ServiceAccount, can-i %s %s in %q = %v, want %v", c.verb, c.resource, c.ns, got, c.want)
		}
	}
	// And real requests: a list outside the watched namespace and one across the cluster are refused.
	for _, args := range [][]string{{"get", "secrets", "-n", helmOutsideNS}, {"get", "officialaccounts", "-A"}} {
		_, stderr, err := try(nil, kubectl, append([]string{"--kubeconfig", kubeconfig}, args...)...)
		if err == nil || !strings.Contains(stderr, "forbidden") {
			t.Errorf("kubectl %v as the chart's ServiceAccount: %v %q, want forbidden", args, err, stderr)
		}
	}
	sh(t, nil, kubectl, "--kubeconfig", kubeconfig, "get", "secrets", "-n", helmSamplesNS)
}

// runSamples applies the samples and plays the story of TestOperatorReconcilesTheSamples up to every object
// Ready, with its helpers.
func runSamples(t *testing.T, simURL string) {
	t.Helper()
	sh(t, nil, kubectl, "apply", "-k", helmSamples)
	sh(t, nil, kubectl, "wait", "--for=condition=Ready", "officialaccount,miniprogram", "--all", "-n", helmSamplesNS, "--timeout=90s")
	for _, l := range []string{"news-events", "news-live"} {
		waitReason(t, "link", l, "AwaitingOfficialAccountAdmin")
	}
	waitReason(t, "link", "news-podcast", "QuotaExceeded")
	peopleAct(t, simURL, appIDOf(t, "oa", "yunshan-news"))
	for name, st := range kstatusOfEverySample(t) {
		if st != status.CurrentStatus {
			t.Errorf("%s: kstatus %s, want Current", name, st)
		}
	}
}

// noForbidden fails the test if the manager logged an RBAC refusal.
func noForbidden(t *testing.T, logPath string) {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(strings.ToLower(line), "forbidden") {
			t.Errorf("the manager was refused: %s", line)
		}
	}
}

// uninstallKeeps uninstalls the release and checks that the CRDs (helm.sh/resource-policy: keep) and the
// samples stay, and that the release's own objects are gone.
func uninstallKeeps(t *testing.T, helm, samples string) {
	t.Helper()
	before := strings.Fields(sh(t, nil, kubectl, "get", "wechat", "-n", samples, "-o", "name"))
	out := sh(t, nil, helm, "uninstall", helmRelease, "-n", helmNS, "--wait")
	t.Logf("helm uninstall: %s", strings.TrimSpace(out))
	for _, k := range kinds {
		crd := k + ".wechat.wxlink.dev"
		if policy := sh(t, nil, kubectl, "get", "crd", crd, "-o",
			`jsonpath={.metadata.annotations.helm\.sh/resource-policy}`); policy != "keep" {
			t.Errorf("CRD %s after uninstall: resource-policy %q", crd, policy)
		}
	}
	after := strings.Fields(sh(t, nil, kubectl, "get", "wechat", "-n", samples, "-o", "name"))
	if len(before) < 15 || !slices.Equal(before, after) {
		t.Errorf("the samples before uninstall %v, after %v", before, after)
	}
	for _, gone := range [][]string{{"serviceaccount", helmRelease, "-n", helmNS}, {"rolebinding", helmRelease + "-leader-election", "-n", helmNS},
		{"deployment", helmRelease, "-n", helmNS}, {"clusterrole", helmRelease + "-" + helmNS + "-metrics-reader"}} {
		if _, stderr, err := try(nil, kubectl, append([]string{"get"}, gone...)...); err == nil || !strings.Contains(stderr, "NotFound") {
			t.Errorf("%v is still there after uninstall: %v %s", gone, err, stderr)
		}
	}
}

// reinstallAndUpgrade installs the release again over the CRDs the first one kept (it adopts them: they carry
// its ownership), upgrades it with a changed value and uninstalls it.
func reinstallAndUpgrade(t *testing.T, helm string) {
	t.Helper()
	sh(t, nil, helm, "install", helmRelease, "charts/wxlink", "-n", helmNS,
		"--set", "installScope=namespace", "--set", "watchNamespaces={"+helmSamplesNS+"}")
	sh(t, nil, helm, "upgrade", helmRelease, "charts/wxlink", "-n", helmNS, "--reuse-values", "--set", "reconcile.pollInterval=30s")
	if args := renderedArgs(t, helm); !slices.Contains(args, "--poll-interval=30s") {
		t.Errorf("after helm upgrade --set reconcile.pollInterval=30s the manager runs with %v", args)
	}
	sh(t, nil, helm, "uninstall", helmRelease, "-n", helmNS, "--wait")
	if n := len(strings.Fields(sh(t, nil, kubectl, "get", "crd", "-l", "app.kubernetes.io/part-of=wxlink", "-o", "name"))); n != len(kinds) {
		t.Errorf("%d of the chart's CRDs are left after the second uninstall, want %d", n, len(kinds))
	}
}

// removeSamples deletes the samples a Helm test applied (overlay, in ns), once its manager has stopped: their
// finalizers are removed by hand (what an admin does for objects whose operator is gone), so that no later test
// meets them.
func removeSamples(t *testing.T, overlay, ns string) {
	t.Helper()
	_, _, _ = try(nil, kubectl, "delete", "-k", overlay, "--wait=false", "--ignore-not-found")
	left, _, _ := try(nil, kubectl, "get", "wechat,secrets", "-n", ns, "-o", "name")
	for _, name := range strings.Fields(left) {
		_, _, _ = try(nil, kubectl, "patch", name, "-n", ns, "--type", "merge", "-p", `{"metadata":{"finalizers":null}}`)
	}
	// What wxlink created (the published token Secrets) has no garbage collector here to follow its owner.
	_, _, _ = try(nil, kubectl, "delete", "wechat,secrets", "--all", "-n", ns, "--wait=false")
	waitFor(t, "the Helm test's samples in "+ns+" to be gone", 60*time.Second, func() (bool, string) {
		left, _, _ := try(nil, kubectl, "get", "wechat,secrets", "-n", ns, "-o", "name")
		return strings.TrimSpace(left) == "", left
	})
}

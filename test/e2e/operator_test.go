// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// startProcess runs a built binary until the test ends; its output goes to a log file kept for failures.
// It returns the log file's path.
func startProcess(t *testing.T, name string, args ...string) string {
	t.Helper()
	logPath := filepath.Join(os.Getenv("WXLINK_LOCAL_DIR"), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), filepath.Join(root, "bin", name), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s (run `make test-e2e`, which builds it): %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		_ = logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				lines := strings.Split(string(b), "\n")
				if len(lines) > 60 {
					lines = lines[len(lines)-60:]
				}
				t.Logf("last lines of %s:\n%s", logPath, strings.Join(lines, "\n"))
			}
		}
	})
	return logPath
}

// waitFor polls cond for at most timeout: a bounded wait on a condition.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	last := ""
	if err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) {
			ok, state := cond()
			last = state
			return ok, nil
		}); err != nil {
		t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, last)
	}
}

func httpGet(url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, b, err
}

// samplesNS is the namespace of the samples that jsonpath, waitReason and peopleAct read: config/samples'
// yunshan, or the namespace TestHelmInstallInNamespaceScope applies them to for its duration (the tests of
// this package run one at a time).
var samplesNS = "yunshan"

func jsonpath(t *testing.T, kind, name, path string) string {
	t.Helper()
	out, _, _ := try(nil, kubectl, "get", kind, name, "-n", samplesNS, "-o", "jsonpath="+path)
	return strings.TrimSpace(out)
}

func readyReason(t *testing.T, kind, name string) string {
	return jsonpath(t, kind, name, `{.status.conditions[?(@.type=="Ready")].reason}`)
}

func waitReason(t *testing.T, kind, name, reason string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s %s to have Ready reason %s", kind, name, reason), 90*time.Second, func() (bool, string) {
		r := readyReason(t, kind, name)
		return r == reason, r
	})
}

// simLinks reads the simulator's state dump: Official Account AppID -> Mini Program AppID -> status.
func simLinks(t *testing.T, simURL string) map[string]map[string]int {
	t.Helper()
	code, body, err := httpGet(simURL + "/sim/state")
	if err != nil || code != http.StatusOK {
		t.Fatalf("reading the simulator's state: %d %v", code, err)
	}
	var dump struct {
		State struct {
			Links []struct {
				OfficialAccount string `json:"officialAccount"`
				MiniProgram     string `json:"miniProgram"`
				Status          int    `json:"status"`
			} `json:"links"`
		} `json:"state"`
	}
	if err := json.Unmarshal(body, &dump); err != nil {
		t.Fatalf("decoding the simulator's state: %v", err)
	}
	if len(dump.State.Links) == 0 {
		t.Fatalf("the simulator's state dump lists no links: %.300s", body)
	}
	out := map[string]map[string]int{}
	for _, l := range dump.State.Links {
		if out[l.OfficialAccount] == nil {
			out[l.OfficialAccount] = map[string]int{}
		}
		out[l.OfficialAccount][l.MiniProgram] = l.Status
	}
	return out
}

func appIDOf(t *testing.T, kind, name string) string {
	return jsonpath(t, kind, name, "{.spec.appID}")
}

// startSimulator starts wechatsim seeded with the samples' accounts and stores, until the test ends, and
// returns its URL once it answers.
func startSimulator(t *testing.T) string {
	t.Helper()
	simAddr := freePort(t)
	simURL := "http://" + simAddr
	startProcess(t, "wechatsim", "--listen", simAddr, "--seed", filepath.Join(root, "hack", "demo", "wechatsim-seed.yaml"),
		"--store-seed", filepath.Join(root, "hack", "demo", "storesim-seed.yaml"))
	waitFor(t, "wechatsim", 30*time.Second, func() (bool, string) {
		code, _, err := httpGet(simURL + "/sim/healthz")
		return err == nil && code == http.StatusOK, fmt.Sprint(code, err)
	})
	return simURL
}

// startOperator starts wechatsim seeded with the samples' accounts and the built manager against it, both
// until the test ends, and returns the simulator's URL and the manager's metrics address.
func startOperator(t *testing.T) (string, string) {
	t.Helper()
	simURL, metricsAddr, probeAddr := startSimulator(t), freePort(t), freePort(t)
	startProcess(t, "manager", "--kubeconfig", os.Getenv("KUBECONFIG"), "--platform-endpoint", simURL, "--store-endpoint", simURL,
		"--metrics-bind-address", metricsAddr, "--health-probe-bind-address", probeAddr,
		"--poll-interval", "20s", "--pending-poll-interval", "1s", "--zap-log-level", "info")
	waitFor(t, "the manager to be ready", 60*time.Second, func() (bool, string) {
		code, _, err := httpGet("http://" + probeAddr + "/readyz")
		return err == nil && code == http.StatusOK, fmt.Sprint(code, err)
	})
	return simURL, metricsAddr
}

// TestOperatorReconcilesTheSamples runs the built manager against the local control plane and wechatsim
// seeded with the samples' accounts, and drives it as a user would: kubectl apply, get and delete.
func TestOperatorReconcilesTheSamples(t *testing.T) {
	installCRDs(t)
	simURL, metricsAddr := startOperator(t)

	sh(t, nil, kubectl, "apply", "-k", "config/samples")
	sh(t, nil, kubectl, "wait", "--for=condition=Ready", "officialaccount", "--all", "-n", "yunshan", "--timeout=90s")
	sh(t, nil, kubectl, "wait", "--for=condition=Ready", "miniprogram", "--all", "-n", "yunshan", "--timeout=90s")

	// Within quota: the same-subject links are Ready at once; the console-made link is adopted (ObserveOnly).
	for _, l := range []string{"news-mall", "news-member", "shop-mall"} {
		waitReason(t, "link", l, "Available")
	}
	// Different subject: a link made by hand in the console holds one of the 3 slots; the first 2 declared
	// (by creation time, name) wait for the admins; the 3rd is queued.
	for _, l := range []string{"news-events", "news-live"} {
		waitReason(t, "link", l, "AwaitingOfficialAccountAdmin")
	}
	waitReason(t, "link", "news-podcast", "QuotaExceeded")
	if msg := jsonpath(t, "link", "news-podcast", "{.status.admission.message}"); !strings.Contains(msg, "3/3 different-subject") {
		t.Errorf("the queue message should give the numbers: %q", msg)
	}
	// Console-only associations say who must act and where; Channels shows derived eligibility.
	waitReason(t, "link", "corp-mall", "ActionRequired")
	waitReason(t, "link", "store-news", "AwaitingOfficialAccountAdmin")
	waitReason(t, "link", "channels-mall", "Eligible")
	waitReason(t, "merchantbinding", "mall-pay", "Available")
	waitReason(t, "openplatformaccount", "yunshan-unionid", "Available")

	// The printer columns, as kubectl get shows them.
	waitFor(t, "the OfficialAccount row to show SAME 2/10, OTHER 3/3, MONTH 4/13", 60*time.Second, func() (bool, string) {
		out := sh(t, nil, kubectl, "get", "oa", "yunshan-news", "-n", "yunshan", "--no-headers")
		f := strings.Fields(out)
		return len(f) >= 7 && f[4] == "2/10" && f[5] == "3/3" && f[6] == "4/13", out
	})
	out := sh(t, nil, kubectl, "get", "link", "news-podcast", "-n", "yunshan", "--no-headers")
	if f := strings.Fields(out); len(f) < 7 || f[1] != "yunshan-news" || f[2] != "media-podcast" || f[3] != "Other" ||
		f[4] != "False" || f[5] != "QuotaExceeded" || f[6] != "True" {
		t.Errorf("link row %q: want FROM TO SUBJECT READY REASON SYNCED = yunshan-news media-podcast Other False QuotaExceeded True", out)
	}

	// The platform truly matches the cluster.
	news, mall := appIDOf(t, "oa", "yunshan-news"), appIDOf(t, "mp", "yunshan-mall")
	links := simLinks(t, simURL)[news]
	if links[mall] != 1 || links[appIDOf(t, "mp", "yunshan-member")] != 1 {
		t.Errorf("the simulator's links of yunshan-news = %v: the same-subject links should be 1", links)
	}
	for _, mp := range []string{"media-events", "media-live"} {
		if s := links[appIDOf(t, "mp", mp)]; s != 12 {
			t.Errorf("%s on the platform = %d, want 12 (waiting for the Official Account's admin)", mp, s)
		}
	}
	if s, ok := links[appIDOf(t, "mp", "media-podcast")]; ok {
		t.Errorf("the queued link reached the platform (status %d)", s)
	}

	queued := queuedLinkMetrics(t, metricsAddr)

	// People act, as the demo plays them: an admin confirms, another unlinks the old console link (the queued
	// link takes the slot by itself), and the console-only links are recorded in Git.
	peopleAct(t, simURL, news)
	all := sh(t, nil, kubectl, "get", "wechat", "-n", "yunshan", "-o", "wide")
	t.Logf("kubectl get wechat -n yunshan -o wide:\n%s", all)
	for name, st := range kstatusOfEverySample(t) {
		if st != status.CurrentStatus {
			t.Errorf("%s: kstatus %s, want Current", name, st)
		}
	}
	badLinkFailsAtOnce(t)

	// Deleting an admitted link (deletionPolicy Delete) unlinks it.
	sh(t, nil, kubectl, "delete", "link", "news-live", "-n", "yunshan", "--timeout=60s")
	links = simLinks(t, simURL)[news]
	if _, ok := links[appIDOf(t, "mp", "media-live")]; ok {
		t.Errorf("deleting news-live left its platform link: %v", links)
	}
	// Orphan leaves the platform as it is.
	sh(t, nil, kubectl, "delete", "link", "news-podcast", "-n", "yunshan", "--timeout=60s")
	if s := simLinks(t, simURL)[news][appIDOf(t, "mp", "media-podcast")]; s != 1 {
		t.Errorf("deletionPolicy Orphan should leave the link; the platform has status %d", s)
	}

	// Events tell the story.
	evs := sh(t, nil, kubectl, "get", "events.events.k8s.io", "-n", "yunshan", "-o",
		"jsonpath={range .items[*]}{.reason}{\" \"}{.regarding.name}{\"\\n\"}{end}")
	for _, want := range []string{"Queued news-podcast", "Admitted news-podcast", "Linked news-mall", "LinkRequested news-events", "Linked news-events",
		"Adopted shop-mall", "Unlinked news-live"} {
		if !strings.Contains(evs, want) {
			t.Errorf("no %q event; events:\n%s", want, evs)
		}
	}

	// Metrics are served, to an authorised reader, with wxlink's own and the client's series (the quota
	// once the Official Account has observed the deletions: news-events and the orphaned news-podcast remain).
	var body []byte
	waitFor(t, "the metrics to show the news account's 2 other-subject links", 30*time.Second, func() (bool, string) {
		body = scrapeMetrics(t, metricsAddr)
		return strings.Contains(string(body), `wxlink_owner_quota_used{kind="OfficialAccount",namespace="yunshan",owner="yunshan-news",pool="other_subject"} 2`), ""
	})
	for _, want := range []string{`wechat_api_requests_total{api="cgi-bin/wxopen/wxamplink",errcode="0"}`, "wxlink_links{"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(body), appIDOf(t, "oa", "yunshan-news")) {
		t.Errorf("an AppID appears in a metric label")
	}
	later := scrapedFamilies(t, body)
	if s := seriesOf(later, "wxlink_object_not_ready", map[string]string{"name": "news-podcast"}); len(s) != 0 {
		t.Errorf("news-podcast is Ready, and still has a health series: %v", s)
	}
	checkMetricsUsed(t, queued, later)

	// Deleting everything at once (as a GitOps prune does) still unlinks every Delete-policy link first: the
	// Secrets and the PlatformConfig are held (in-use finalizer) until the accounts' links are gone.
	member, events := appIDOf(t, "mp", "yunshan-member"), appIDOf(t, "mp", "media-events")
	sh(t, nil, kubectl, "delete", "-k", "config/samples", "--wait=false", "--ignore-not-found")
	waitFor(t, "every wxlink object and Secret of the samples to be gone", 120*time.Second, func() (bool, string) {
		left, _, _ := try(nil, kubectl, "get", "wechat,secrets", "-n", "yunshan", "-o", "name")
		return strings.TrimSpace(left) == "", left
	})
	healthSeriesOfNamespaceGone(t, metricsAddr, "yunshan")
	links = simLinks(t, simURL)[news]
	for name, id := range map[string]string{"news-mall": mall, "news-member": member, "news-events": events} {
		if s, ok := links[id]; ok {
			t.Errorf("%s (deletionPolicy Delete) was left on the platform with status %d", name, s)
		}
	}
}

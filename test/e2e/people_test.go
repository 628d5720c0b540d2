// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// simAdmin posts to the simulator's admin API, as the person it plays.
func simAdmin(t *testing.T, simURL, path, body string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, simURL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %v %v", path, body, resp, err)
	}
	_ = resp.Body.Close()
}

func pair(oa, mp string) string {
	return fmt.Sprintf(`{"officialAccount":%q,"miniProgram":%q}`, oa, mp)
}

// peopleAct plays the people of the demo's story: the admins confirm the pending links, the news account's
// admin unlinks the old console link to media-video (a slot frees, and the queued link takes it untouched),
// and the console-only associations are recorded in Git (here, a patch). Then every sample is Ready.
func peopleAct(t *testing.T, simURL, news string) {
	t.Helper()
	for _, l := range []string{"news-events", "news-live"} {
		simAdmin(t, simURL, "/sim/links/confirm", pair(news, appIDOf(t, "mp", strings.Replace(l, "news-", "media-", 1))))
		waitReason(t, "link", l, "Available")
	}
	simAdmin(t, simURL, "/sim/links/remove", pair(news, appIDOf(t, "mp", "media-video")))
	waitReason(t, "link", "news-podcast", "AwaitingOfficialAccountAdmin")
	simAdmin(t, simURL, "/sim/links/confirm", pair(news, appIDOf(t, "mp", "media-podcast")))
	waitReason(t, "link", "news-podcast", "Available")
	// The news account's admin accepts the store's partner invitation (合作账号), which wxlink sent through the
	// store's API.
	waitReason(t, "link", "store-news", "AwaitingOfficialAccountAdmin")
	simAdmin(t, simURL, "/sim/cooperations", fmt.Sprintf(`{"storeAppID":%q,"sharerID":%q,"sharerType":2,"action":"accept"}`,
		appIDOf(t, "wechatstore", "yunshan-store"), jsonpath(t, "link", "store-news", "{.status.partnerID}")))
	waitReason(t, "link", "store-news", "Available")
	for _, l := range []string{"corp-mall"} {
		sh(t, nil, kubectl, "patch", "link", l, "-n", samplesNS, "--type", "merge",
			"-p", `{"spec":{"confirmedInConsole":{"by":"李华 (IT)","on":"2026-12-01"}}}`)
		waitReason(t, "link", l, "ConfirmedInConsole")
	}
	// The mall's admin adds the Youzan shop's domain to the Mini Program's web-view business domains (a console
	// step no API shows), and records it in Git.
	waitReason(t, "thirdpartystore", "yunshan-youzan", "WebViewDomainUnconfirmed")
	sh(t, nil, kubectl, "patch", "thirdpartystore", "yunshan-youzan", "-n", samplesNS, "--type", "json", "-p",
		`[{"op":"add","path":"/spec/bindings/0/confirmedInConsole","value":{"by":"李华 (IT)","on":"2026-12-01"}}]`)
	waitReason(t, "thirdpartystore", "yunshan-youzan", "Available")
	if tok := jsonpath(t, "secret", "yunshan-youzan-token", "{.data.accessToken}"); tok == "" {
		t.Error("the Youzan shop's token is not published in Secret yunshan-youzan-token")
	}
	sh(t, nil, kubectl, "wait", "--for=condition=Ready", "wechat", "--all", "-n", samplesNS, "--timeout=60s")
}

// kstatusOfEverySample computes kstatus over every wxlink object of the samples, as Flux does.
func kstatusOfEverySample(t *testing.T) map[string]status.Status {
	t.Helper()
	out := sh(t, nil, kubectl, "get", "wechat", "-n", samplesNS, "-o", "json")
	list := &unstructured.UnstructuredList{}
	if err := list.UnmarshalJSON([]byte(out)); err != nil {
		t.Fatal(err)
	}
	res := map[string]status.Status{}
	for i := range list.Items {
		u := &list.Items[i]
		r, err := status.Compute(u)
		if err != nil {
			t.Fatal(err)
		}
		res[u.GetKind()+"/"+u.GetName()] = r.Status
	}
	if len(res) < 15 {
		t.Fatalf("only %d wxlink objects: %v", len(res), res)
	}
	return res
}

// badLinkFailsAtOnce applies a link that can never be made (a duplicate of news-mall) and checks that
// kstatus reads it Failed within a reconcile or two, not InProgress until a timeout.
func badLinkFailsAtOnce(t *testing.T) {
	t.Helper()
	sh(t, []byte(`apiVersion: wechat.wxlink.dev/v1alpha1
kind: AssociationLink
metadata: {name: news-mall-again, namespace: yunshan}
spec:
  type: OfficialAccountToMiniProgram
  from: {kind: OfficialAccount, name: yunshan-news}
  to: {kind: MiniProgram, name: yunshan-mall}
`), kubectl, "apply", "-f", "-")
	start := time.Now()
	waitFor(t, "the duplicate link to read Failed", 15*time.Second, func() (bool, string) {
		out := sh(t, nil, kubectl, "get", "link", "news-mall-again", "-n", "yunshan", "-o", "json")
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON([]byte(out)); err != nil {
			return false, err.Error()
		}
		r, err := status.Compute(u)
		if err != nil {
			return false, err.Error()
		}
		return r.Status == status.FailedStatus, string(r.Status) + ": " + r.Message
	})
	t.Logf("a duplicate link read Failed %s after it was applied", time.Since(start).Round(time.Millisecond))
	sh(t, nil, kubectl, "delete", "link", "news-mall-again", "-n", "yunshan", "--timeout=60s")
}

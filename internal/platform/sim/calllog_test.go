// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"
)

// TestCallLogRecordsLinkCallsThatReachedThePlatform: the call log holds the link calls the platform's logic
// saw, with their pair and answer, marks the one a dropAfterApply fault left unanswered, and leaves out the
// calls a fault answered in the platform's place; faults count their firings; latency faults count the
// calls they held and those whose caller gave up.
func TestCallLogRecordsLinkCallsThatReachedThePlatform(t *testing.T) {
	const link, unlink = "/cgi-bin/wxopen/wxamplink", "/cgi-bin/wxopen/wxampunlink"
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"))
	tok := e.token("wxoa")
	if _, err := e.sim.InjectFault(Fault{Path: link, ErrCode: -1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	e.wantCode(e.api(link, tok, map[string]any{"appid": "wxmp"}), -1, "faulted request")
	if _, err := e.sim.InjectFault(Fault{Path: link, DropAfterApply: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost,
		e.srv.URL+link+"?access_token="+tok, bytes.NewBufferString(`{"appid":"wxmp"}`))
	if resp, err := client.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatal("a dropAfterApply call was answered")
	}
	e.wantCode(e.api(link, tok, map[string]any{"appid": "wxmp"}), 89015, "the repeated request")
	e.wantCode(e.api(unlink, tok, map[string]any{"appid": "wxmp"}), 0, "unlink")

	calls, dropped := e.sim.CallLog()
	want := []LinkCall{{Path: link, Errcode: 0, Unanswered: true}, {Path: link, Errcode: 89015}, {Path: unlink}}
	if len(calls) != len(want) || dropped != 0 {
		t.Fatalf("call log = %+v (dropped %d), want %d entries", calls, dropped, len(want))
	}
	for i, w := range want {
		c := calls[i]
		if c.Path != w.Path || c.Errcode != w.Errcode || c.Unanswered != w.Unanswered ||
			c.OfficialAccount != "wxoa" || c.MiniProgram != "wxmp" || c.Seq != i+1 {
			t.Errorf("call %d = %+v, want %+v for wxoa -> wxmp", i, c, w)
		}
	}
	assertFaultsFired(t, e)
	e.sim.ResetCalls()
	if calls, _ := e.sim.CallLog(); len(calls) != 0 {
		t.Errorf("ResetCalls left %d logged calls", len(calls))
	}
}

// assertFaultsFired checks Fired and the latency counters: a held call is Delayed, and Abandoned when its
// caller gave up first (then it is not handled, so not logged).
func assertFaultsFired(t *testing.T, e *env) {
	t.Helper()
	id, err := e.sim.InjectFault(Fault{Path: "/cgi-bin/wxopen/wxamplinkget", Latency: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/cgi-bin/wxopen/wxamplinkget?access_token="+e.token("wxoa"),
		bytes.NewBufferString(`{}`))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatal("a call held past its caller's deadline was answered")
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.sim.CallStats()["/cgi-bin/wxopen/wxamplinkget"].Abandoned != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polls the counter the handler moves once it sees the caller gone
	}
	st := e.sim.CallStats()["/cgi-bin/wxopen/wxamplinkget"]
	if st.Delayed != 1 || st.Abandoned != 1 {
		t.Errorf("latency counters %+v, want 1 delayed, 1 abandoned", st)
	}
	for _, f := range e.sim.Faults() {
		if f.ID == id && f.Fired != 1 {
			t.Errorf("the latency fault fired %d times, want 1", f.Fired)
		}
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const linkGet = "/cgi-bin/wxopen/wxamplinkget"

func TestFaultErrcodeWithCount(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	id, err := e.sim.InjectFault(Fault{Path: linkGet, ErrCode: 45009, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "f") {
		t.Fatalf("fault id %q", id)
	}
	e.sim.ResetCalls()
	e.wantCode(e.api(linkGet, tok, map[string]any{}), 45009, "1st faulted call")
	m := e.api(linkGet, tok, map[string]any{})
	e.wantCode(m, 45009, "2nd faulted call")
	if !strings.Contains(m["errmsg"].(string), "rid: ") {
		t.Fatalf("errmsg %q lacks a rid", m["errmsg"])
	}
	e.wantCode(e.api(linkGet, tok, map[string]any{}), 0, "3rd call: the fault is used up")
	if n := len(e.sim.Faults()); n != 0 {
		t.Fatalf("%d faults left, want 0", n)
	}
	st := e.sim.CallStats()[linkGet]
	if st.Total != 3 || st.ByErrcode[45009] != 2 || st.ByErrcode[0] != 1 {
		t.Fatalf("stats %+v", st)
	}
	if e.sim.Calls()[linkGet] != 3 {
		t.Fatalf("Calls %v", e.sim.Calls())
	}
	// Other paths are untouched; "*" matches every path.
	if _, err := e.sim.InjectFault(Fault{Path: "*", ErrCode: -1, ErrMsg: "system busy"}); err != nil {
		t.Fatal(err)
	}
	m = e.api("/cgi-bin/open/get", tok, map[string]any{})
	if code(m) != -1 || !strings.HasPrefix(m["errmsg"].(string), "system busy") {
		t.Fatalf("wildcard fault: %v", m)
	}
	if n := e.sim.ClearFaults("*"); n != 1 {
		t.Fatalf("ClearFaults removed %d", n)
	}
	e.wantCode(e.api("/cgi-bin/open/get", tok, map[string]any{}), 89002, "after clearing")
}

func TestFaultLatency(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, Latency: 150 * time.Millisecond, Count: 1}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e.wantCode(e.api(linkGet, tok, map[string]any{}), 0, "delayed call")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("answered in %v, want at least 150ms", d)
	}
	start = time.Now()
	e.wantCode(e.api(linkGet, tok, map[string]any{}), 0, "next call")
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("the used-up latency fault still delays: %v", d)
	}
}

func TestFaultDropAndHTTP5xx(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, Drop: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	post := func() (*http.Response, error) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.srv.URL+linkGet+"?access_token="+tok, bytes.NewBufferString("{}"))
		return client.Do(req)
	}
	resp, err := post()
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("a dropped connection answered HTTP %d", resp.StatusCode)
	}
	if st := e.sim.CallStats()[linkGet]; st.Dropped != 1 {
		t.Fatalf("stats %+v, want 1 dropped", st)
	}
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, HTTPStatus: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	resp, err = post()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"errcode":-1`) {
		t.Fatalf("5xx fault: HTTP %d %s", resp.StatusCode, body)
	}
	e.wantCode(e.api(linkGet, tok, map[string]any{}), 0, "after the faults")
}

func TestFaultProbability(t *testing.T) {
	e := newEnv(t, Options{FaultSeed: 42})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, ErrCode: -1, Probability: 0.3}); err != nil {
		t.Fatal(err)
	}
	fired := 0
	for i := 0; i < 300; i++ {
		if code(e.api(linkGet, tok, map[string]any{})) == -1 {
			fired++
		}
	}
	if fired < 50 || fired > 130 {
		t.Fatalf("a 0.3 fault fired %d times in 300", fired)
	}
}

func TestFaultValidation(t *testing.T) {
	e := newEnv(t, Options{})
	for name, f := range map[string]Fault{
		"no path":                        {ErrCode: 1},
		"unknown path":                   {Path: "/nope", ErrCode: 1},
		"does nothing":                   {Path: linkGet},
		"two effects":                    {Path: linkGet, ErrCode: 1, Drop: true},
		"dropAfterApply with errcode":    {Path: linkGet, DropAfterApply: true, ErrCode: 1},
		"dropAfterApply with drop":       {Path: linkGet, DropAfterApply: true, Drop: true},
		"dropAfterApply with httpStatus": {Path: linkGet, DropAfterApply: true, HTTPStatus: 503},
		"bad http status":                {Path: linkGet, HTTPStatus: 404},
		"bad probability":                {Path: linkGet, ErrCode: 1, Probability: 2},
		"negative count":                 {Path: linkGet, ErrCode: 1, Count: -1},
		"negative latency":               {Path: linkGet, Latency: -time.Second},
	} {
		if _, err := e.sim.InjectFault(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestFaultDropAfterApply: the call is handled (the link is made and counted) and then the connection closes
// without an answer; the call log counts it as applied but unanswered, over the admin API too.
func TestFaultDropAfterApply(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"), mpAcct("wxmp", "ACME"))
	tok := e.token("wxoa")
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, DropAfterApply: true, Latency: time.Millisecond}); err != nil {
		t.Fatalf("dropAfterApply with latency: %v", err)
	}
	e.sim.ClearFaults()
	status, m := e.do(http.MethodPost, "/sim/faults", nil,
		map[string]any{"path": "/cgi-bin/wxopen/wxamplink", "dropAfterApply": true, "count": 1})
	if status != http.StatusOK || code(m) != 0 {
		t.Fatalf("admin API refused a dropAfterApply fault: HTTP %d %v", status, m)
	}
	if fs := e.sim.Faults(); len(fs) != 1 || !fs[0].DropAfterApply {
		t.Fatalf("faults = %+v, want one dropAfterApply", fs)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost,
		e.srv.URL+"/cgi-bin/wxopen/wxamplink?access_token="+tok, bytes.NewBufferString(`{"appid":"wxmp"}`))
	if resp, err := client.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("a dropAfterApply call answered HTTP %d", resp.StatusCode)
	}
	if l, ok := e.sim.Link("wxoa", "wxmp"); !ok || l.Status != LinkLinked {
		t.Fatalf("the link was not applied: %+v (found %v)", l, ok)
	}
	if n := e.sim.MonthlyOperations("wxoa"); n != 1 {
		t.Fatalf("monthly operations = %d, want 1: the request was counted", n)
	}
	st := e.sim.CallStats()["/cgi-bin/wxopen/wxamplink"]
	if st.Total != 1 || st.AppliedUnanswered != 1 || st.ByErrcode[0] != 0 || st.Dropped != 0 {
		t.Fatalf("stats %+v, want 1 applied but unanswered and nothing answered", st)
	}
	_, m = e.do(http.MethodGet, "/sim/calls", nil, nil)
	calls, _ := m["calls"].(map[string]any)
	if link, _ := calls["/cgi-bin/wxopen/wxamplink"].(map[string]any); link["appliedUnanswered"] != float64(1) {
		t.Fatalf("/sim/calls does not report the call: %v", m)
	}
	e.wantCode(e.link(tok, "wxmp"), 89015, "asking again: the platform applied the first request")
}

// A Rate fault fires on exactly its share of each path's calls, the first call of each path included, and
// Faults reports its firings by path.
func TestFaultRatePerPath(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	const openGet = "/cgi-bin/open/get"
	if _, err := e.sim.InjectFault(Fault{Path: "*", ErrCode: -1, Rate: 0.2}); err != nil {
		t.Fatal(err)
	}
	var got []int
	for i := 1; i <= 11; i++ {
		if code(e.api(linkGet, tok, map[string]any{})) == -1 {
			got = append(got, i)
		}
	}
	if fmt.Sprint(got) != "[1 6 11]" {
		t.Fatalf("a rate 0.2 fault fired on calls %v of one path, want [1 6 11]", got)
	}
	// Another path has its own count: its first call meets the fault too.
	e.wantCode(e.api(openGet, tok, map[string]any{}), -1, "the other path's first call")
	e.wantCode(e.api(openGet, tok, map[string]any{}), 89002, "the other path's second call")
	fs := e.sim.Faults()
	if len(fs) != 1 || fs[0].Fired != 4 || fs[0].FiredByPath[linkGet] != 3 || fs[0].FiredByPath[openGet] != 1 {
		t.Fatalf("faults %+v, want 4 firings: 3 on %s, 1 on %s", fs, linkGet, openGet)
	}
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, ErrCode: -1, Rate: 0.2, Probability: 0.5}); err == nil {
		t.Fatal("a fault with both a rate and a probability was accepted")
	}
}

// The API's answers carry the simulator's time in their Date header, clock offset included.
func TestAPIDateHeaderIsTheSimulatorsTime(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	want := e.sim.AdvanceClock(36 * time.Hour)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+linkGet+"?access_token="+tok,
		strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	got, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil || got.Sub(want.Truncate(time.Second)).Abs() > time.Second {
		t.Fatalf("Date %q (%v), want the simulator's time %v", resp.Header.Get("Date"), err, want)
	}
}

// The Date header is the simulator's time when the answer is written, after a latency fault's wait, not when
// the request arrived. The clock here runs 3600 times as fast as the real one: the 20 ms wait is 72 s.
func TestAPIDateHeaderIsStampedAfterTheLatency(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	const latency = 20 * time.Millisecond
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, Latency: latency, Count: 1}); err != nil {
		t.Fatal(err)
	}
	base, start := e.clock.Now(), time.Now()
	e.sim.SetNow(func() time.Time { return base.Add(time.Since(start) * 3600) })
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+linkGet+"?access_token="+tok,
		strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	got, err := http.ParseTime(resp.Header.Get("Date"))
	if want := base.Add(latency * 3600).Truncate(time.Second); err != nil || got.Before(want) {
		t.Fatalf("Date %q (%v), want at least %v: the time the answer was written, after the latency",
			resp.Header.Get("Date"), err, want)
	}
}

// A Rate fault's share is of all the calls of its path, also those an earlier fault took: here a one-shot
// fault takes the first call, and the rate 0.2 fault still fires on 3 of 11 calls (2, 6 and 11), not 2.
func TestFaultRateCountsCallsAnEarlierFaultTook(t *testing.T) {
	e := newEnv(t, Options{})
	e.seed(oaAcct("wxoa", "ACME"))
	tok := e.token("wxoa")
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, ErrCode: 45011, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.InjectFault(Fault{Path: linkGet, ErrCode: -1, Rate: 0.2}); err != nil {
		t.Fatal(err)
	}
	var byCode = map[int][]int{}
	for i := 1; i <= 11; i++ {
		c := code(e.api(linkGet, tok, map[string]any{}))
		byCode[c] = append(byCode[c], i)
	}
	if fmt.Sprint(byCode[45011]) != "[1]" || fmt.Sprint(byCode[-1]) != "[2 6 11]" {
		t.Fatalf("calls by errcode %v, want 45011 on [1] and -1 on [2 6 11]", byCode)
	}
	if fs := e.sim.Faults(); len(fs) != 1 || fs[0].FiredByPath[linkGet] != 3 {
		t.Fatalf("faults %+v, want the rate fault, fired 3 times", fs)
	}
}

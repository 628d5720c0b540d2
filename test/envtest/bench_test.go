// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

const (
	wxamplinkget        = "/cgi-bin/wxopen/wxamplinkget"
	benchPoll           = 2 * time.Second
	benchRestPolls      = 5 // poll intervals observed at rest
	benchConvergenceCap = 5 * time.Minute
)

// BenchmarkFleet measures what a fleet of links costs, on the real apiserver and the simulator through the
// real client: the time from applying the links to every link Ready, the platform calls that took, and the
// calls made per poll interval once everything is Ready. Every Official Account links the same ten
// same-subject Mini Programs, so the fleets differ in links (10 to 100) far more than in accounts (11 to 20).
// At rest the calls per poll follow the accounts (one wxamplinkget per Official Account, shared by its
// links), not the links. Run it with `make bench`; one iteration (-benchtime 1x) is one fleet.
func BenchmarkFleet(b *testing.B) {
	for _, oas := range []int{1, 5, 10} {
		const mps = 10
		b.Run(fmt.Sprintf("oas=%d/mps=%d/links=%d", oas, mps, oas*mps), func(b *testing.B) {
			var ready, calls, linkCalls, restCalls, restLists float64
			for range b.N {
				f := runFleet(b, oas, mps)
				ready += f.toReady.Seconds()
				calls += float64(f.convergenceCalls)
				linkCalls += float64(f.wxamplinkCalls)
				restCalls += float64(f.restCalls)
				restLists += float64(f.restLists)
			}
			n, links := float64(b.N), float64(oas*mps)
			b.ReportMetric(ready/n, "s-to-ready")
			b.ReportMetric(links*n/ready, "links/s")
			b.ReportMetric(calls/n/links, "calls/link")
			b.ReportMetric(linkCalls/n/links, "wxamplink/link")
			b.ReportMetric(restCalls/n/benchRestPolls, "rest-calls/poll")
			b.ReportMetric(restLists/n/benchRestPolls/float64(oas), "wxamplinkget/oa/poll")
		})
	}
}

type fleet struct {
	toReady          time.Duration
	convergenceCalls int // every platform call from the first link applied to the last link Ready
	wxamplinkCalls   int
	restCalls        int // platform calls in benchRestPolls poll intervals at rest
	restLists        int // wxamplinkget calls among them
}

func runFleet(b *testing.B, oas, mps int) fleet {
	b.StopTimer()
	e := newEnvWith(b, benchPoll, sim.Options{})
	e.platformConfig()
	for i := range mps {
		e.miniProgram(fmt.Sprintf("mp%02d", i), companyA, sim.Verified)
	}
	for i := range oas {
		e.officialAccount(fmt.Sprintf("oa%02d", i), companyA)
	}
	e.waitAll(oas+mps, func() ([]readyObject, error) {
		oaList, mpList := &wx.OfficialAccountList{}, &wx.MiniProgramList{}
		if err := k8s.List(context.Background(), oaList, client.InNamespace(e.ns)); err != nil {
			return nil, err
		}
		if err := k8s.List(context.Background(), mpList, client.InNamespace(e.ns)); err != nil {
			return nil, err
		}
		var out []readyObject
		for i := range oaList.Items {
			out = append(out, &oaList.Items[i])
		}
		for i := range mpList.Items {
			out = append(out, &mpList.Items[i])
		}
		return out, nil
	})

	beforeCalls := e.sim.Calls()
	before := total(beforeCalls)
	b.StartTimer()
	start := time.Now()
	for i := range oas {
		for j := range mps {
			e.link(fmt.Sprintf("oa%02d-mp%02d", i, j), fmt.Sprintf("oa%02d", i), fmt.Sprintf("mp%02d", j))
		}
	}
	e.waitAll(oas*mps, func() ([]readyObject, error) {
		list := &wx.AssociationLinkList{}
		err := k8s.List(context.Background(), list, client.InNamespace(e.ns))
		out := make([]readyObject, 0, len(list.Items))
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
		return out, err
	})
	f := fleet{toReady: time.Since(start)}
	b.StopTimer()
	calls := e.sim.Calls()
	f.convergenceCalls, f.wxamplinkCalls = total(calls)-before, calls[wxamplink]
	b.Logf("calls while converging: %v", delta(beforeCalls, calls))

	// At rest: count the calls over a fixed window of poll intervals. The timer is the measurement's window,
	// not a wait for something to happen.
	restStart := e.sim.Calls()
	<-time.After(benchRestPolls * benchPoll)
	restEnd := e.sim.Calls()
	f.restCalls, f.restLists = total(restEnd)-total(restStart), restEnd[wxamplinkget]-restStart[wxamplinkget]
	b.Logf("calls in %d polls at rest: %v", benchRestPolls, delta(restStart, restEnd))
	if n := len(e.sim.State().Links); n != oas*mps {
		b.Fatalf("the simulator holds %d links, want %d: one per AssociationLink", n, oas*mps)
	}
	// The simulator keeps one entry per pair, so only the request count shows a link asked for twice.
	if n := restEnd[wxamplink] - beforeCalls[wxamplink]; n != oas*mps {
		b.Fatalf("wxamplink was called %d times for %d links: a link was requested more than once, or never", n, oas*mps)
	}
	e.stop()
	e.stop = func() {}
	return f
}

type readyObject interface {
	client.Object
	GetStatusBase() *wx.StatusBase
}

// waitAll waits, for at most benchConvergenceCap, until list returns want objects, all with Ready reason
// Available.
func (e *env) waitAll(want int, list func() ([]readyObject, error)) {
	e.t.Helper()
	state := ""
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, benchConvergenceCap, true,
		func(context.Context) (bool, error) {
			objs, err := list() // an error is retried until the cap, and reported then
			ready := 0
			for _, o := range objs {
				if r, _ := readyOf(o); r == wx.ReasonAvailable {
					ready++
				}
			}
			state = fmt.Sprintf("%d of %d Ready (list error: %v)", ready, want, err)
			return err == nil && len(objs) == want && ready == want, nil
		})
	if err != nil {
		e.t.Fatalf("timed out after %s: %s", benchConvergenceCap, state)
	}
}

func total(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

// delta is the calls per endpoint between two counts.
func delta(from, to map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range to {
		if d := v - from[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package envtest_test

import (
	"net/http"
	"sync"

	"k8s.io/client-go/rest"
)

// apiRequest is one request the manager made to the API server.
type apiRequest struct {
	Method, Path, Query, Accept string
}

// requestLog records the manager's requests, through a wrapped transport of its rest config.
type requestLog struct {
	mu   sync.Mutex
	reqs []apiRequest
}

func (l *requestLog) wrap(c *rest.Config) *rest.Config {
	c = rest.CopyConfig(c)
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			l.mu.Lock()
			l.reqs = append(l.reqs, apiRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Accept: r.Header.Get("Accept")})
			l.mu.Unlock()
			return rt.RoundTrip(r)
		})
	})
	return c
}

func (l *requestLog) all() []apiRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]apiRequest(nil), l.reqs...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

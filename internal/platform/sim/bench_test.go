// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkLinkRequests measures wxamplink plus wxamplinkget through the handler, over many accounts.
func BenchmarkLinkRequests(b *testing.B) {
	s := MustNew(Options{TicketInterval: -1})
	defer func() { _ = s.Close() }()
	const n = 5000
	accts := make([]Account, 0, 2*n)
	for i := 0; i < n; i++ {
		accts = append(accts, oaAcct(fmt.Sprintf("wxoa%05d", i), fmt.Sprintf("Corp %d", i%50)),
			mpAcct(fmt.Sprintf("wxmp%05d", i), fmt.Sprintf("Corp %d", i%50)))
	}
	if err := s.Seed(accts...); err != nil {
		b.Fatal(err)
	}
	toks := make([]string, n)
	for i := range toks {
		toks[i], _ = s.IssueToken(fmt.Sprintf("wxoa%05d", i))
	}
	h := s.Handler()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		oa := i % n
		body := fmt.Sprintf(`{"appid":"wxmp%05d"}`, (oa+i/n)%n)
		req := httptest.NewRequestWithContext(b.Context(), http.MethodPost, "/cgi-bin/wxopen/wxamplink?access_token="+toks[oa], strings.NewReader(body))
		h.ServeHTTP(httptest.NewRecorder(), req)
		req = httptest.NewRequestWithContext(b.Context(), http.MethodPost, "/cgi-bin/wxopen/wxamplinkget?access_token="+toks[oa], strings.NewReader("{}"))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// serveOnLoopback runs s on a fresh 127.0.0.1 port until the test ends and returns its address.
func serveOnLoopback(t *testing.T, s *callbackServer) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("callback server: %v", err)
		}
	})
	return ln.Addr().String()
}

// reply is what a test reads of a response.
type reply struct {
	code int
	tls  *tls.ConnectionState
	body string
}

func get(t *testing.T, c *http.Client, url string) (reply, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return reply{code: resp.StatusCode, tls: resp.TLS, body: string(b)}, err
}

// With a certificate and key, the callback speaks TLS with that certificate and refuses plain HTTP.
func TestCallbackServerServesTLS(t *testing.T) {
	dir := t.TempDir()
	cert := selfSigned(t, dir, "cb.crt", "cb.key")
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") })
	s, err := newCallbackServer("127.0.0.1:0", filepath.Join(dir, "cb.crt"), filepath.Join(dir, "cb.key"), h)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveOnLoopback(t, s)

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	r, err := get(t, tlsClient, "https://"+addr+"/wechat/callback/ns/name")
	if err != nil {
		t.Fatalf("an HTTPS request trusting the given certificate: %v", err)
	}
	if r.code != http.StatusOK || r.body != "hello" || r.tls == nil || !r.tls.PeerCertificates[0].Equal(cert) {
		t.Errorf("HTTPS answered %d %q, TLS %v: want 200 hello with the given certificate", r.code, r.body, r.tls != nil)
	}

	r, err = get(t, &http.Client{}, "http://"+addr+"/wechat/callback/ns/name")
	if err == nil && (r.code != http.StatusBadRequest || !strings.Contains(r.body, "HTTPS")) {
		t.Errorf("plain HTTP answered %d %q: want it refused", r.code, r.body)
	}
}

// Without a certificate the callback serves plain HTTP, as before.
func TestCallbackServerServesHTTPWithoutCertificate(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") })
	s, err := newCallbackServer("127.0.0.1:0", "", "", h)
	if err != nil {
		t.Fatal(err)
	}
	r, err := get(t, &http.Client{}, "http://"+serveOnLoopback(t, s)+"/")
	if err != nil || r.code != http.StatusOK || r.body != "hello" || r.tls != nil {
		t.Fatalf("plain HTTP: %v %d %q", err, r.code, r.body)
	}
}

// The manager refuses to start with only one of --callback-cert-file and --callback-key-file, or with a
// certificate that does not load.
func TestCallbackCertificateFlagsGoTogether(t *testing.T) {
	dir := t.TempDir()
	selfSigned(t, dir, "cb.crt", "cb.key")
	crt, key := filepath.Join(dir, "cb.crt"), filepath.Join(dir, "cb.key")
	for _, args := range [][]string{{"--callback-cert-file", crt}, {"--callback-key-file", key}} {
		o := parse(t, append(args, "--callback-bind-address", "127.0.0.1:0")...)
		if err := o.validate(); err == nil || !strings.Contains(err.Error(), "set together") {
			t.Errorf("%v: validate() = %v, want a refusal", args, err)
		}
		if _, err := newCallbackServer(o.callbackAddr, o.callbackCertFile, o.callbackKeyFile, http.NotFoundHandler()); err == nil {
			t.Errorf("%v: newCallbackServer accepted half a key pair", args)
		}
		if err := run(context.Background(), nil, o); err == nil {
			t.Errorf("%v: run started", args)
		}
	}
	if o := parse(t, "--callback-cert-file", crt, "--callback-key-file", key); o.validate() != nil {
		t.Errorf("both files: %v", o.validate())
	}
	if _, err := newCallbackServer("127.0.0.1:0", key, crt, http.NotFoundHandler()); err == nil {
		t.Error("newCallbackServer accepted a key as the certificate")
	}
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/wxlink/wxlink-operator/controllers"
)

// callbackServer serves the verify-ticket callback, over HTTPS when it has a certificate.
type callbackServer struct {
	addr string
	srv  *http.Server
}

// newCallbackServer serves h at addr; with certFile and keyFile (both, or neither) over HTTPS. The
// certificate is loaded here, so that a bad one stops the manager before it starts.
func newCallbackServer(addr, certFile, keyFile string, h http.Handler) (*callbackServer, error) {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxHeaderBytes: 1 << 16}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "" || keyFile == "":
		return nil, errors.New("the callback's certificate and key must be given together")
	default:
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the callback's certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert},
			NextProtos: []string{"http/1.1"}}
	}
	return &callbackServer{addr: addr, srv: srv}, nil
}

// Start listens on the server's address and serves until ctx ends.
func (s *callbackServer) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("callback server: %w", err)
	}
	return s.serve(ctx, ln)
}

// serve serves on ln until ctx ends, then shuts down gracefully (at most 5 s).
func (s *callbackServer) serve(ctx context.Context, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(sctx)
	}()
	if s.srv.TLSConfig != nil {
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// NeedLeaderElection is false: every replica serves, leader or not, since WeChat pushes to whichever one
// the Service picks.
func (*callbackServer) NeedLeaderElection() bool { return false }

var _ manager.LeaderElectionRunnable = (*callbackServer)(nil)

// addCallbackServer adds the verify-ticket callback to the manager, unless --callback-bind-address is 0.
func addCallbackServer(mgr ctrl.Manager, o *options) error {
	if o.callbackAddr == "0" || o.callbackAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle(controllers.CallbackPathPrefix,
		&controllers.TicketCallback{Client: mgr.GetClient(), Logger: ctrl.Log.WithName("callback")})
	s, err := newCallbackServer(o.callbackAddr, o.callbackCertFile, o.callbackKeyFile, mux)
	if err != nil {
		return err
	}
	if err := mgr.Add(s); err != nil {
		return fmt.Errorf("adding the callback server: %w", err)
	}
	return nil
}

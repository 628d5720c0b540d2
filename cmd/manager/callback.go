// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/wxlink/wxlink-operator/controllers"
)

// callbackServer serves the verify-ticket callback.
type callbackServer struct {
	addr string
	srv  *http.Server
}

// newCallbackServer serves h at addr.
func newCallbackServer(addr string, h http.Handler) *callbackServer {
	return &callbackServer{addr: addr, srv: &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxHeaderBytes: 1 << 16}}
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
	if err := mgr.Add(newCallbackServer(o.callbackAddr, mux)); err != nil {
		return fmt.Errorf("adding the callback server: %w", err)
	}
	return nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package sim is a stateful simulator of the third-party store platforms' token and health endpoints:
// Youzan, Weimob and Weidian, each with its own paths, request shapes, envelopes, error codes and expiry
// unit (as internal/stores reads them), token expiry, and fault injection, seeded from YAML. `wechatsim
// --store-seed` serves it beside the WeChat simulator (admin at /sim/stores/); the contract tests and the
// envtest suite start it alone on 127.0.0.1 (admin at /sim/).
//
// It is written from shared/store-platforms.md, independently of internal/stores' decoders, so that one
// mistake in both cannot hide.
//
// Paths (one server serves all three platforms; their paths do not collide):
//
//	POST /auth/token                           Youzan token (JSON body; silent grant)
//	POST /api/youzan.shop.get/3.0.0            Youzan health (?access_token=)
//	POST /fuwu/b/oauth2/token                  Weimob token (query: client_credentials)
//	POST /apigw/bos/v2.0/info/get              Weimob health (?accesstoken=)
//	GET  /token                                Weidian token (query: client_credential)
//	GET  /api                                  Weidian health (public={"method":"vdian.shop.cate.get",…})
//
// Admin API (plays the platform's console and the network), at /sim/ (or, inside wechatsim --store-seed,
// at /sim/stores/):
//
//	GET    /sim/healthz
//	GET    /sim/state                          shops (without secrets) and live tokens per shop
//	POST   /sim/shops                          {"shops":[Shop…]} upserts shops
//	POST   /sim/faults                         Fault: answer a path with a provider error code, an HTTP status or a drop
//	DELETE /sim/faults                         clears every fault
//	POST   /sim/tokens/expire                  {"clientID"} expires the client's tokens now
package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"sigs.k8s.io/yaml"
)

// Provider names, as in ThirdPartyStore.spec.provider.
const (
	Youzan  = "Youzan"
	Weimob  = "Weimob"
	Weidian = "Weidian"
)

// Shop is a shop with its self-use app.
type Shop struct {
	Provider     string `json:"provider"`
	ClientID     string `json:"clientID"`
	ClientSecret string `json:"clientSecret,omitempty"`
	// ShopID is Youzan's kdt_id or Weimob's shop_id (bosId); Weidian shops have none.
	ShopID   string `json:"shopID,omitempty"`
	ShopName string `json:"shopName"`
	// ReuseToken makes a Youzan token call behave as the Youzan docs say (unverified): refresh=false while
	// the shop has a valid token answers that same token and expiry; refresh=true issues a new one.
	ReuseToken bool `json:"reuseToken,omitempty"`
}

// SeedFile is the YAML (or JSON) a simulator starts from.
type SeedFile struct {
	Shops []Shop `json:"shops"`
}

// Fault answers calls of Path with an error instead of handling them.
type Fault struct {
	Path string `json:"path"`
	// Code, when set, is the provider's own error code in its own envelope (Youzan gw_err_resp for 4xxx,
	// else success:false; Weimob code.errcode; Weidian status.status_code), with HTTP 200.
	Code int `json:"code,omitempty"`
	// HTTPStatus, when set, answers with that status.
	HTTPStatus int `json:"httpStatus,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Count is how many calls it answers (0: all until cleared).
	Count int `json:"count,omitempty"`
}

// Options configure a Simulator.
type Options struct {
	// Clock is the simulator's time (nil: time.Now).
	Clock func() time.Time
	// TokenTTL is each provider's token lifetime (missing: Youzan 7 days, Weimob 7200 s, Weidian 25 h).
	TokenTTL map[string]time.Duration
	Logger   *slog.Logger
}

// DefaultTokenTTL is each provider's token lifetime, from shared/store-platforms.md.
var DefaultTokenTTL = map[string]time.Duration{Youzan: 7 * 24 * time.Hour, Weimob: 7200 * time.Second, Weidian: 25 * time.Hour}

type token struct {
	shop      string // provider/clientID
	expiresAt time.Time
}

// Simulator is the store platforms' simulator. It is safe for concurrent use.
type Simulator struct {
	opts   Options
	mu     sync.Mutex
	shops  map[string]*Shop // provider/clientID
	tokens map[string]token
	faults []*Fault
	calls  map[string]int
}

// New returns an empty simulator.
func New(opts Options) *Simulator {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ttl := map[string]time.Duration{}
	for p, d := range DefaultTokenTTL {
		ttl[p] = d
	}
	for p, d := range opts.TokenTTL {
		ttl[p] = d
	}
	opts.TokenTTL = ttl
	return &Simulator{opts: opts, shops: map[string]*Shop{}, tokens: map[string]token{}, calls: map[string]int{}}
}

func shopKey(provider, clientID string) string { return provider + "/" + clientID }

// Seed upserts shops.
func (s *Simulator) Seed(shops ...Shop) error {
	for _, sh := range shops {
		if _, ok := DefaultTokenTTL[sh.Provider]; !ok {
			return fmt.Errorf("shop %q: provider must be Youzan, Weimob or Weidian", sh.ClientID)
		}
		if sh.ClientID == "" || sh.ClientSecret == "" {
			return fmt.Errorf("shop %q: clientID and clientSecret are required", sh.ShopName)
		}
		if sh.Provider != Weidian && sh.ShopID == "" {
			return fmt.Errorf("shop %q: shopID is required for %s", sh.ClientID, sh.Provider)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sh := range shops {
		c := sh
		s.shops[shopKey(sh.Provider, sh.ClientID)] = &c
	}
	return nil
}

// LoadSeedFile seeds the simulator from a YAML or JSON file.
func (s *Simulator) LoadSeedFile(path string) error {
	b, err := os.ReadFile(path) //nolint:gosec // a path the operator of the simulator gives
	if err != nil {
		return err
	}
	var f SeedFile
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return s.Seed(f.Shops...)
}

// InjectFault adds a fault.
func (s *Simulator) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// ExpireTokens expires every token of a client now, and returns how many.
func (s *Simulator) ExpireTokens(clientID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for v, t := range s.tokens {
		if _, id := splitKey(t.shop); id == clientID {
			t.expiresAt = s.opts.Clock()
			s.tokens[v] = t
			n++
		}
	}
	return n
}

// Calls returns how many calls each path answered (faults included).
func (s *Simulator) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Tokens returns how many unexpired tokens each shop (provider/clientID) holds.
func (s *Simulator) Tokens() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	now := s.opts.Clock()
	for _, t := range s.tokens {
		if now.Before(t.expiresAt) {
			out[t.shop]++
		}
	}
	return out
}

func splitKey(k string) (string, string) {
	for i := range k {
		if k[i] == '/' {
			return k[:i], k[i+1:]
		}
	}
	return k, ""
}

// issue makes a new token for a shop. Callers hold s.mu.
func (s *Simulator) issue(sh *Shop) (string, time.Time) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	exp := s.opts.Clock().Add(s.opts.TokenTTL[sh.Provider])
	s.tokens[v] = token{shop: shopKey(sh.Provider, sh.ClientID), expiresAt: exp}
	return v, exp
}

// liveToken is the shop's valid token that expires last, if any. Callers hold s.mu.
func (s *Simulator) liveToken(sh *Shop) (string, time.Time, bool) {
	var v string
	var exp time.Time
	for k, t := range s.tokens {
		if t.shop == shopKey(sh.Provider, sh.ClientID) && s.opts.Clock().Before(t.expiresAt) && t.expiresAt.After(exp) {
			v, exp = k, t.expiresAt
		}
	}
	return v, exp, v != ""
}

// tokenState is what a presented token is: its shop, or why not. Callers hold s.mu.
func (s *Simulator) tokenState(v string) (*Shop, string) {
	if v == "" {
		return nil, "missing"
	}
	t, ok := s.tokens[v]
	if !ok {
		return nil, "unknown"
	}
	if !s.opts.Clock().Before(t.expiresAt) {
		return nil, "expired"
	}
	return s.shops[t.shop], ""
}

// fault returns the fault for path, consuming one of its answers. Callers hold s.mu.
func (s *Simulator) fault(path string) *Fault {
	for i, f := range s.faults {
		if f.Path != path {
			continue
		}
		out := *f
		if f.Count > 0 {
			if f.Count--; f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

// Server is a Simulator listening on a loopback port.
type Server struct {
	*Simulator
	URL string
	srv *http.Server
	ln  net.Listener
}

// Start serves a new simulator on 127.0.0.1 at a free port.
func Start(opts Options) (*Server, error) {
	return Listen(context.Background(), "127.0.0.1:0", New(opts))
}

// Listen serves s on addr.
func Listen(ctx context.Context, addr string, s *Simulator) (*Server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logger.Error("storesim stopped", "err", err)
		}
	}()
	return &Server{Simulator: s, URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

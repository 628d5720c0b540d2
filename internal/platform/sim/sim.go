// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Simulator is a stateful, in-memory WeChat platform. It is safe for concurrent use. Create it with New,
// serve Handler() (or use Start), and Close it to stop its background work and flush its state file.
type Simulator struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	st     *state
	clock  func() time.Time
	faults []*Fault
	faultN int
	calls  map[string]*EndpointStats
	// callLog records the link API calls that reached the platform's logic (calllog.go).
	callLog        []LinkCall
	callSeq        int
	callLogDropped int
	rng            *mrand.Rand
	aesKey         []byte // decoded component EncodingAESKey
	dirty          bool

	handler   http.Handler
	flushMu   sync.Mutex
	persistCh chan struct{}
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New creates a simulator. With Options.StateFile set it loads the file when it exists and keeps it up to
// date; with a Component and a positive TicketInterval it pushes component_verify_tickets in the background.
func New(opts Options) (*Simulator, error) {
	opts.setDefaults()
	s := &Simulator{
		opts:      opts,
		log:       opts.Logger,
		st:        newState(),
		clock:     opts.Clock,
		calls:     map[string]*EndpointStats{},
		persistCh: make(chan struct{}, 1),
		stop:      make(chan struct{}),
	}
	seed := opts.FaultSeed
	if seed == 0 {
		seed = mrand.Uint64() //nolint:gosec // G404: fault probabilities need no cryptographic randomness
	}
	s.rng = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // G404: as above
	if c := opts.Component; c != nil {
		if c.AppID == "" {
			return nil, errors.New("component: appid is required")
		}
		if c.CallbackURL != "" && (c.Token == "" || c.EncodingAESKey == "") {
			return nil, errors.New("component: pushing tickets to a callback URL needs the token and the EncodingAESKey")
		}
		if c.EncodingAESKey != "" {
			key, err := decodeAESKey(c.EncodingAESKey)
			if err != nil {
				return nil, fmt.Errorf("component: %w", err)
			}
			s.aesKey = key
		}
	}
	if opts.StateFile != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	s.handler = s.buildHandler()
	if opts.StateFile != "" {
		s.wg.Add(1)
		go s.persistLoop()
	}
	if opts.Component != nil && opts.Component.CallbackURL != "" && opts.TicketInterval > 0 {
		s.wg.Add(1)
		go s.ticketLoop(opts.TicketInterval)
	}
	return s, nil
}

// MustNew is New for tests and examples: it panics on error.
func MustNew(opts Options) *Simulator {
	s, err := New(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Handler serves the WeChat API paths and the /sim/ admin API.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Close stops the background pusher and persister and writes the state file one last time.
func (s *Simulator) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.wg.Wait()
		if s.opts.StateFile != "" {
			s.closeErr = s.Flush()
		}
	})
	return s.closeErr
}

func (s *Simulator) now() time.Time { return s.clock().Add(s.st.clockOffset) }

// Now is the simulator's time: its clock plus the offset POST /sim/clock set.
func (s *Simulator) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// SetNow replaces the clock (nil restores time.Now). The clock offset still applies.
func (s *Simulator) SetNow(clock func() time.Time) {
	if clock == nil {
		clock = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = clock
}

// AdvanceClock moves the simulator's time forward (or back, with a negative d) and returns the new time.
func (s *Simulator) AdvanceClock(d time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.clockOffset += d
	s.markDirty()
	return s.now()
}

// SetClockOffset sets the offset added to the clock and returns the new time.
func (s *Simulator) SetClockOffset(d time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.clockOffset = d
	s.markDirty()
	return s.now()
}

// markDirty records a mutation; the persister writes it out. Callers hold s.mu.
func (s *Simulator) markDirty() { s.dirty = true }

// afterMutation wakes the persister if the last locked section changed the state.
func (s *Simulator) afterMutation() {
	if s.opts.StateFile == "" {
		return
	}
	select {
	case s.persistCh <- struct{}{}:
	default:
	}
}

// withLock runs f under the state lock and schedules persistence when f changed something.
func (s *Simulator) withLock(f func()) {
	dirty := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock() // a panic in f must not leave the state locked
		f()
		return s.dirty
	}()
	if dirty {
		s.afterMutation()
	}
}

func (s *Simulator) persistLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case <-s.persistCh:
		}
		t := time.NewTimer(s.opts.PersistDelay)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-t.C:
		}
		if err := s.Flush(); err != nil {
			s.log.Error("writing the state file failed", "err", err)
		}
	}
}

// Flush writes the state file now (temp file + rename). It is a no-op without Options.StateFile.
func (s *Simulator) Flush() error {
	if s.opts.StateFile == "" {
		return nil
	}
	s.flushMu.Lock() // one writer at a time, so that an older snapshot never overwrites a newer one
	defer s.flushMu.Unlock()
	s.mu.Lock()
	p := s.st.export() // a deep copy: it is encoded after the lock is released
	p.SavedAt = s.now()
	s.dirty = false
	s.mu.Unlock()
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	return writeFileAtomic(s.opts.StateFile, data)
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

func (s *Simulator) load() error {
	data, err := os.ReadFile(s.opts.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the state file: %w", err)
	}
	var p persisted
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("decoding the state file %s: %w", s.opts.StateFile, err)
	}
	st, err := importState(&p)
	if err != nil {
		return err
	}
	s.st = st
	return nil
}

// randToken returns n random bytes in URL-safe base64, the alphabet of real tokens.
func randToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Server is a Simulator listening on a loopback port, for tests and examples.
type Server struct {
	*Simulator
	URL string
	srv *http.Server
	ln  net.Listener
}

// Start creates a simulator and serves it on 127.0.0.1 with a random port. Close the Server when done.
func Start(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	srv := NewHTTPServer("", s.Handler())
	go func() { _ = srv.Serve(ln) }()
	return &Server{Simulator: s, URL: "http://" + ln.Addr().String(), srv: srv, ln: ln}, nil
}

// Close stops serving and closes the simulator.
func (sv *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := sv.srv.Shutdown(ctx)
	return errors.Join(err, sv.Simulator.Close())
}

// NewHTTPServer returns an http.Server with the simulator's timeouts set.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Latency faults may hold a response for a while: keep the write timeout generous.
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
	}
}

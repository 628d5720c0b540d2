// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Command wechatsim serves a stateful simulator of the WeChat platform API, for offline demos, tests and CI.
// See package internal/platform/sim for the API it speaks and its admin API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform/sim"
	storesim "github.com/wxlink/wxlink-operator/internal/stores/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "wechatsim:", err)
		os.Exit(1)
	}
}

// envOr returns the environment variable's value when set and not empty, else def: an empty variable never
// erases a flag (an empty $WECHATSIM_ADMIN_TOKEN must not disable --admin-token).
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// loopback reports whether a listen address binds only the loopback interface: localhost, 127.0.0.0/8 or
// ::1. An empty host (":8080"), 0.0.0.0, :: and any other name bind, or may bind, beyond the machine.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// config is the command line, parsed.
type config struct {
	listen, seed, stateFile                       string
	tokenTTL, tokenGrace, ticketEvery, ticketTTL  time.Duration
	compAppID, compSecret, compToken, compKey     string
	compCallback                                  string
	diffErrcode                                   int
	unlinkConfirm, omitAppID, logJSON, inviteScan bool
	maxBody                                       int64
	adminToken                                    string
	storeSeed                                     string
}

// parseFlags parses args into a config; --help gives flag.ErrHelp after printing the usage to stderr.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("wechatsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.listen, "listen", "127.0.0.1:18080", "address to serve on (not a loopback address: --admin-token is required)")
	fs.StringVar(&c.seed, "seed", "", "seed file (YAML or JSON): accounts, openAccounts, links, merchants, cooperations, unknownWeChatIDs")
	fs.StringVar(&c.stateFile, "state-file", "", "state file: loaded at start, rewritten atomically after changes")
	fs.DurationVar(&c.tokenTTL, "token-ttl", sim.DefaultTokenTTL, "lifetime of access tokens")
	fs.DurationVar(&c.tokenGrace, "token-grace", sim.DefaultTokenGrace, "how long the previous token stays valid after a new one is issued")
	fs.DurationVar(&c.ticketEvery, "ticket-interval", sim.DefaultTicketInterval, "component_verify_ticket push interval (0 or negative: only on demand)")
	fs.DurationVar(&c.ticketTTL, "ticket-ttl", sim.DefaultTicketTTL, "component_verify_ticket validity")
	fs.StringVar(&c.compAppID, "component-appid", "", "third-party platform (component) appid")
	fs.StringVar(&c.compSecret, "component-secret", "", "component appsecret (prefer $WECHATSIM_COMPONENT_SECRET)")
	fs.StringVar(&c.compToken, "component-token", "", "component message-check token (prefer $WECHATSIM_COMPONENT_TOKEN)")
	fs.StringVar(&c.compKey, "component-aes-key", "", "component 43-character EncodingAESKey (prefer $WECHATSIM_COMPONENT_AES_KEY)")
	fs.StringVar(&c.compCallback, "component-callback-url", "", "where component_verify_tickets are pushed")
	fs.IntVar(&c.diffErrcode, "different-subject-errcode", 89407, "errcode of the 4th different-subject link: 89407, 89017 or 1005")
	fs.BoolVar(&c.inviteScan, "invite-needs-scan", false, "cooperation/invitation/qrcode/generate only returns the QR code; the store's admin sends the invitation (POST /sim/cooperations action scan)")
	fs.BoolVar(&c.unlinkConfirm, "unlink-needs-confirm", false, "wxampunlink waits for the Official Account admin (POST /sim/links/confirm-unlink)")
	fs.BoolVar(&c.omitAppID, "omit-link-appid", false, "leave appid out of wxamplinkget items, as older responses did")
	fs.Int64Var(&c.maxBody, "max-body-bytes", sim.DefaultMaxBodyBytes, "largest accepted API request body")
	fs.StringVar(&c.adminToken, "admin-token", "", "require 'Authorization: Bearer <token>' on /sim/ (prefer $WECHATSIM_ADMIN_TOKEN)")
	fs.StringVar(&c.storeSeed, "store-seed", "", "also serve the third-party store simulator (Youzan, Weimob, Weidian; "+
		"internal/stores/sim), seeded from this YAML file, with its admin API at /sim/stores/")
	fs.BoolVar(&c.logJSON, "log-json", false, "log JSON lines instead of text")
	fs.Usage = func() { usage(fs, stderr) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c.adminToken = envOr("WECHATSIM_ADMIN_TOKEN", c.adminToken)
	return c, nil
}

func usage(fs *flag.FlagSet, stderr io.Writer) {
	fmt.Fprintf(stderr, `wechatsim: a stateful WeChat platform API simulator (paths, fields and errcodes of api.weixin.qq.com).

Usage: wechatsim [flags]

Secrets may come from the environment instead of flags: WECHATSIM_COMPONENT_SECRET, WECHATSIM_COMPONENT_TOKEN,
WECHATSIM_COMPONENT_AES_KEY, WECHATSIM_ADMIN_TOKEN. They are never logged. On an address other than loopback
the admin API needs a token: wechatsim refuses to start without one.

Flags:
`)
	fs.PrintDefaults()
	fmt.Fprintf(stderr, "\nWeChat API paths served:\n")
	for _, p := range sim.APIPaths() {
		fmt.Fprintf(stderr, "  %s\n", p)
	}
	fmt.Fprintf(stderr, "\nAdmin API (JSON):\n%s", sim.AdminRoutesHelp())
}

// options turns the command line into the simulator's options.
func (c *config) options(logger *slog.Logger) sim.Options {
	opts := sim.Options{
		Logger:                  logger,
		TokenTTL:                c.tokenTTL,
		TokenGrace:              c.tokenGrace,
		TicketTTL:               c.ticketTTL,
		TicketInterval:          c.ticketEvery,
		DifferentSubjectErrcode: c.diffErrcode,
		UnlinkNeedsConfirm:      c.unlinkConfirm,
		InviteNeedsScan:         c.inviteScan,
		OmitLinkAppID:           c.omitAppID,
		MaxBodyBytes:            c.maxBody,
		StateFile:               c.stateFile,
		AdminToken:              c.adminToken,
	}
	if c.ticketEvery <= 0 {
		opts.TicketInterval = -1
	}
	if c.compAppID != "" {
		opts.Component = &sim.Component{
			AppID:          c.compAppID,
			Secret:         envOr("WECHATSIM_COMPONENT_SECRET", c.compSecret),
			Token:          envOr("WECHATSIM_COMPONENT_TOKEN", c.compToken),
			EncodingAESKey: envOr("WECHATSIM_COMPONENT_AES_KEY", c.compKey),
			CallbackURL:    c.compCallback,
		}
	}
	return opts
}

// run serves until ctx is done (SIGINT or SIGTERM in main), then shuts down and flushes the state file.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if c.adminToken == "" && !loopback(c.listen) {
		return fmt.Errorf("refusing to serve the admin API (/sim/) without a token on %s, which is not a loopback "+
			"address: anyone who reaches it could rewrite the simulator's state; set --admin-token (or "+
			"$WECHATSIM_ADMIN_TOKEN), or listen on 127.0.0.1", c.listen)
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if c.logJSON {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(handler)
	s, err := sim.New(c.options(logger))
	if err != nil {
		return err
	}
	defer func() {
		if err := s.Close(); err != nil {
			logger.Error("closing the simulator", "err", err)
		}
	}()
	if c.seed != "" {
		if err := s.LoadSeedFile(c.seed); err != nil {
			return fmt.Errorf("seed %s: %w", c.seed, err)
		}
	}
	h := s.Handler()
	if c.storeSeed != "" {
		stores := storesim.New(storesim.Options{Logger: logger})
		if err := stores.LoadSeedFile(c.storeSeed); err != nil {
			return fmt.Errorf("store seed %s: %w", c.storeSeed, err)
		}
		h = stores.Wrap(h, "/sim/stores/", c.adminToken)
	}
	return serve(ctx, c, h, logger)
}

// serve listens on c.listen and serves h until ctx is done, then shuts the server down.
func serve(ctx context.Context, c *config, h http.Handler, logger *slog.Logger) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.listen)
	if err != nil {
		return err
	}
	srv := sim.NewHTTPServer(c.listen, h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("wechatsim listening", "addr", ln.Addr().String(), "stateFile", c.stateFile,
		"component", c.compAppID != "", "tokenTTL", c.tokenTTL.String(), "adminToken", c.adminToken != "")
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

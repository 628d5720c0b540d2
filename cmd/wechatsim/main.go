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
	"syscall"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform/sim"
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

// envOr returns the environment variable's value when set, else def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// run serves until ctx is done (SIGINT or SIGTERM in main), then shuts down and flushes the state file.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("wechatsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		listen        = fs.String("listen", "127.0.0.1:18080", "address to serve on")
		seed          = fs.String("seed", "", "seed file (YAML or JSON): accounts, openAccounts, links, merchants, cooperations, unknownWeChatIDs")
		stateFile     = fs.String("state-file", "", "state file: loaded at start, rewritten atomically after changes")
		tokenTTL      = fs.Duration("token-ttl", sim.DefaultTokenTTL, "lifetime of access tokens")
		tokenGrace    = fs.Duration("token-grace", sim.DefaultTokenGrace, "how long the previous token stays valid after a new one is issued")
		ticketEvery   = fs.Duration("ticket-interval", sim.DefaultTicketInterval, "component_verify_ticket push interval (0 or negative: only on demand)")
		ticketTTL     = fs.Duration("ticket-ttl", sim.DefaultTicketTTL, "component_verify_ticket validity")
		compAppID     = fs.String("component-appid", "", "third-party platform (component) appid")
		compSecret    = fs.String("component-secret", "", "component appsecret (prefer $WECHATSIM_COMPONENT_SECRET)")
		compToken     = fs.String("component-token", "", "component message-check token (prefer $WECHATSIM_COMPONENT_TOKEN)")
		compKey       = fs.String("component-aes-key", "", "component 43-character EncodingAESKey (prefer $WECHATSIM_COMPONENT_AES_KEY)")
		compCallback  = fs.String("component-callback-url", "", "where component_verify_tickets are pushed")
		diffErrcode   = fs.Int("different-subject-errcode", 89407, "errcode of the 4th different-subject link: 89407, 89017 or 1005")
		unlinkConfirm = fs.Bool("unlink-needs-confirm", false, "wxampunlink waits for the Official Account admin (POST /sim/links/confirm-unlink)")
		omitAppID     = fs.Bool("omit-link-appid", false, "leave appid out of wxamplinkget items, as older responses did")
		maxBody       = fs.Int64("max-body-bytes", sim.DefaultMaxBodyBytes, "largest accepted API request body")
		adminToken    = fs.String("admin-token", "", "require 'Authorization: Bearer <token>' on /sim/ (prefer $WECHATSIM_ADMIN_TOKEN)")
		logJSON       = fs.Bool("log-json", false, "log JSON lines instead of text")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `wechatsim: a stateful WeChat platform API simulator (paths, fields and errcodes of api.weixin.qq.com).

Usage: wechatsim [flags]

Secrets may come from the environment instead of flags: WECHATSIM_COMPONENT_SECRET, WECHATSIM_COMPONENT_TOKEN,
WECHATSIM_COMPONENT_AES_KEY, WECHATSIM_ADMIN_TOKEN. They are never logged.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nWeChat API paths served:\n")
		for _, p := range sim.APIPaths() {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		fmt.Fprintf(stderr, "\nAdmin API (JSON):\n%s", sim.AdminRoutesHelp())
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logJSON {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(handler)

	opts := sim.Options{
		Logger:                  logger,
		TokenTTL:                *tokenTTL,
		TokenGrace:              *tokenGrace,
		TicketTTL:               *ticketTTL,
		TicketInterval:          *ticketEvery,
		DifferentSubjectErrcode: *diffErrcode,
		UnlinkNeedsConfirm:      *unlinkConfirm,
		OmitLinkAppID:           *omitAppID,
		MaxBodyBytes:            *maxBody,
		StateFile:               *stateFile,
		AdminToken:              envOr("WECHATSIM_ADMIN_TOKEN", *adminToken),
	}
	if *ticketEvery <= 0 {
		opts.TicketInterval = -1
	}
	if *compAppID != "" {
		opts.Component = &sim.Component{
			AppID:          *compAppID,
			Secret:         envOr("WECHATSIM_COMPONENT_SECRET", *compSecret),
			Token:          envOr("WECHATSIM_COMPONENT_TOKEN", *compToken),
			EncodingAESKey: envOr("WECHATSIM_COMPONENT_AES_KEY", *compKey),
			CallbackURL:    *compCallback,
		}
	}
	s, err := sim.New(opts)
	if err != nil {
		return err
	}
	defer func() {
		if err := s.Close(); err != nil {
			logger.Error("closing the simulator", "err", err)
		}
	}()
	if *seed != "" {
		if err := s.LoadSeedFile(*seed); err != nil {
			return fmt.Errorf("seed %s: %w", *seed, err)
		}
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	srv := sim.NewHTTPServer(*listen, s.Handler())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("wechatsim listening", "addr", ln.Addr().String(), "stateFile", *stateFile,
		"component", *compAppID != "", "tokenTTL", tokenTTL.String())
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

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform/sim"
)

// simAPI is the simulator's admin API (/sim/...), the platform's own records that the invariants read.
type simAPI struct{ url string }

// do sends one admin request and decodes the answer into out (when not nil).
func (s simAPI) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, rd)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// state is the platform's links and monthly counts.
func (s simAPI) state() (sim.Snapshot, error) {
	var out struct {
		State sim.Snapshot `json:"state"`
	}
	err := s.do(http.MethodGet, "/sim/state", nil, &out)
	return out.State, err
}

// callLog is every link call that reached the platform.
func (s simAPI) callLog() ([]sim.LinkCall, error) {
	var out struct {
		Calls   []sim.LinkCall `json:"calls"`
		Dropped int            `json:"dropped"`
	}
	if err := s.do(http.MethodGet, "/sim/calls/log", nil, &out); err != nil {
		return nil, err
	}
	if out.Dropped > 0 {
		return nil, fmt.Errorf("the simulator's call log dropped %d calls: the run outgrew it", out.Dropped)
	}
	return out.Calls, nil
}

func (s simAPI) faults() ([]sim.Fault, error) {
	var out struct {
		Faults []sim.Fault `json:"faults"`
	}
	err := s.do(http.MethodGet, "/sim/faults", nil, &out)
	return out.Faults, err
}

func (s simAPI) inject(f sim.Fault) error { return s.do(http.MethodPost, "/sim/faults", f, nil) }

// pushTicket has the simulator issue a component_verify_ticket (it has no callback to push it to) and
// returns it.
func (s simAPI) pushTicket() (string, error) {
	var out struct {
		Push sim.TicketPush `json:"push"`
	}
	if err := s.do(http.MethodPost, "/sim/ticket/push", nil, &out); err != nil {
		return "", err
	}
	if out.Push.Ticket == "" {
		return "", fmt.Errorf("the simulator issued no ticket: %+v", out.Push)
	}
	return out.Push.Ticket, nil
}

// expireTokens expires every account's tokens: the next call of each account fetches a new one.
func (s simAPI) expireTokens() error {
	return s.do(http.MethodPost, "/sim/tokens/expire", map[string]string{}, nil)
}

// clock reads the simulator's time.
func (s simAPI) clock() (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := s.do(http.MethodGet, "/sim/clock", nil, &out)
	return out.Now, err
}

// setClock sets the simulator's time.
func (s simAPI) setClock(at time.Time) error {
	return s.do(http.MethodPost, "/sim/clock", map[string]time.Time{"now": at}, nil)
}

func (s simAPI) clearFaults() error { return s.do(http.MethodDelete, "/sim/faults", nil, nil) }

func (s simAPI) seed(f sim.SeedFile) error { return s.do(http.MethodPost, "/sim/accounts", f, nil) }

// confirm plays both admins agreeing to a pending link.
func (s simAPI) confirm(oa, mp string) error {
	return s.do(http.MethodPost, "/sim/links/confirm", map[string]string{"officialAccount": oa, "miniProgram": mp}, nil)
}

// issuedSecrets reads, from the simulator's state file, every secret of the run it holds: each token and
// verify ticket it issued, and each account's AppSecret and authorizer refresh token (the platform rotates
// the latter). The file is written behind the state's changes: read it only once the simulator has stopped.
func issuedSecrets(stateFile string) ([]string, error) {
	b, err := os.ReadFile(stateFile)
	if err != nil {
		return nil, err
	}
	var p struct {
		Tokens []struct {
			Token string `json:"token"`
		} `json:"tokens"`
		Tickets []struct {
			Ticket string `json:"ticket"`
		} `json:"tickets"`
		Accounts []struct {
			Secret  string `json:"secret"`
			Refresh string `json:"authorizerRefreshToken"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range p.Tokens {
		out = append(out, t.Token)
	}
	for _, t := range p.Tickets {
		out = append(out, t.Ticket)
	}
	for _, a := range p.Accounts {
		out = append(out, a.Secret, a.Refresh)
	}
	return out, nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// adminMaxBody bounds admin request bodies (seeds can be large).
const adminMaxBody = 16 << 20

type adminFunc func(s *Simulator, r *http.Request, body []byte) (map[string]any, error)

// AdminRoute documents one admin route.
type AdminRoute struct {
	Method, Path, Body, Does string
}

// AdminRoutes lists the admin API, for --help and the package documentation.
func AdminRoutes() []AdminRoute {
	return []AdminRoute{
		{"GET", "/sim/healthz", "", "liveness: {\"errcode\":0}"},
		{"GET", "/sim/state", "", "dump the whole state (secrets redacted, tokens described)"},
		{"POST", "/sim/reset", "", "forget everything (state, faults, counters, clock offset)"},
		{"POST", "/sim/accounts", "Account | [Account] | SeedFile {accounts, openAccounts, links, merchants, cooperations, unknownWeChatIDs}", "upsert accounts (or apply a whole seed)"},
		{"POST", "/sim/accounts/delete", `{"appid"}`, "delete an account and everything naming it"},
		{"POST", "/sim/accounts/verification", `{"appid","verification":"Unverified|InProgress|Verified|Expired"}`, "set verification"},
		{"POST", "/sim/links/confirm", `{"officialAccount","miniProgram","step":false}`, "confirm a pending link: straight to 1, or one step (12->2->1) with step:true"},
		{"POST", "/sim/links/reject", `{"officialAccount","miniProgram"}`, "the Mini Program admin rejects a pending link (-> 3)"},
		{"POST", "/sim/links/console", `{"officialAccount","miniProgram","showProfile":false,"force":false}`, "link by hand in the console: status 1, origin console, quota checked (unless force), not counted monthly"},
		{"POST", "/sim/links/remove", `{"officialAccount","miniProgram"}`, "remove a link record by hand"},
		{"POST", "/sim/links/status", `{"officialAccount","miniProgram","status":4}`, "force any status (e.g. the undocumented 4)"},
		{"POST", "/sim/links/confirm-unlink", `{"officialAccount","miniProgram"}`, "the Official Account admin confirms a pending unlink"},
		{"POST", "/sim/open-accounts", `OpenAccount {"openAppID","subject","verified","createdByAPI","members"}`, "upsert an Open Platform account (as in its console)"},
		{"POST", "/sim/merchants", `{"appid","mchid"}`, "bind a WeChat Pay merchant to an AppID (verified accounts; 50 per merchant; permanent)"},
		{"POST", "/sim/wechat-ids", `{"wechatid","unknown":true}`, "mark a WeChat ID as unknown (85001) or clear the mark"},
		{"POST", "/sim/cooperations", `{"storeAppID","sharerID","sharerType","action":"scan|accept|refuse|timeout|fail|bind"}`, "play the store partner"},
		{"GET", "/sim/faults", "", "list faults"},
		{"POST", "/sim/faults", `Fault {"path","errcode","errmsg","latency":"250ms","drop","dropAfterApply","httpStatus","probability"|"rate","count"}`, "inject a fault; returns its id"},
		{"DELETE", "/sim/faults", "?id=f1&path=/cgi-bin/token (none: all)", "clear faults"},
		{"GET", "/sim/calls", "", "per-path call counters, by errcode"},
		{"DELETE", "/sim/calls", "", "reset the call counters and the call log (POST /sim/calls/reset too)"},
		{"GET", "/sim/calls/log", "", "the link calls (wxamplink, wxampunlink) that reached the platform, one by one: pair, errcode, unanswered"},
		{"POST", "/sim/ticket/push", "", "issue and push a component_verify_ticket now; returns it and the callback's answer"},
		{"GET", "/sim/clock", "", "the simulator's time and clock offset"},
		{"POST", "/sim/clock", `{"advance":"1h"} | {"offset":"720h"} | {"now":"2026-11-30T16:00:00Z"}`, "move the simulator's time"},
		{"POST", "/sim/tokens/expire", `{"appid"}`, "expire an account's tokens (all accounts when appid is empty)"},
	}
}

type pairBody struct {
	OfficialAccount string `json:"officialAccount"`
	MiniProgram     string `json:"miniProgram"`
	Step            bool   `json:"step,omitempty"`
	ShowProfile     bool   `json:"showProfile,omitempty"`
	Force           bool   `json:"force,omitempty"`
	Status          int    `json:"status,omitempty"`
}

func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// adminHandlers are the admin API's handlers, by method and path, gathered from their groups.
func adminHandlers() map[string]adminFunc {
	all := map[string]adminFunc{}
	for _, group := range []map[string]adminFunc{stateHandlers(), relationHandlers(), faultHandlers(), timeHandlers()} {
		maps.Copy(all, group)
	}
	return all
}

// stateHandlers: the simulator itself and its accounts: health, state, reset, accounts and their verification.
func stateHandlers() map[string]adminFunc {
	return map[string]adminFunc{
		"GET /sim/healthz": func(*Simulator, *http.Request, []byte) (map[string]any, error) { return nil, nil },
		"GET /sim/state": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			return map[string]any{"state": s.State()}, nil
		},
		"POST /sim/reset": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			s.Reset()
			return nil, nil
		},
		"POST /sim/accounts": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			t := bytes.TrimSpace(body)
			var probe map[string]json.RawMessage
			isSeed := len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &probe) == nil && probe["accounts"] != nil
			switch {
			case len(t) > 0 && t[0] == '[':
				var list []Account
				if err := decodeStrict(body, &list); err != nil {
					return nil, err
				}
				return map[string]any{"upserted": len(list)}, s.Seed(list...)
			case isSeed:
				var f SeedFile
				if err := decodeStrict(body, &f); err != nil {
					return nil, err
				}
				return map[string]any{"upserted": len(f.Accounts)}, s.ApplySeed(f)
			default:
				var a Account
				if err := decodeStrict(body, &a); err != nil {
					return nil, err
				}
				return map[string]any{"upserted": 1}, s.Seed(a)
			}
		},
		"POST /sim/accounts/delete": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var b struct {
				AppID string `json:"appid"`
			}
			if err := decodeStrict(body, &b); err != nil {
				return nil, err
			}
			return nil, s.DeleteAccount(b.AppID)
		},
		"POST /sim/accounts/verification": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var b struct {
				AppID        string       `json:"appid"`
				Verification Verification `json:"verification"`
			}
			if err := decodeStrict(body, &b); err != nil {
				return nil, err
			}
			return nil, s.SetVerification(b.AppID, b.Verification)
		},
	}
}

// relationHandlers: what people do to relations in the consoles: links, Open Platform accounts, merchants, WeChat IDs, store partners.
func relationHandlers() map[string]adminFunc {
	pair := func(f func(s *Simulator, p pairBody) (map[string]any, error)) adminFunc {
		return func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var p pairBody
			if err := decodeStrict(body, &p); err != nil {
				return nil, err
			}
			return f(s, p)
		}
	}
	return map[string]adminFunc{
		"POST /sim/links/confirm": pair(func(s *Simulator, p pairBody) (map[string]any, error) {
			if p.Step {
				st, err := s.Advance(p.OfficialAccount, p.MiniProgram)
				return map[string]any{"status": st}, err
			}
			err := s.Confirm(p.OfficialAccount, p.MiniProgram)
			return map[string]any{"status": LinkLinked}, err
		}),
		"POST /sim/links/reject": pair(func(s *Simulator, p pairBody) (map[string]any, error) {
			return map[string]any{"status": LinkRejected}, s.Reject(p.OfficialAccount, p.MiniProgram)
		}),
		"POST /sim/links/console": pair(func(s *Simulator, p pairBody) (map[string]any, error) {
			err := s.ConsoleLink(p.OfficialAccount, p.MiniProgram, ConsoleLinkOptions{ShowProfile: p.ShowProfile, Force: p.Force})
			return map[string]any{"status": LinkLinked}, err
		}),
		"POST /sim/links/remove": pair(func(s *Simulator, p pairBody) (map[string]any, error) {
			return nil, s.RemoveLink(p.OfficialAccount, p.MiniProgram)
		}),
		"POST /sim/links/status": pair(func(s *Simulator, p pairBody) (map[string]any, error) {
			if p.Status == 0 {
				return nil, simErr(40097, "status is required")
			}
			return map[string]any{"status": p.Status}, s.SetLinkStatus(p.OfficialAccount, p.MiniProgram, p.Status)
		}),
		"POST /sim/links/confirm-unlink": pair(func(s *Simulator, p pairBody) (map[string]any, error) {
			return nil, s.ConfirmUnlink(p.OfficialAccount, p.MiniProgram)
		}),
		"POST /sim/open-accounts": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var o OpenAccount
			if err := decodeStrict(body, &o); err != nil {
				return nil, err
			}
			return nil, s.UpsertOpenAccount(o)
		},
		"POST /sim/merchants": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var b struct {
				AppID string `json:"appid"`
				MchID string `json:"mchid"`
			}
			if err := decodeStrict(body, &b); err != nil {
				return nil, err
			}
			return nil, s.BindMerchant(b.AppID, b.MchID)
		},
		"POST /sim/wechat-ids": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var b struct {
				WeChatID string `json:"wechatid"`
				Unknown  bool   `json:"unknown"`
			}
			if err := decodeStrict(body, &b); err != nil {
				return nil, err
			}
			return nil, s.SetWeChatIDUnknown(b.WeChatID, b.Unknown)
		},
		"POST /sim/cooperations": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var b struct {
				StoreAppID string `json:"storeAppID"`
				SharerID   string `json:"sharerID"`
				SharerType int    `json:"sharerType"`
				Action     string `json:"action"`
			}
			if err := decodeStrict(body, &b); err != nil {
				return nil, err
			}
			return nil, s.CooperationAction(b.StoreAppID, b.SharerID, b.SharerType, b.Action)
		},
	}
}

// faultHandlers: faults and the call counters and log.
func faultHandlers() map[string]adminFunc {
	return map[string]adminFunc{
		"GET /sim/faults": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			return map[string]any{"faults": s.Faults()}, nil
		},
		"POST /sim/faults": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var f Fault
			if err := decodeStrict(body, &f); err != nil {
				return nil, err
			}
			id, err := s.InjectFault(f)
			if err != nil {
				return nil, simErr(40097, "%s", err.Error())
			}
			return map[string]any{"id": id}, nil
		},
		"DELETE /sim/faults": func(s *Simulator, r *http.Request, _ []byte) (map[string]any, error) {
			q := r.URL.Query()
			keys := slices.Concat(q["id"], q["path"])
			return map[string]any{"removed": s.ClearFaults(keys...)}, nil
		},
		"GET /sim/calls": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			return map[string]any{"calls": s.CallStats()}, nil
		},
		"GET /sim/calls/log": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			calls, dropped := s.CallLog()
			return map[string]any{"calls": calls, "dropped": dropped}, nil
		},
		"DELETE /sim/calls": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			s.ResetCalls()
			return nil, nil
		},
		"POST /sim/calls/reset": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			s.ResetCalls()
			return nil, nil
		},
	}
}

// timeHandlers: time and what it moves: verify-ticket pushes, the clock, token expiry.
func timeHandlers() map[string]adminFunc {
	return map[string]adminFunc{
		"POST /sim/ticket/push": func(s *Simulator, r *http.Request, _ []byte) (map[string]any, error) {
			res, err := s.PushTicket(r.Context())
			if errors.Is(err, errNoComponent) {
				return nil, simErr(40097, "no component is configured")
			}
			// A failed push still issued a valid ticket: report it with the callback's answer.
			return map[string]any{"push": res}, nil
		},
		"GET /sim/clock": func(s *Simulator, _ *http.Request, _ []byte) (map[string]any, error) {
			return s.clockInfo(), nil
		},
		"POST /sim/clock": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var b struct {
				Advance json.RawMessage `json:"advance"`
				Offset  json.RawMessage `json:"offset"`
				Now     *time.Time      `json:"now"`
			}
			if err := decodeStrict(body, &b); err != nil {
				return nil, err
			}
			switch {
			case b.Now != nil:
				s.mu.Lock()
				off := b.Now.Sub(s.clock())
				s.mu.Unlock()
				s.SetClockOffset(off)
			case len(b.Offset) > 0:
				d, err := parseDurationJSON(b.Offset)
				if err != nil {
					return nil, err
				}
				s.SetClockOffset(d)
			case len(b.Advance) > 0:
				d, err := parseDurationJSON(b.Advance)
				if err != nil {
					return nil, err
				}
				s.AdvanceClock(d)
			default:
				return nil, simErr(40097, "one of advance, offset or now is required")
			}
			return s.clockInfo(), nil
		},
		"POST /sim/tokens/expire": func(s *Simulator, _ *http.Request, body []byte) (map[string]any, error) {
			var b struct {
				AppID string `json:"appid"`
			}
			if len(bytes.TrimSpace(body)) > 0 {
				if err := decodeStrict(body, &b); err != nil {
					return nil, err
				}
			}
			return map[string]any{"expired": s.ExpireTokens(b.AppID)}, nil
		},
	}
}

func (s *Simulator) clockInfo() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	return map[string]any{"now": now, "beijing": now.In(beijing).Format(time.RFC3339), "offset": s.st.clockOffset.String()}
}

func (s *Simulator) adminMux() http.Handler {
	handlers := adminHandlers()
	paths := map[string][]string{}
	for k := range handlers {
		m, p, _ := strings.Cut(k, " ")
		paths[p] = append(paths[p], m)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if s.opts.AdminToken != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.AdminToken)) != 1 {
				writeJSON(w, http.StatusUnauthorized, map[string]any{"errcode": 40001, "errmsg": "admin token required"})
				return
			}
		}
		h, ok := handlers[r.Method+" "+r.URL.Path]
		if !ok {
			if ms, known := paths[r.URL.Path]; known {
				slices.Sort(ms)
				w.Header().Set("Allow", strings.Join(ms, ", "))
				writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errcode": 43001, "errmsg": "method not allowed"})
				return
			}
			writeJSON(w, http.StatusNotFound, map[string]any{"errcode": 40066, "errmsg": "unknown admin route; see AdminRoutes"})
			return
		}
		var body []byte
		if r.Body != nil {
			var err error
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, adminMaxBody))
			if err != nil {
				writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"errcode": 47001, "errmsg": "body too large or unreadable"})
				return
			}
		}
		data, err := h(s, r, body)
		status, out := http.StatusOK, map[string]any{}
		for k, v := range data {
			out[k] = v
		}
		if err != nil {
			code, st := adminErr(err)
			status = st
			out["errcode"], out["errmsg"] = code, err.Error()
		} else {
			out["errcode"], out["errmsg"] = 0, "ok"
		}
		s.log.Info("admin", "method", r.Method, "path", r.URL.Path, "errcode", out["errcode"],
			"duration", time.Since(start).Round(time.Microsecond))
		writeJSON(w, status, out)
	})
}

// adminErr maps an admin error to an errcode and an HTTP status: 404 for unknown things, 409 when a platform
// rule refused, 400 for a bad request.
func adminErr(err error) (code, status int) {
	var se *Error
	if errors.As(err, &se) {
		switch se.Code {
		case 40013:
			return se.Code, http.StatusNotFound
		case 40097, 47001:
			return se.Code, http.StatusBadRequest
		default:
			return se.Code, http.StatusConflict
		}
	}
	return 47001, http.StatusBadRequest
}

// AdminRoutesHelp renders the admin routes for --help.
func AdminRoutesHelp() string {
	var b strings.Builder
	for _, r := range AdminRoutes() {
		fmt.Fprintf(&b, "  %-6s %-26s %s\n", r.Method, r.Path, r.Does)
		if r.Body != "" {
			fmt.Fprintf(&b, "         %-26s body: %s\n", "", r.Body)
		}
	}
	return b.String()
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
)

// admin serves the admin API (path is the request's path after the admin prefix): the platform's console
// and the network, for tests and demos.
func (s *Simulator) admin(w http.ResponseWriter, r *http.Request, path string) {
	key := r.Method + " /sim/" + path
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch key {
	case "GET /sim/healthz":
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 0})
	case "GET /sim/state":
		writeJSON(w, http.StatusOK, s.state())
	case "POST /sim/shops":
		var f SeedFile
		if err := json.Unmarshal(body, &f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errcode": 40097, "errmsg": err.Error()})
			return
		}
		if err := s.Seed(f.Shops...); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errcode": 40097, "errmsg": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "shops": len(f.Shops)})
	case "POST /sim/faults":
		var f Fault
		if err := json.Unmarshal(body, &f); err != nil || f.Path == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errcode": 40097, "errmsg": "a fault needs a path"})
			return
		}
		s.InjectFault(f)
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 0})
	case "DELETE /sim/faults":
		s.ClearFaults()
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 0})
	case "POST /sim/tokens/expire":
		var b struct {
			ClientID string `json:"clientID"`
		}
		_ = json.Unmarshal(body, &b)
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "expired": s.ExpireTokens(b.ClientID)})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errcode": 40066, "errmsg": "no such admin endpoint"})
	}
}

// state is the shops, without their secrets, and their live tokens.
func (s *Simulator) state() map[string]any {
	tokens := s.Tokens()
	s.mu.Lock()
	defer s.mu.Unlock()
	shops := make([]map[string]any, 0, len(s.shops))
	for k, sh := range s.shops {
		shops = append(shops, map[string]any{"provider": sh.Provider, "clientID": sh.ClientID, "shopID": sh.ShopID,
			"shopName": sh.ShopName, "liveTokens": tokens[k]})
	}
	sort.Slice(shops, func(i, j int) bool { return shops[i]["clientID"].(string) < shops[j]["clientID"].(string) })
	faults := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		faults = append(faults, *f)
	}
	calls := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		calls[k] = v
	}
	return map[string]any{"shops": shops, "faults": faults, "calls": calls}
}

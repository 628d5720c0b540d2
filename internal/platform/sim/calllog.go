// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package sim

import (
	"slices"
	"time"
)

// callLogLimit bounds the call log; the oldest entries go first (CallLogDropped counts them).
const callLogLimit = 200000

// loggedPaths are the API paths whose calls the call log records one by one: the link requests and unlinks,
// whose every effect on the platform a test must be able to account for.
var loggedPaths = map[string]bool{
	"/cgi-bin/wxopen/wxamplink":   true,
	"/cgi-bin/wxopen/wxampunlink": true,
}

// LinkCall is one call of a link API that reached the platform's logic (a call a fault answered, dropped or
// held until its caller gave up never did, and is only in the counters). Errcode is the platform's answer;
// Unanswered is true when a dropAfterApply fault closed the connection after the platform handled the call,
// so that the caller could not know the answer. Only an unanswered call with Errcode 0 is an ambiguous
// failure (the platform applied it and the caller cannot tell); an unanswered refusal changed nothing.
type LinkCall struct {
	Seq             int       `json:"seq"`
	At              time.Time `json:"at"`
	Path            string    `json:"path"`
	OfficialAccount string    `json:"officialAccount"`
	MiniProgram     string    `json:"miniProgram"`
	Errcode         int       `json:"errcode"`
	Unanswered      bool      `json:"unanswered,omitempty"`
}

// logLinkCall appends a call of a logged path to the call log. Callers hold s.mu.
func (s *Simulator) logLinkCall(path string, c *call, code int, unanswered bool) {
	if !loggedPaths[path] {
		return
	}
	oa := ""
	if c.acct != nil {
		oa = c.acct.AppID
	}
	s.callSeq++
	s.callLog = append(s.callLog, LinkCall{Seq: s.callSeq, At: c.now, Path: path, OfficialAccount: oa,
		MiniProgram: c.str("appid"), Errcode: code, Unanswered: unanswered})
	if len(s.callLog) > callLogLimit {
		n := len(s.callLog) - callLogLimit
		s.callLogDropped += n
		s.callLog = slices.Delete(s.callLog, 0, n)
	}
}

// CallLog returns the logged link calls, oldest first, and how many older ones were dropped to bound it.
func (s *Simulator) CallLog() (calls []LinkCall, dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.callLog), s.callLogDropped
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// flexInt is a JSON number the platform may also send as a string ("1"), a boolean (true → 1), a float with
// no fraction (1.0), null or "" (both 0). Anything else is an error, so that a garbled errcode never reads
// as success.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty number")
	case string(b) == "null":
		*f = 0
		return nil
	case string(b) == "true":
		*f = 1
		return nil
	case string(b) == "false":
		*f = 0
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return f.parse(strings.TrimSpace(s))
	}
	return f.parse(string(b))
}

func (f *flexInt) parse(s string) error {
	switch strings.ToLower(s) {
	case "":
		*f = 0
		return nil
	case "true":
		*f = 1
		return nil
	case "false":
		*f = 0
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		return fmt.Errorf("not an integer: %q", truncate(s, 32))
	}
	*f = flexInt(int64(x))
	return nil
}

// flexBool is a boolean the platform may send as true/false, 1/0, "1"/"0", "true"/"false", null or "".
// Any non-zero number is true.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var n flexInt
	if err := n.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("not a boolean: %w", err)
	}
	*f = n != 0
	return nil
}

// flexString is a string the platform may also send as a number (an appid never is, but ids and names have
// been seen both ways).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("not a string")
	}
	*f = flexString(n.String())
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return platform.Truncate(s, n) + "…"
}

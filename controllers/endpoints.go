// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"fmt"
	"net/url"
	"strings"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// DefaultAllowedEndpoints are the endpoints a PlatformConfig may point at unless the manager's
// --allowed-endpoints says otherwise: the official API host, and a simulator on loopback. Each entry is an
// origin, scheme://host[:port], where the port "*" matches any port.
var DefaultAllowedEndpoints = []string{
	"https://api.weixin.qq.com",
	"http://127.0.0.1:*", "https://127.0.0.1:*",
	"http://localhost:*", "https://localhost:*",
	"http://[::1]:*", "https://[::1]:*",
}

// DefaultStoreAllowedEndpoints are the endpoints a ThirdPartyStore may point at unless the manager's
// --allowed-store-endpoints says otherwise: the store platforms' API hosts, and a simulator on loopback.
var DefaultStoreAllowedEndpoints = []string{
	"https://open.youzanyun.com", "https://dopen.weimob.com", "https://api.vdian.com", "https://oauth.open.weidian.com",
	"http://127.0.0.1:*", "https://127.0.0.1:*",
	"http://localhost:*", "https://localhost:*",
	"http://[::1]:*", "https://[::1]:*",
}

// endpointAllowed refuses an endpoint whose origin matches no allowed entry (nil: DefaultAllowedEndpoints).
// The refusal is a dependency: Ready=False until the PlatformConfig or the manager's flag changes.
func endpointAllowed(endpoint string, allowed []string) error {
	if allowed == nil {
		allowed = DefaultAllowedEndpoints
	}
	u, err := url.Parse(endpoint)
	if err == nil && u.Host != "" {
		for _, a := range allowed {
			if originMatches(u, a) {
				return nil
			}
		}
	}
	return &dependencyError{wx.ReasonEndpointNotAllowed, fmt.Sprintf(
		"endpoint %q is not one the manager allows (--allowed-endpoints: %s): wxlink sends credentials to the endpoint, "+
			"so point spec.endpoint at an allowed one, or ask the operator's administrator to allow it",
		endpoint, strings.Join(allowed, ", "))}
}

// originMatches reports whether u's scheme, host and port match the origin pattern.
func originMatches(u *url.URL, pattern string) bool {
	p, err := url.Parse(strings.Replace(pattern, ":*", "", 1))
	if err != nil || !strings.EqualFold(p.Scheme, u.Scheme) || !strings.EqualFold(p.Hostname(), u.Hostname()) {
		return false
	}
	if strings.HasSuffix(pattern, ":*") {
		return true
	}
	return effectivePort(p) == effectivePort(u)
}

func effectivePort(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

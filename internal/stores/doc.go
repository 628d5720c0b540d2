// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package stores is wxlink's client of the third-party store platforms a company sells through besides
// WeChat: Youzan (有赞云), Weimob (微盟云) and Weidian (微店). For each it knows two calls: the token call of a
// self-use app (client credentials), and one cheap authenticated call used as a health check. Each
// platform's request shape, envelope, error codes and expiry unit differ; they live in one file per
// platform (youzan.go, weimob.go, weidian.go), decoded defensively and tested against golden envelopes
// (testdata). Errors are *platform.Error values with the same classes as the WeChat client's (terminal,
// retryable, auth), and never carry a secret or a token: requests put them in the query or the body, and
// errors name only the call.
//
// Most facts come from the platforms' official SDKs; the rest are unverified (shared/store-platforms.md,
// docs/stores.md). Every unverified fact a user may need to change is a field of Config (endpoint, paths,
// expiry unit), set from ThirdPartyStore.spec.api.
//
// The simulator of all three platforms is internal/stores/sim (served by wechatsim --store-seed).
package stores

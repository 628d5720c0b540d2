// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package contract is the contract test suite of wxlink's platform layer: the same cases run the real
// HTTP client (internal/platform/wechat) against the independently written simulator
// (internal/platform/sim), on both credential routes (own AppSecret and third-party platform), so that a
// disagreement between the two implementations of the WeChat API shows up as a failing test.
//
// The package holds only tests (package contract_test); this file makes the directory a package.
package contract

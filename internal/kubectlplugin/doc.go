// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package kubectlplugin is the logic of kubectl-wxlink: trace (an object and everything it depends on or
// that depends on it), quota (an owner's slots, monthly allowance and queue) and plan (what applying
// manifests would do, terraform-plan style). All three only read the cluster; none writes to it or calls
// WeChat. Quota admission is decided by the operator's own code: rules.Admit and rules.TakesSlot, fed with
// the facts controllers.SlotFacts, controllers.HoldInFlight and controllers.MonthRecords derive, from what
// the cluster records of the platform (an Official Account's status.linkedMiniPrograms, each link's
// status.platform) instead of a fresh read of the platform.
package kubectlplugin

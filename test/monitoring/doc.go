// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package monitoring tests wxlink's monitoring bundle (charts/wxlink/files, config/monitoring) against the
// operator itself: every metric the alerts and the dashboard select (metrics-used.txt, written by
// hack/promcheck, which parses them with Prometheus's parser) is registered by the manager's code, every
// reason and health class they match exists, and the kustomize components build into objects that select
// each other. test/e2e checks the same names against the running manager's scraped metrics.
package monitoring

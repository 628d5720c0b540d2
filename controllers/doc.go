// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package controllers holds one reconciler per wxlink kind and what they share.
//
// Every reconciler opens the same way (lifecycle.go): read the object; honour the pause annotation; hand an
// object being deleted to its finalize step; add the finalizer, for the kinds that undo something on the
// platform when deleted (AssociationLink, OfficialAccount, OpenPlatformAccount), in its own optimistic-lock
// patch before any side effect. Then the kind's own steps run, and every outcome ends in one status patch
// (status.go). The Official Account -> Mini Program link runs as named phases over one linkScope
// (link_*.go): resolve → observe → admit → request → report, and delete as its own list.
//
// Shared code lives in files named for what it does: field indexes (indexes.go), watch predicates
// (predicates.go), conditions and the status patch (status.go), references and dependencies
// (dependencies.go), accounts and their credentials (accounts.go), per-owner locks (locks.go), shared
// platform reads (observer.go, shared_reads.go), the platform clients (platform_clients.go), Secrets wxlink
// writes (managed_secret.go), the verify-ticket callback (ticket_callback.go) and the in-use finalizer
// (in_use.go).
package controllers

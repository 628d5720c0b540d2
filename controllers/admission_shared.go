// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/rules"
)

// The judgements admission makes of one link, exported so that kubectl-wxlink's plan and quota (which read
// the cluster and never the platform) decide with the operator's own code instead of a copy of it.

// SlotFacts are the facts rules.TakesSlot judges link l by, in owner's admission of deciding, among the
// owner's links (siblings), given what is known of the platform.
func SlotFacts(l, deciding *wx.AssociationLink, siblings []wx.AssociationLink, onPlatform, rejected bool,
	owner wx.AccountKind) rules.SlotFacts {
	return slotFacts(l, deciding, siblings, onPlatform, rejected, owner)
}

// MonthRecords are the records of new links made in a month that links and an owner's ledger hold; with
// rules.NewLinksThisMonth they give the owner's use of its monthly allowance.
func MonthRecords(links []*wx.AssociationLink, ledger []wx.LedgerEntry) []rules.MonthRecord {
	return monthRecords(links, ledger)
}

// ObservedSubject is the subject the platform reported for an account, or the declared one until observed.
func ObservedSubject(declared wx.Subject, observed *wx.Subject) rules.Subject {
	return observedSubject(declared, observed)
}

// HoldsSlot reports whether a link's last reported platform state holds a slot (linked or awaiting an admin).
func HoldsSlot(l *wx.AssociationLink) bool { return holdsSlot(platformState(l)) }

// OlderDuplicate returns an older live link among siblings that declares the same ends as l, or nil: l is
// then refused as a duplicate (DuplicateLink).
func OlderDuplicate(l *wx.AssociationLink, siblings []wx.AssociationLink) *wx.AssociationLink {
	return olderDuplicate(l, siblings)
}

// OlderFirst is the order of an owner's links: creation time, then name.
func OlderFirst(a, b *wx.AssociationLink) bool { return olderFirst(a, b) }

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

// SlotFacts are what one link is, as far as an owner's quota admission is concerned. The controller fills
// them in the same way for both owners of an Official Account -> Mini Program link (the Official Account
// and the Mini Program), so that the two admissions never disagree about which links compete for a slot.
type SlotFacts struct {
	// Deciding: this is the link whose reconcile runs the admission. It always competes (unless it cannot
	// be made at all), so that it gets a decision of its own.
	Deciding bool
	// OnPlatform: the platform lists the association as linked or awaiting an admin. Such a link holds its
	// slot whatever the cluster says about it: the platform counts it.
	OnPlatform bool
	// SelfLink: the link joins an account to itself; it is refused as a rule violation.
	SelfLink bool
	// EndMissing: the account at the link's other end does not exist, so the link cannot be requested.
	EndMissing bool
	// Unmatched: the platform lists the owner's links by original ID only and the link's Mini Program has
	// none wxlink knows, so it cannot tell whether the link exists and does not act on it. If it does exist,
	// its entry counts as a link made in the console; counting the link too would count it twice.
	Unmatched bool
	// Deleting: the link's object is being deleted.
	Deleting bool
	// ObserveOnly: the link's managementPolicy is ObserveOnly; wxlink never creates it, so it takes a slot
	// only when the platform lists it, even when it is the deciding link.
	ObserveOnly bool
	// Refused: the platform refused the link's last request with a terminal errcode.
	Refused bool
	// Rejected: an administrator rejected the association this link asked for.
	Rejected bool
	// YoungerDuplicate: an older live link declares the same association; this one does nothing.
	YoungerDuplicate bool
	// QueuedElsewhere: the link's last admission queued it behind a quota of its OTHER owner. Until that
	// owner admits it, it cannot be made, so it must not hold this owner's slot. A link queued by this
	// owner does compete: it is this owner's queue, and admission order decides.
	QueuedElsewhere bool
}

// TakesSlot reports whether a link competes for a slot in an owner's admission. Both owners of a link ask
// it of the same facts; no platform rule makes them judge differently (the Official Account's pools and
// the Mini Program's total both count every association the platform lists, and nothing else).
func TakesSlot(f SlotFacts) bool {
	switch {
	case f.YoungerDuplicate:
		// The older link declares the same pair and holds its slot; the platform counts a pair once, so a
		// younger duplicate never holds a second one, even when the platform lists the pair for both.
		return false
	case f.OnPlatform:
		return true
	case f.SelfLink, f.EndMissing, f.ObserveOnly, f.Unmatched:
		return false
	case f.Deciding:
		return true
	}
	return !f.Deleting && !f.Refused && !f.Rejected && !f.QueuedElsewhere
}

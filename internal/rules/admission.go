// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Policy is the set of quotas admission enforces for one owner. A limit of 0
// means "no limit" for that dimension; a negative limit means "no room at
// all" (admission fails closed on a nonsensical limit rather than open).
type Policy struct {
	// SameSubjectLimit caps links whose two accounts share a subject.
	SameSubjectLimit int
	// OtherSubjectLimit caps links whose accounts have different subjects.
	OtherSubjectLimit int
	// TotalLimit caps all links of the owner, whatever the subjects.
	TotalLimit int
	// MonthlyLimit caps NEW links per WeChat month (see MonthOf).
	MonthlyLimit int

	// Owner names the owner's kind in messages ("Official Account");
	// empty reads as "owner".
	Owner string
	// Linked names the kind of account on the other end of a link in
	// messages ("Mini Program"); empty reads as "linked account".
	Linked string
}

// OfficialAccountPolicy is the quota of one Official Account:
// OfficialAccountSameSubjectLinkLimit (10) same-subject Mini Programs,
// OfficialAccountOtherSubjectLinkLimit (3) different-subject ones, and
// OfficialAccountMonthlyNewLinkLimit (13) new links a month. There is no
// separate total (it is implied by the two pools).
func OfficialAccountPolicy() Policy {
	return Policy{
		SameSubjectLimit:  OfficialAccountSameSubjectLinkLimit,
		OtherSubjectLimit: OfficialAccountOtherSubjectLinkLimit,
		MonthlyLimit:      OfficialAccountMonthlyNewLinkLimit,
		Owner:             "Official Account",
		Linked:            "Mini Program",
	}
}

// MiniProgramPolicy is the quota of one Mini Program: linked by at most
// MiniProgramLinkedByLimit (500) Official Accounts, whatever their subjects,
// and MiniProgramMonthlyNewLinkLimit (500) new links a month.
func MiniProgramPolicy() Policy {
	return Policy{
		TotalLimit:   MiniProgramLinkedByLimit,
		MonthlyLimit: MiniProgramMonthlyNewLinkLimit,
		Owner:        "Mini Program",
		Linked:       "Official Account",
	}
}

// hasSubjectPools reports whether the policy distinguishes same-subject from
// different-subject links.
func (p Policy) hasSubjectPools() bool {
	return p.SameSubjectLimit != 0 || p.OtherSubjectLimit != 0
}

func (p Policy) owner() string {
	if p.Owner == "" {
		return "owner"
	}
	return p.Owner
}

func (p Policy) linked() string {
	if p.Linked == "" {
		return "linked account"
	}
	return p.Linked
}

// Candidate is one link that names the owner.
type Candidate struct {
	// Key identifies the link: "namespace/name" for a cluster object,
	// "platform/<appid>" for a link that exists only on the platform.
	Key string
	// Created is the creation timestamp (zero for platform-only links).
	Created time.Time
	// SameSubject: the two accounts of the link share a subject.
	SameSubject bool
	// OnPlatform: the link is already linked or pending on the platform. It
	// occupies a slot and is not a new link for the monthly count.
	OnPlatform bool
	// InCluster is false for links that exist only on the platform (made by
	// hand in the console). Such a link is treated as OnPlatform whatever
	// OnPlatform says.
	InCluster bool
}

// onPlatform reports whether the candidate occupies a slot as a fact.
func (c Candidate) onPlatform() bool {
	return c.OnPlatform || !c.InCluster
}

// AdmissionInput is everything Admit decides from.
type AdmissionInput struct {
	Policy     Policy
	Candidates []Candidate
	// UsedThisMonth is how many new links the owner has made in the month of
	// Now (MonthlyUsage.UsedIn(Now)). A link counted here must be OnPlatform
	// in Candidates, or it would be counted twice.
	UsedThisMonth int
	// Now is used for the month of the monthly limit and its reset instant.
	Now time.Time
}

// Decision is Admit's verdict on one candidate.
type Decision struct {
	Key string
	// Admitted: the link may exist (or go on existing) on the platform.
	Admitted bool
	// Reason is ReasonAlreadyOnPlatform or ReasonWithinQuota when admitted;
	// otherwise ReasonSameSubjectQuotaFull, ReasonOtherSubjectQuotaFull,
	// ReasonTotalQuotaFull or ReasonMonthlyLimitReached.
	Reason string
	// Message says the same for a person, with the numbers and what happens
	// next.
	Message string
	// QueuePosition is the 1-based place of a queued candidate among the
	// queued candidates of its pool (same-subject or different-subject when
	// the policy has subject pools; all of them otherwise); 0 when admitted.
	QueuePosition int
	// SameSubject and OnPlatform repeat the candidate's facts (OnPlatform as
	// treated: true for platform-only links) so Summarize can count.
	SameSubject bool
	OnPlatform  bool
}

// New reports whether the decision admits a link that is not on the platform
// yet, which uses the monthly budget.
func (d Decision) New() bool {
	return d.Admitted && !d.OnPlatform
}

// lessCandidate is the deterministic admission order. It is a total order
// over every field of Candidate, so the result never depends on input order,
// not even for duplicate keys.
func lessCandidate(a, b Candidate) int {
	if ap, bp := a.onPlatform(), b.onPlatform(); ap != bp {
		return boolFirst(ap)
	}
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if a.SameSubject != b.SameSubject {
		return boolFirst(a.SameSubject)
	}
	if a.InCluster != b.InCluster {
		return boolFirst(a.InCluster)
	}
	if a.OnPlatform != b.OnPlatform {
		return boolFirst(a.OnPlatform)
	}
	return 0
}

// boolFirst orders true before false for two different booleans, given the
// first.
func boolFirst(first bool) int {
	if first {
		return -1
	}
	return 1
}

// pool counts the links that hold slots in one pool.
type pool struct {
	platform int // on the platform already
	admitted int // admitted as new links in this run
}

func (p pool) used() int { return p.platform + p.admitted }

// hasRoom reports whether a pool holding used links has room for one more
// under limit (0 = no limit, negative = no room).
func hasRoom(used, limit int) bool {
	return limit == 0 || used < limit
}

// Admit decides, for one owner, which candidate links are admitted and which
// are queued. It returns one Decision per unique key, in the deterministic
// order described in the package documentation. It is a pure function of its
// input: the order of in.Candidates does not matter.
func Admit(in AdmissionInput) []Decision {
	p := in.Policy
	cands := slices.Clone(in.Candidates)
	slices.SortFunc(cands, lessCandidate)

	var same, other, total pool
	newThisRun := 0
	queued := map[bool]int{} // pool (SameSubject, or true for all) -> queued so far
	seen := make(map[string]bool, len(cands))
	out := make([]Decision, 0, len(cands))

	for _, c := range cands {
		if seen[c.Key] {
			continue // a duplicate key: the first in admission order wins
		}
		seen[c.Key] = true

		d := Decision{Key: c.Key, SameSubject: c.SameSubject, OnPlatform: c.onPlatform()}
		sub, subLimit := &other, p.OtherSubjectLimit
		if c.SameSubject {
			sub, subLimit = &same, p.SameSubjectLimit
		}

		if d.OnPlatform {
			sub.platform++
			total.platform++
			d.Admitted, d.Reason = true, ReasonAlreadyOnPlatform
			d.Message = onPlatformMessage(p, c, sub.used(), subLimit, total.used())
			out = append(out, d)
			continue
		}

		monthUsed := in.UsedThisMonth + newThisRun
		switch {
		case !hasRoom(sub.used(), subLimit):
			d.Reason = ReasonOtherSubjectQuotaFull
			if c.SameSubject {
				d.Reason = ReasonSameSubjectQuotaFull
			}
			d.Message = poolFullMessage(p, subjectWord(c.SameSubject), *sub, subLimit)
		case !hasRoom(total.used(), p.TotalLimit):
			d.Reason = ReasonTotalQuotaFull
			d.Message = poolFullMessage(p, "linked", total, p.TotalLimit)
		case !hasRoom(monthUsed, p.MonthlyLimit):
			d.Reason = ReasonMonthlyLimitReached
			d.Message = monthlyFullMessage(p, in, newThisRun)
		default:
			sub.admitted++
			total.admitted++
			newThisRun++
			d.Admitted, d.Reason = true, ReasonWithinQuota
			d.Message = admittedMessage(p, c, sub.used(), subLimit, total.used(), in.UsedThisMonth+newThisRun)
			out = append(out, d)
			continue
		}
		q := !p.hasSubjectPools() || c.SameSubject
		queued[q]++
		d.QueuePosition = queued[q]
		d.Message = fmt.Sprintf("queued at position %d of %s: %s", d.QueuePosition, p.queueName(c.SameSubject), d.Message)
		out = append(out, d)
	}
	return out
}

// queueName names the queue a candidate waits in: one per subject pool when the policy has pools, else one
// for the owner. Positions count within it, so two links held by different pools can both be first.
func (p Policy) queueName(same bool) string {
	if p.hasSubjectPools() {
		return fmt.Sprintf("the %s's %s queue", p.owner(), subjectWord(same))
	}
	return fmt.Sprintf("the %s's queue", p.owner())
}

func subjectWord(same bool) string {
	if same {
		return "same-subject"
	}
	return "different-subject"
}

// Ratio renders used against limit as "7/10", or just "7" when limit is 0 (no
// limit).
func Ratio(used, limit int) string {
	if limit == 0 {
		return strconv.Itoa(used)
	}
	return fmt.Sprintf("%d/%d", used, limit)
}

// dimensions lists the limited quotas after a decision, for messages.
func dimensions(p Policy, same bool, subUsed, subLimit, totalUsed int, month string) []string {
	var dims []string
	if p.hasSubjectPools() && subLimit != 0 {
		dims = append(dims, fmt.Sprintf("%s %ss %s", subjectWord(same), p.linked(), Ratio(subUsed, subLimit)))
	}
	if p.TotalLimit != 0 {
		dims = append(dims, fmt.Sprintf("linked %ss %s", p.linked(), Ratio(totalUsed, p.TotalLimit)))
	}
	if month != "" {
		dims = append(dims, month)
	}
	return dims
}

func admittedMessage(p Policy, c Candidate, subUsed, subLimit, totalUsed, monthUsed int) string {
	month := ""
	if p.MonthlyLimit != 0 {
		month = "new links this month " + Ratio(monthUsed, p.MonthlyLimit)
	}
	dims := dimensions(p, c.SameSubject, subUsed, subLimit, totalUsed, month)
	if len(dims) == 0 {
		return "admitted: no quota applies to this " + p.owner()
	}
	return "admitted within quota, counting this link: " + strings.Join(dims, ", ")
}

// OnPlatformMessage is the admission message of a link the platform lists (linked or awaiting a
// confirmation) while its owners' pools are within their limits: what every later admission says of it, so
// the reconcile that made the request can say it at once instead of writing the status twice.
func OnPlatformMessage(inCluster bool) string {
	msg := "already linked or awaiting confirmation on the WeChat platform"
	if !inCluster {
		msg = "linked on the WeChat platform outside the cluster (for example by hand in the console)"
	}
	return msg + ": it keeps its slot and does not count as a new link this month"
}

func onPlatformMessage(p Policy, c Candidate, subUsed, subLimit, totalUsed int) string {
	msg := OnPlatformMessage(c.InCluster)
	var over []string
	if p.hasSubjectPools() && subLimit != 0 && subUsed > subLimit {
		over = append(over, fmt.Sprintf("%s %ss %s", subjectWord(c.SameSubject), p.linked(), Ratio(subUsed, subLimit)))
	}
	if p.TotalLimit != 0 && totalUsed > p.TotalLimit {
		over = append(over, fmt.Sprintf("linked %ss %s", p.linked(), Ratio(totalUsed, p.TotalLimit)))
	}
	if len(over) > 0 {
		msg += "; links already on the platform exceed the quota (" + strings.Join(over, ", ") +
			"), so new links wait until enough of them are unlinked"
	}
	return msg
}

// poolFullMessage explains a full pool. what is "same-subject",
// "different-subject" or "linked".
func poolFullMessage(p Policy, what string, pl pool, limit int) string {
	var held string
	switch {
	case limit < 0:
		return fmt.Sprintf("the policy sets a negative %s limit (%d), which admits nothing; fix the policy", what, limit)
	case pl.admitted == 0:
		held = fmt.Sprintf("%d on the platform", pl.platform)
	default:
		held = fmt.Sprintf("%d on the platform, %d admitted ahead of this one", pl.platform, pl.admitted)
	}
	when := "when one of them is unlinked"
	if pl.used() > limit {
		when = fmt.Sprintf("once enough of them are unlinked to bring the count below %d", limit)
	}
	return fmt.Sprintf("the %s already has %s %s %ss (%s), the most allowed; it will be admitted automatically, in queue order, %s",
		p.owner(), Ratio(pl.used(), limit), what, p.linked(), held, when)
}

func monthlyFullMessage(p Policy, in AdmissionInput, newThisRun int) string {
	if p.MonthlyLimit < 0 {
		return fmt.Sprintf("the policy sets a negative monthly limit (%d), which admits nothing; fix the policy", p.MonthlyLimit)
	}
	return fmt.Sprintf("the %s has used %s new links for %s (%d made earlier this month, %d admitted ahead of this one); the count resets at %s and the link will be admitted automatically then if a slot is still free",
		p.owner(), Ratio(in.UsedThisMonth+newThisRun, p.MonthlyLimit), MonthOf(in.Now), in.UsedThisMonth, newThisRun,
		FormatBeijing(NextMonthStart(in.Now)))
}

// Usage summarises admitted links for status printing (7/10, 2/3, 5/13).
type Usage struct {
	// SameSubject and OtherSubject count admitted links per subject pool,
	// Total all admitted links.
	SameSubject  int
	OtherSubject int
	Total        int
	// MonthUsed is the month's new links including those admitted in this
	// run: usedThisMonth plus every admitted link not yet on the platform.
	MonthUsed int
	// Queued counts candidates that were not admitted.
	Queued int
}

// Summarize computes the Usage of decisions made with the given
// usedThisMonth (AdmissionInput.UsedThisMonth).
func Summarize(decisions []Decision, usedThisMonth int) Usage {
	u := Usage{MonthUsed: usedThisMonth}
	for _, d := range decisions {
		switch {
		case !d.Admitted:
			u.Queued++
			continue
		case d.SameSubject:
			u.SameSubject++
		default:
			u.OtherSubject++
		}
		u.Total++
		if d.New() {
			u.MonthUsed++
		}
	}
	return u
}

// Describe renders the usage against policy p, for example
// "same subject 7/10, other subject 2/3, this month 5/13" for
// OfficialAccountPolicy and "total 120/500, this month 7/500" for
// MiniProgramPolicy. Queued links are mentioned when there are any.
func (u Usage) Describe(p Policy) string {
	var parts []string
	if p.hasSubjectPools() {
		parts = append(parts,
			"same subject "+Ratio(u.SameSubject, p.SameSubjectLimit),
			"other subject "+Ratio(u.OtherSubject, p.OtherSubjectLimit))
	}
	if p.TotalLimit != 0 || !p.hasSubjectPools() {
		parts = append(parts, "total "+Ratio(u.Total, p.TotalLimit))
	}
	parts = append(parts, "this month "+Ratio(u.MonthUsed, p.MonthlyLimit))
	if u.Queued > 0 {
		parts = append(parts, fmt.Sprintf("%d queued", u.Queued))
	}
	return strings.Join(parts, ", ")
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package rules is wxlink's pure domain logic: the WeChat platform rules the
// operator enforces, written as functions of their inputs. It has no
// Kubernetes imports, does no I/O, never reads a clock (time is always passed
// in) and has no mutable globals, so controllers, tests and tools can call it
// freely. Every platform limit is one named constant in limits.go with its
// source; the rules themselves come from the team reference shared/platform-rules.md.
//
// # Subjects and verification
//
// An account belongs to a legal subject (主体), a name and a SubjectType, fixed
// at registration. SameSubject compares two subjects after normalising the
// names (full-width and half-width parentheses are equal, white space is
// trimmed and collapsed, ASCII case is ignored). VerificationRequirementFor
// and CheckVerification encode which subject types must, may or cannot be
// verified (微信认证); MemberLimitsFor and CheckMembers the developer and
// tester limits that follow from subject and verification.
//
// # Violations
//
// A broken rule is a *Violation: a CamelCase Reason (one of the Reason*
// constants, usable as a Kubernetes condition reason) and a Message a person
// can act on. Violations are terminal: the same input gives the same answer.
//
// # Quota admission
//
// Admit decides, for one owner (an Official Account, or a Mini Program), which
// of the links that name it may exist on the platform (admitted) and which
// wait (queued). The semantics:
//
//   - Order. Candidates are considered in one deterministic order: first every
//     candidate already on the platform, then the others by Created, then by
//     Key (then, only to make duplicate keys deterministic, SameSubject,
//     InCluster and OnPlatform, true first). The order of the input never
//     matters. A link already on the platform is a fact and is never displaced
//     by a newcomer, so decisions do not flap; an admitted link that has not
//     reached the platform yet keeps its place because newer links have later
//     creation times.
//   - Duplicate keys. Only the first candidate with a given Key in that order
//     is decided; later ones are dropped, so there is exactly one Decision per
//     unique key.
//   - Already on the platform. A candidate with OnPlatform (linked, or pending
//     confirmation on the platform) is admitted with ReasonAlreadyOnPlatform.
//     It occupies a slot in its subject pool and in the total, even when that
//     takes the pool over its limit (the platform's state is a fact: a limit
//     lowered later, or links made by hand, can do that), and it does not use
//     the monthly budget. A candidate with InCluster=false exists only on the
//     platform (made by hand in the console); it is treated as OnPlatform even
//     when OnPlatform is false, because a link nobody declared can only be
//     known from the platform.
//   - New links. Every other candidate, in order, is admitted
//     (ReasonWithinQuota) when its subject pool has room, the total has room,
//     and the monthly budget has room: MonthlyLimit - UsedThisMonth - links
//     admitted earlier in this run > 0. Otherwise it is queued with the first
//     failing reason, checked in this order: ReasonSameSubjectQuotaFull or
//     ReasonOtherSubjectQuotaFull, ReasonTotalQuotaFull,
//     ReasonMonthlyLimitReached. A queued candidate holds nothing, so a full
//     same-subject pool never blocks a different-subject link, nor the other
//     way round.
//   - Limits. A limit of 0 means no limit; a negative limit admits nothing new
//     (fail closed).
//   - Queue position. A queued candidate's QueuePosition is its 1-based place
//     among the queued candidates of its subject pool (of all candidates when
//     the policy has no subject pools). When a slot frees (an admitted link is
//     deleted and Admit runs again without it) the first queued candidate is
//     admitted with no one touching it.
//   - The month is WeChat's calendar month in Beijing time (UTC+8): see
//     MonthOf, NextMonthStart and MonthlyUsage. UsedThisMonth must count only
//     the links made this month that are now OnPlatform candidates (or have
//     been unlinked since); a link counted there and also passed as a new
//     candidate would be counted twice.
//
// Summarize turns the decisions into a Usage for status columns, and
// Usage.Describe prints it ("same subject 7/10, other subject 2/3, this month
// 5/13").
//
// A link between an Official Account and a Mini Program is subject to both
// owners' policies (OfficialAccountPolicy and MiniProgramPolicy); the caller
// runs Admit once per owner and creates the link only when both admit it.
//
// # WeChat Pay and Open Platform
//
// CheckMerchantBinding and MerchantRequestExpired encode the merchant (商户号)
// rules; CheckOpenPlatformBind the Open Platform (开放平台) binding rules,
// with the errcodes the platform answers when they are broken.
package rules

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package platform

import "time"

// StoreSharer names a WeChat Store partner account (合作账号): sharer_id is the original ID (gh_…) of an
// Official Account and the AppID of a Mini Program; sharer_type is an opaque integer (the store docs' table
// says 2 for an Official Account and 3 for a Mini Program, and their examples disagree, so wxlink lets the
// spec override it).
type StoreSharer struct {
	ID   string
	Type int
}

// PartnerStatus is the status of a store's partner record, as /channels/ec/cooperation/list numbers it.
type PartnerStatus int

// Partner statuses. Any other value is unknown.
const (
	PartnerBound     PartnerStatus = 1 // 已绑定
	PartnerUnbound   PartnerStatus = 2 // 已解绑
	PartnerRefused   PartnerStatus = 3 // 邀请已拒绝
	PartnerAccepting PartnerStatus = 4 // 邀请接受中: the partner's admin must accept
	PartnerTimedOut  PartnerStatus = 5 // 邀请接受超时
	PartnerFailed    PartnerStatus = 6 // 邀请接受失败
	PartnerCancelled PartnerStatus = 7 // 邀请店铺取消
)

// StorePartner is one partner record of a WeChat Store.
type StorePartner struct {
	Sharer StoreSharer
	Name   string
	Status PartnerStatus
	// BindTime, UnbindTime, RejectTime and CancelTime are zero when the platform gives none.
	BindTime, UnbindTime, RejectTime, CancelTime time.Time
}

// Store cooperation errcodes.
const (
	// CodeInvalidSharer (803131000): sharer_id is not a valid partner account.
	CodeInvalidSharer = 803131000
	// CodeInvalidTransition (788191005): the record is not in a state that allows the call (invite while
	// accepting or bound, unbind while not bound, cancel while not accepting).
	CodeInvalidTransition = 788191005
	// CodeNotPartner (788191008): the store and the account have no partner record.
	CodeNotPartner = 788191008
)

// ReasonInvalidSharer (803131000): the partner's ID is wrong: the original ID (gh_…) of an Official Account,
// the AppID of a Mini Program.
const ReasonInvalidSharer = "InvalidPartnerAccount"

// EpochTime reads a time that may be seconds or milliseconds since the epoch, by size: a value above 1e11
// (in March 5138 as seconds, March 1973 as milliseconds) is milliseconds. Zero or less is no time.
func EpochTime(v int64) time.Time {
	switch {
	case v <= 0:
		return time.Time{}
	case v > 1e11:
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

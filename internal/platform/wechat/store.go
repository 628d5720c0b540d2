// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

// WeChat Store partner account (合作账号) endpoints.
const (
	apiCoopList   = "channels/ec/cooperation/list"
	apiCoopGet    = "channels/ec/cooperation/invitation/get"
	apiCoopInvite = "channels/ec/cooperation/invitation/qrcode/generate"
	apiCoopCancel = "channels/ec/cooperation/invitation/cancel"
	apiCoopUnbind = "channels/ec/cooperation/unbind"
)

type coopItem struct {
	SharerID   flexString `json:"sharer_id"`
	SharerType flexInt    `json:"sharer_type"`
	SharerName flexString `json:"sharer_name"`
	Status     flexInt    `json:"status"`
	BindTime   flexInt    `json:"bind_time"`
	UnbindTime flexInt    `json:"unbind_time"`
	RejectTime flexInt    `json:"reject_time"`
	CancelTime flexInt    `json:"cancel_time"`
}

// epoch reads a platform time that may be seconds or milliseconds since the epoch (the docs do not say;
// platform.EpochTime reads it by size); zero is no time.
func epoch(v flexInt) time.Time { return platform.EpochTime(int64(v)) }

func (i coopItem) partner() platform.StorePartner {
	return platform.StorePartner{
		Sharer: platform.StoreSharer{ID: string(i.SharerID), Type: int(i.SharerType)}, Name: string(i.SharerName),
		Status: platform.PartnerStatus(i.Status), BindTime: epoch(i.BindTime), UnbindTime: epoch(i.UnbindTime),
		RejectTime: epoch(i.RejectTime), CancelTime: epoch(i.CancelTime),
	}
}

// decodeCoopList decodes cooperation/list: {data_list: [...]}.
func decodeCoopList(api string, body []byte, now time.Time) ([]platform.StorePartner, *platform.Error) {
	var resp struct {
		DataList []coopItem `json:"data_list"`
	}
	if perr := decodeBody(api, body, &resp, now); perr != nil {
		return nil, perr
	}
	out := make([]platform.StorePartner, 0, len(resp.DataList))
	for _, it := range resp.DataList {
		out = append(out, it.partner())
	}
	return out, nil
}

// decodeCoopGet decodes invitation/get: {data: {...}}.
func decodeCoopGet(api string, body []byte, now time.Time) (platform.StorePartner, *platform.Error) {
	var resp struct {
		Data *coopItem `json:"data"`
	}
	if perr := decodeBody(api, body, &resp, now); perr != nil {
		return platform.StorePartner{}, perr
	}
	if resp.Data == nil {
		return platform.StorePartner{}, errMalformed(api, fmt.Errorf("no data in response"))
	}
	return resp.Data.partner(), nil
}

// decodeCoopQRCode decodes qrcode/generate: {data: {qrcode_base64}} as documented; a top-level
// qrcode_base64 is read too.
func decodeCoopQRCode(body []byte, now time.Time) (string, *platform.Error) {
	const api = apiCoopInvite
	var resp struct {
		Data struct {
			QRCode string `json:"qrcode_base64"`
		} `json:"data"`
		QRCode string `json:"qrcode_base64"`
	}
	if perr := decodeBody(api, body, &resp, now); perr != nil {
		return "", perr
	}
	if qr := cmp.Or(resp.Data.QRCode, resp.QRCode); qr != "" {
		return qr, nil
	}
	return "", errMalformed(api, fmt.Errorf("no qrcode_base64 in response"))
}

func sharerBody(s platform.StoreSharer) map[string]any {
	return map[string]any{"sharer_id": s.ID, "sharer_type": s.Type}
}

// GetStorePartner implements platform.Platform with cooperation/invitation/get; 788191008 (no record) is
// found == false.
func (c *Client) GetStorePartner(ctx context.Context, store platform.Account, sharer platform.StoreSharer) (
	platform.StorePartner, bool, error) {
	var p platform.StorePartner
	err := c.call(ctx, store, apiCoopGet, sharerBody(sharer), func(data []byte) *platform.Error {
		var perr *platform.Error
		p, perr = decodeCoopGet(apiCoopGet, data, c.now())
		return perr
	})
	if platform.HasCode(err, platform.CodeNotPartner) {
		return platform.StorePartner{}, false, nil
	}
	if err != nil {
		return platform.StorePartner{}, false, err
	}
	return p, true, nil
}

// ListStorePartners implements platform.Platform with cooperation/list.
func (c *Client) ListStorePartners(ctx context.Context, store platform.Account, sharerType int) ([]platform.StorePartner, error) {
	var list []platform.StorePartner
	err := c.call(ctx, store, apiCoopList, map[string]any{"sharer_type": sharerType}, func(data []byte) *platform.Error {
		var perr *platform.Error
		list, perr = decodeCoopList(apiCoopList, data, c.now())
		return perr
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// InviteStorePartner implements platform.Platform with cooperation/invitation/qrcode/generate.
func (c *Client) InviteStorePartner(ctx context.Context, store platform.Account, sharer platform.StoreSharer) (string, error) {
	var qr string
	err := c.call(ctx, store, apiCoopInvite, sharerBody(sharer), func(data []byte) *platform.Error {
		var perr *platform.Error
		qr, perr = decodeCoopQRCode(data, c.now())
		return perr
	})
	if err != nil {
		return "", err
	}
	return qr, nil
}

// CancelStoreInvitation implements platform.Platform with cooperation/invitation/cancel.
func (c *Client) CancelStoreInvitation(ctx context.Context, store platform.Account, sharer platform.StoreSharer) error {
	return c.call(ctx, store, apiCoopCancel, sharerBody(sharer), nil)
}

// UnbindStorePartner implements platform.Platform with cooperation/unbind.
func (c *Client) UnbindStorePartner(ctx context.Context, store platform.Account, sharer platform.StoreSharer) error {
	return c.call(ctx, store, apiCoopUnbind, sharerBody(sharer), nil)
}

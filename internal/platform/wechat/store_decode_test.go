// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package wechat

import (
	"reflect"
	"testing"
	"time"

	"github.com/wxlink/wxlink-operator/internal/platform"
)

func TestGoldenCooperation(t *testing.T) {
	at := time.Unix(1764583200, 0).UTC()
	list, err := decodeCoopList(apiCoopList, readTestdata(t, "cooperation_list.json"), goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []platform.StorePartner{
		{Sharer: platform.StoreSharer{ID: "gh_5107e0a1b2c3", Type: 2}, Name: "ACME 服务号", Status: platform.PartnerBound, BindTime: at},
		{Sharer: platform.StoreSharer{ID: "wx0123456789abcdef", Type: 3}, Name: "ACME 商城", Status: platform.PartnerAccepting},
		// A time in milliseconds reads as the same instant.
		{Sharer: platform.StoreSharer{ID: "wxfedcba9876543210", Type: 3}, Name: "other", Status: platform.PartnerRefused, RejectTime: at},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("cooperation/list:\n got %+v\nwant %+v", list, want)
	}
	got, err := decodeCoopGet(apiCoopGet, readTestdata(t, "cooperation_get.json"), goldenNow)
	if err != nil || got.Status != platform.PartnerCancelled || !got.CancelTime.Equal(at) || got.Sharer.ID != "gh_5107e0a1b2c3" {
		t.Errorf("invitation/get = %+v, %v", got, err)
	}
	if _, err := decodeCoopGet(apiCoopGet, []byte(`{"errcode":0,"errmsg":"ok"}`), goldenNow); err == nil || err.Reason != platform.ReasonServerError {
		t.Errorf("invitation/get without data = %v, want a malformed-body error", err)
	}
	qr, err := decodeCoopQRCode(readTestdata(t, "cooperation_qrcode_doc.json"), goldenNow)
	if err != nil || qr != "/9j/4A" {
		t.Errorf("qrcode/generate = %q, %v", qr, err)
	}
	if qr, err := decodeCoopQRCode([]byte(`{"errcode":0,"qrcode_base64":"top"}`), goldenNow); err != nil || qr != "top" {
		t.Errorf("qrcode/generate, top-level = %q, %v", qr, err)
	}
	if _, err := decodeCoopQRCode([]byte(`{"errcode":0,"data":{}}`), goldenNow); err == nil {
		t.Error("qrcode/generate without a QR code: no error")
	}
}

func TestGoldenCooperationErrors(t *testing.T) {
	for file, want := range map[string]struct {
		code   int
		class  platform.Class
		reason string
	}{
		"cooperation_get_not_bound.json":         {platform.CodeNotPartner, platform.ClassTerminal, platform.ReasonUnknownError},
		"cooperation_qrcode_invalid_sharer.json": {platform.CodeInvalidSharer, platform.ClassTerminal, platform.ReasonInvalidSharer},
		"cooperation_transition.json":            {platform.CodeInvalidTransition, platform.ClassTerminal, platform.ReasonBadRequest},
	} {
		_, err := decodeCoopQRCode(readTestdata(t, file), goldenNow)
		if err == nil || err.Code != want.code || err.Class != want.class || err.Reason != want.reason {
			t.Errorf("%s: %+v, want errcode %d %s %s", file, err, want.code, want.class, want.reason)
		}
	}
}

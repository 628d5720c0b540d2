// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

// GetStatusBase gives the shared status (observedGeneration and conditions) of every kind, so that
// controllers handle conditions the same way for all of them.

// GetStatusBase returns the object's shared status.
func (o *OfficialAccount) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *MiniProgram) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *AssociationLink) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *MerchantBinding) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *OpenPlatformAccount) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *ChannelsAccount) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *WeComCorp) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *WeChatStore) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *PlatformConfig) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

// GetStatusBase returns the object's shared status.
func (o *ThirdPartyStore) GetStatusBase() *StatusBase { return &o.Status.StatusBase }

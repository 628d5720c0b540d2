// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
)

// Setup registers every wxlink reconciler with the manager. They share one PlatformProvider (one token broker
// and rate limiter per PlatformConfig), one Observer (about one wxamplinkget and one getaccountbasicinfo per
// account per poll) and one set of metrics.
func Setup(ctx context.Context, mgr ctrl.Manager, platforms PlatformProvider, metrics *Metrics, opts Options) error {
	c := mgr.GetClient()
	observer := NewObserver(opts.Now)
	links := &AssociationLinkReconciler{Client: c, APIReader: mgr.GetAPIReader(), Platforms: platforms, Observer: observer, Metrics: metrics, Options: opts,
		Recorder: mgr.GetEventRecorder("wxlink-associationlink")}
	if err := links.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("associationlink: %w", err)
	}
	mb := &MerchantBindingReconciler{Client: c, Platforms: platforms, Observer: observer, Options: opts,
		Recorder: mgr.GetEventRecorder("wxlink-merchantbinding")}
	if err := mb.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("merchantbinding: %w", err)
	}
	for name, r := range map[string]interface{ SetupWithManager(ctrl.Manager) error }{
		"officialaccount": &OfficialAccountReconciler{Client: c, APIReader: mgr.GetAPIReader(), Platforms: platforms, Renewals: platforms.Renewals(), Observer: observer, Metrics: metrics,
			Options: opts, Recorder: mgr.GetEventRecorder("wxlink-officialaccount")},
		"miniprogram": &MiniProgramReconciler{Client: c, APIReader: mgr.GetAPIReader(), Platforms: platforms, Observer: observer, Options: opts,
			Recorder: mgr.GetEventRecorder("wxlink-miniprogram")},
		"openplatformaccount": &OpenPlatformAccountReconciler{Client: c, APIReader: mgr.GetAPIReader(), Platforms: platforms, Options: opts,
			Recorder: mgr.GetEventRecorder("wxlink-openplatformaccount")},
		"wechatstore": &WeChatStoreReconciler{Client: c, Platforms: platforms, Observer: observer, Options: opts,
			Recorder: mgr.GetEventRecorder("wxlink-wechatstore")},
		"platformconfig":  &PlatformConfigReconciler{Client: c, Options: opts},
		"channelsaccount": &ChannelsAccountReconciler{Client: c, Options: opts},
		"wecomcorp":       &WeComCorpReconciler{Client: c, Options: opts},
	} {
		if err := r.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

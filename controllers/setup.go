// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"

	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Setup registers every wxlink reconciler with the manager. They share one PlatformProvider (one token broker
// and rate limiter per PlatformConfig), one Observer (about one wxamplinkget and one getaccountbasicinfo per
// account per poll) and one set of metrics.
func Setup(ctx context.Context, mgr ctrl.Manager, platforms PlatformProvider, metrics *Metrics, opts Options) error {
	if err := registerIndexes(ctx, mgr); err != nil {
		return fmt.Errorf("field indexes: %w", err)
	}
	c, api := mgr.GetClient(), mgr.GetAPIReader()
	opts.conflicts = newConflictBackoff()
	opts.metrics = metrics
	observer := NewObserver(opts.Now)
	rec := func(name string) events.EventRecorder { return mgr.GetEventRecorder("wxlink-" + name) }
	for name, r := range map[string]interface{ SetupWithManager(ctrl.Manager) error }{
		"associationlink": &AssociationLinkReconciler{Client: c, APIReader: api, Platforms: platforms, Observer: observer,
			Metrics: metrics, Options: opts, Recorder: rec("associationlink")},
		"merchantbinding": &MerchantBindingReconciler{Client: c, Platforms: platforms, Observer: observer, Options: opts,
			Recorder: rec("merchantbinding")},
		"officialaccount": &OfficialAccountReconciler{Client: c, APIReader: api, Cache: mgr.GetCache(), Platforms: platforms,
			Renewals: platforms.Renewals(),
			Observer: observer, Metrics: metrics, Options: opts, Recorder: rec("officialaccount")},
		"miniprogram": &MiniProgramReconciler{Client: c, APIReader: api, Platforms: platforms, Observer: observer, Options: opts,
			Recorder: rec("miniprogram")},
		"openplatformaccount": &OpenPlatformAccountReconciler{Client: c, APIReader: api, Platforms: platforms, Options: opts,
			Recorder: rec("openplatformaccount")},
		"wechatstore": &WeChatStoreReconciler{Client: c, APIReader: api, Cache: mgr.GetCache(), Platforms: platforms,
			Observer: observer, Options: opts,
			Recorder: rec("wechatstore")},
		"platformconfig":  &PlatformConfigReconciler{Client: c, Platforms: platforms, Observer: observer, Options: opts},
		"channelsaccount": &ChannelsAccountReconciler{Client: c, Options: opts},
		"thirdpartystore": &ThirdPartyStoreReconciler{Client: c, Platforms: platforms, Metrics: metrics, Options: opts,
			Recorder: rec("thirdpartystore")},
		"wecomcorp": &WeComCorpReconciler{Client: c, Options: opts},
	} {
		if err := r.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

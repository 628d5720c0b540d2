// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strings"
	"testing"
)

const labelsFile = "../../test/monitoring/metric-labels.txt"

func testFamilies(t *testing.T) families {
	t.Helper()
	fs, err := loadFamilies(labelsFile)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// Each of these breakages passed the parser and the metric-name check; the label check refuses each,
// naming the label.
func TestLabelCheckRefusesWhatSeriesLack(t *testing.T) {
	fs := testFamilies(t)
	for expr, want := range map[string]string{
		`sum by (namespce) (wxlink_object_not_ready)`: "namespce",
		`sum without (stat) (wxlink_links)`:           "stat",
		`wxlink_links{stat="Available"}`:              "stat",
		`histogram_quantile(0.9, sum by (api) (rate(wechat_api_request_duration_seconds_bucket[5m])))`:                                                 "without le",
		`histogram_quantile(0.9, rate(wxlink_link_time_to_ready_seconds_count[5m]))`:                                                                   "without le",
		`sum by (api) (rate(wechat_api_requests_total[5m])) / on (errcode) sum by (api) (rate(wechat_api_requests_total[5m]))`:                         "errcode",
		`sum by (api, errcode) (rate(wechat_api_requests_total[5m])) / on (api) group_left (state) sum by (api) (rate(wechat_api_requests_total[5m]))`: "state",
		`sum by (owner) (sum by (namespace) (wxlink_owner_quota_used))`:                                                                                "owner",
		`(wxlink_owner_quota_used / wxlink_owner_quota_limit) and on (namespace, kind, name) wxlink_owner_links_queued`:                                "name",
		`{__name__=~"wxlink_links|wxlink_owner_quota_used", kind="OfficialAccount"}`:                                                                   "",
	} {
		_, err := fs.checkLabels(expr)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v, want it accepted (kind is a label of one of the metrics)", expr, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %q", expr, err, want)
		}
	}
	if err := checkTemplateLabels(`{{ $labels.ownr }} is full`, setOf("owner")); err == nil {
		t.Errorf("an annotation naming $labels.ownr passed")
	}
}

// The labels an expression's result has follow Prometheus's rules, so that an annotation's $labels are
// checked against the right set.
func TestResultLabels(t *testing.T) {
	fs := testFamilies(t)
	for expr, want := range map[string]string{
		`sum by (api) (wechat_api_requests_total)`:                                                                            "(api)",
		`histogram_quantile(0.5, sum by (le, api) (rate(wechat_api_request_duration_seconds_bucket[5m])))`:                    "(api)",
		`sum by (api, errcode) (wechat_api_requests_total) / on (api) group_left () sum by (api) (wechat_api_requests_total)`: "(api, errcode)",
		`sum by (api) (wechat_api_requests_total) / on (api) sum by (api, errcode) (wechat_api_requests_total)`:               "(api)",
		`count_values("v", sum by (kind) (wxlink_token_publications_total))`:                                                  "(v)",
		`time() - 1`: "()",
	} {
		got, err := fs.checkLabels(expr)
		if err != nil || got.String() != want {
			t.Errorf("%s: labels %v (%v), want %s", expr, got, err, want)
		}
	}
}

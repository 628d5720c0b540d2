// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
)

// renderedRules is the PrometheusRule as the kustomize component ships it: the chart's alerts with the
// default thresholds.
const renderedRules = "../../config/monitoring/prometheusrule/prometheusrule.yaml"

// alertCase evaluates one alert's expression, with Prometheus's engine, over series given in promqltest's
// load notation (from the Unix epoch), at a time; fires are the label subsets of the series it must return,
// and it must return no other.
type alertCase struct {
	name, alert, load string
	at                time.Duration
	fires             []map[string]string
}

var alertCases = []alertCase{
	{name: "a Degraded object past a day, and no other", alert: "WxlinkObjectStalled", at: 1500 * time.Minute, load: `load 10m
  wxlink_object_not_ready_since_timestamp_seconds{namespace="a",kind="AssociationLink",name="old",reason="RuleViolation",health="Degraded"} 0x200
  wxlink_object_not_ready_since_timestamp_seconds{namespace="a",kind="AssociationLink",name="recent",reason="RuleViolation",health="Degraded"} 7200x200
  wxlink_object_not_ready_since_timestamp_seconds{namespace="a",kind="AssociationLink",name="waiting",reason="AwaitingMiniProgramAdmin",health="Suspended"} 0x200`,
		fires: []map[string]string{{"name": "old", "reason": "RuleViolation", "kind": "AssociationLink", "namespace": "a"}}},
	{name: "waiting for a person past three days, not for a slot", alert: "WxlinkObjectAwaitingPerson", at: 4380 * time.Minute, load: `load 10m
  wxlink_object_not_ready_since_timestamp_seconds{namespace="a",kind="AssociationLink",name="admin",reason="AwaitingMiniProgramAdmin",health="Suspended"} 0x500
  wxlink_object_not_ready_since_timestamp_seconds{namespace="a",kind="AssociationLink",name="queued",reason="QuotaExceeded",health="Suspended"} 0x500
  wxlink_object_not_ready_since_timestamp_seconds{namespace="a",kind="AssociationLink",name="month",reason="MonthlyLimitReached",health="Suspended"} 0x500
  wxlink_object_not_ready_since_timestamp_seconds{namespace="a",kind="AssociationLink",name="broken",reason="RuleViolation",health="Degraded"} 0x500`,
		fires: []map[string]string{{"name": "admin", "reason": "AwaitingMiniProgramAdmin"}}},
	{name: "a full pool with links queued, not a full pool without", alert: "WxlinkQuotaFullWithLinksQueued", at: 60 * time.Minute, load: `load 10m
  wxlink_owner_quota_used{namespace="a",kind="OfficialAccount",owner="news",pool="other_subject"} 3x10
  wxlink_owner_quota_limit{namespace="a",kind="OfficialAccount",owner="news",pool="other_subject"} 3x10
  wxlink_owner_quota_used{namespace="a",kind="OfficialAccount",owner="news",pool="same_subject"} 2x10
  wxlink_owner_quota_limit{namespace="a",kind="OfficialAccount",owner="news",pool="same_subject"} 10x10
  wxlink_owner_links_queued{namespace="a",kind="OfficialAccount",owner="news"} 1x10
  wxlink_owner_quota_used{namespace="a",kind="OfficialAccount",owner="shop",pool="other_subject"} 3x10
  wxlink_owner_quota_limit{namespace="a",kind="OfficialAccount",owner="shop",pool="other_subject"} 3x10
  wxlink_owner_links_queued{namespace="a",kind="OfficialAccount",owner="shop"} 0x10`,
		fires: []map[string]string{{"owner": "news", "pool": "other_subject", "kind": "OfficialAccount", "namespace": "a"}}},
	{name: "a refused publication names its object", alert: "WxlinkTokenPublicationRefused", at: 60 * time.Minute, load: `load 10m
  wxlink_object_not_ready{namespace="a",kind="OfficialAccount",name="news",reason="TokenPublicationFailed",health="Degraded"} 1x10
  wxlink_object_not_ready{namespace="a",kind="OfficialAccount",name="shop",reason="RuleViolation",health="Degraded"} 1x10`,
		fires: []map[string]string{{"name": "news", "kind": "OfficialAccount"}}},
	{name: "one object failing past the threshold among objects that succeed, at the controller's backoff", alert: "WxlinkTokenPublicationFailing", at: 100 * time.Minute, load: `load 1m
  wxlink_token_publication_failing_since_timestamp_seconds{namespace="a",kind="OfficialAccount",name="news"} 60x100
  wxlink_token_publication_failing_since_timestamp_seconds{namespace="a",kind="OfficialAccount",name="recent"} 5700x100
  wxlink_token_publication_failing_since_timestamp_seconds{namespace="a",kind="OfficialAccount",name="fine"} 0x100
  wxlink_token_publications_total{kind="OfficialAccount",result="error"} 0+1x100
  wxlink_token_publications_total{kind="OfficialAccount",result="success"} 0+50x100`,
		fires: []map[string]string{{"name": "news", "kind": "OfficialAccount", "namespace": "a"}}},
	{name: "the first 45009 fires at once and holds until the quota comes back, an expired block does not", alert: "WxlinkWeChatDailyQuotaReached", at: 100 * time.Minute, load: `load 1m
  wechat_api_daily_quota_blocked_until_timestamp_seconds{api="cgi-bin/wxopen/wxamplink",pod="a"} 0x98 36000 36000
  wechat_api_daily_quota_blocked_until_timestamp_seconds{api="cgi-bin/wxopen/wxamplink",pod="b"} 0x100
  wechat_api_daily_quota_blocked_until_timestamp_seconds{api="cgi-bin/wxopen/wxamplinkget",pod="a"} 3600x100
  wechat_api_daily_quota_blocked_until_timestamp_seconds{api="cgi-bin/component/api_component_token",pod="a"} 0x100`,
		fires: []map[string]string{{"api": "cgi-bin/wxopen/wxamplink"}}},
	{name: "an errcode's share of an API's calls", alert: "WxlinkWeChatAPIErrorRate", at: 100 * time.Minute, load: `load 1m
  wechat_api_requests_total{api="a",errcode="0"} 0+60x100
  wechat_api_requests_total{api="a",errcode="45011"} 0+30x100
  wechat_api_requests_total{api="b",errcode="0"} 0+60x100
  wechat_api_requests_total{api="b",errcode="-1"} 0+1x100`,
		fires: []map[string]string{{"api": "a", "errcode": "45011"}}},
	{name: "wxlink's controllers only", alert: "WxlinkReconcileErrors", at: 100 * time.Minute, load: `load 1m
  controller_runtime_reconcile_errors_total{job="wxlink",controller="associationlink"} 0+1x100
  controller_runtime_reconcile_total{job="wxlink",controller="associationlink",result="error"} 0+1x100
  controller_runtime_reconcile_total{job="wxlink",controller="associationlink",result="success"} 0+1x100
  controller_runtime_reconcile_errors_total{job="wxlink",controller="officialaccount"} 0x100
  controller_runtime_reconcile_total{job="wxlink",controller="officialaccount",result="success"} 0+10x100
  controller_runtime_reconcile_errors_total{job="other",controller="officialaccount"} 0+5x100
  controller_runtime_reconcile_total{job="other",controller="officialaccount",result="error"} 0+5x100`,
		fires: []map[string]string{{"controller": "associationlink"}}},
}

// Every alert fires on the series it is about, names them, and stays quiet on the ones it is not: each
// expression evaluated by Prometheus's engine (production options) over a small history.
func TestAlertsFireOnWhatTheyAreAbout(t *testing.T) {
	rgs, err := loadRules(renderedRules)
	if err != nil {
		t.Fatal(err)
	}
	exprs := map[string]string{}
	for _, g := range rgs.Groups {
		for _, r := range g.Rules {
			exprs[r.Alert] = r.Expr
		}
	}
	eng := promqltest.NewTestEngineWithOpts(t, promql.EngineOpts{MaxSamples: 100000, Timeout: time.Minute,
		Parser: parser.NewParser(parser.Options{})})
	tested := map[string]bool{}
	for _, c := range alertCases {
		t.Run(c.alert+": "+c.name, func(t *testing.T) {
			expr, ok := exprs[c.alert]
			if !ok {
				t.Fatalf("no alert %s in %s", c.alert, renderedRules)
			}
			tested[c.alert] = true
			got := evaluate(t, eng, c.load, expr, c.at)
			if len(got) != len(c.fires) {
				t.Errorf("%s returned %d series, want %d: %v", c.alert, len(got), len(c.fires), got)
			}
			for _, want := range c.fires {
				if !anyMatches(got, want) {
					t.Errorf("%s did not fire for %v: %v", c.alert, want, got)
				}
			}
		})
	}
	for a := range exprs {
		if !tested[a] {
			t.Errorf("alert %s has no case", a)
		}
	}
}

func evaluate(t *testing.T, eng *promql.Engine, load, expr string, at time.Duration) promql.Vector {
	t.Helper()
	st := promqltest.LoadedStorage(t, load)
	q, err := eng.NewInstantQuery(t.Context(), st, nil, expr, time.Unix(0, 0).Add(at))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	res := q.Exec(t.Context())
	v, err := res.Vector()
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func anyMatches(v promql.Vector, want map[string]string) bool {
	for _, s := range v {
		match := true
		for k, val := range want {
			match = match && s.Metric.Get(k) == val
		}
		if match {
			return true
		}
	}
	return false
}

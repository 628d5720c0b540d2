// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"sigs.k8s.io/yaml"
)

// checkObjects decodes each file's Prometheus Operator objects strictly into the operator's own API types:
// a misspelt or misplaced field (say honorLabels under tlsConfig) fails here rather than being dropped by
// the API server's pruning. It returns the number of objects.
func checkObjects(paths []string) (int, error) {
	n := 0
	for _, path := range paths {
		raw, err := os.ReadFile(path) //nolint:gosec // a file of the repository
		if err != nil {
			return 0, err
		}
		for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
			m, err := checkObject(doc)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", path, err)
			}
			n += m
		}
	}
	return n, nil
}

func checkObject(doc []byte) (int, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return 0, err
	}
	if !strings.HasPrefix(meta.APIVersion, "monitoring.coreos.com/") {
		return 0, nil
	}
	var obj any
	switch meta.Kind {
	case monitoringv1.ServiceMonitorsKind:
		obj = &monitoringv1.ServiceMonitor{}
	case monitoringv1.PrometheusRuleKind:
		obj = &monitoringv1.PrometheusRule{}
	default:
		return 0, fmt.Errorf("unexpected %s %s", meta.APIVersion, meta.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return 0, fmt.Errorf("%s: %w", meta.Kind, err)
	}
	if sm, ok := obj.(*monitoringv1.ServiceMonitor); ok && len(sm.Spec.Endpoints) == 0 {
		return 0, errors.New("a ServiceMonitor without endpoints")
	}
	return 1, nil
}

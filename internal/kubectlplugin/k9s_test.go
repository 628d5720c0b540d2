// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// TestK9sPlugins checks config/k9s/plugins.yaml against the code it drives: every scope is a kind the
// plugin accepts, the pause toggle writes the operator's own annotation and asks first.
func TestK9sPlugins(t *testing.T) {
	b, err := os.ReadFile("../../config/k9s/plugins.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Plugins map[string]struct {
			ShortCut    string   `json:"shortCut"`
			Description string   `json:"description"`
			Background  bool     `json:"background"`
			Scopes      []string `json:"scopes"`
			Confirm     bool     `json:"confirm"`
			Command     string   `json:"command"`
			Args        []string `json:"args"`
		} `json:"plugins"`
	}
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"wxlink-trace", "wxlink-quota", "wxlink-pause"} {
		p, ok := f.Plugins[name]
		if !ok || p.ShortCut == "" || len(p.Scopes) == 0 {
			t.Fatalf("plugin %s missing or incomplete: %+v", name, p)
		}
		for _, s := range p.Scopes {
			if _, _, err := ParseKindName(s + "/x"); err != nil {
				t.Errorf("%s: scope %s is not a kind kubectl wxlink accepts: %v", name, s, err)
			}
		}
	}
	for name, p := range f.Plugins {
		if args := strings.Join(p.Args, " "); strings.Contains(args, "$RESOURCE_NAME") &&
			strings.Count(args, "${RESOURCE_NAME}${RESOURCE_GROUP:+.$RESOURCE_GROUP}") != strings.Count(args, "RESOURCE_NAME") {
			t.Errorf("%s: every resource must be qualified with its group ($RESOURCE_GROUP): %s", name, args)
		}
	}
	pause := strings.Join(f.Plugins["wxlink-pause"].Args, " ")
	if !f.Plugins["wxlink-pause"].Confirm || strings.Count(pause, wx.PauseAnnotation) != 2 ||
		!strings.Contains(pause, wx.PauseAnnotation+"=true") || !strings.Contains(pause, wx.PauseAnnotation+"-") {
		t.Errorf("the pause toggle must ask first and set or remove %s: %s", wx.PauseAnnotation, pause)
	}
}

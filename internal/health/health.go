// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package health says how the tools that wait on wxlink objects read them: kstatus (kubectl wait, Flux,
// cli-utils) and Argo CD, through the Lua health check wxlink ships (argocd.lua, written into
// config/argocd by `make generate`). Tests run both over real objects; the kubectl plugin can too.
package health

import (
	_ "embed"
	"fmt"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// ArgoCDScript is the Argo CD health check of every wechat.wxlink.dev kind.
//
//go:embed argocd.lua
var ArgoCDScript string

// Argo CD health statuses.
const (
	ArgoHealthy     = "Healthy"
	ArgoProgressing = "Progressing"
	ArgoDegraded    = "Degraded"
	ArgoSuspended   = "Suspended"
)

// Expected is what kstatus and Argo CD must make of an object whose Ready reason has health h (for Healthy,
// an object whose Ready is True).
func Expected(h wx.Health) (status.Status, string) {
	switch h {
	case wx.HealthHealthy:
		return status.CurrentStatus, ArgoHealthy
	case wx.HealthDegraded:
		return status.FailedStatus, ArgoDegraded
	case wx.HealthSuspended:
		return status.FailedStatus, ArgoSuspended
	case wx.HealthPaused:
		return status.InProgressStatus, ArgoSuspended
	}
	return status.InProgressStatus, ArgoProgressing
}

// ArgoCD runs the health check over an object (its unstructured content) in gopher-lua, as Argo CD does,
// and returns the status and message it sets.
func ArgoCD(obj map[string]any) (string, string, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, open := range []lua.LGFunction{lua.OpenBase, lua.OpenString, lua.OpenTable} {
		L.Push(L.NewFunction(open))
		L.Call(0, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(ArgoCDScript); err != nil {
		return "", "", err
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("the health check returned %s, not a table", L.Get(-1).Type())
	}
	return lua.LVAsString(hs.RawGetString("status")), lua.LVAsString(hs.RawGetString("message")), nil
}

// toLua converts decoded JSON into Lua values: objects into tables, arrays into 1-based tables.
func toLua(l *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case map[string]any:
		t := l.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	case []any:
		t := l.NewTable()
		for _, e := range x {
			t.Append(toLua(l, e))
		}
		return t
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case int64:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case nil:
		return lua.LNil
	}
	return lua.LString(fmt.Sprint(v))
}

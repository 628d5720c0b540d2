// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Command kubectl-wxlink is the kubectl plugin of wxlink: `kubectl wxlink trace|quota|plan`. Install it by
// copying it onto PATH. See docs/kubectl-plugin.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/wxlink/wxlink-operator/internal/kubectlplugin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	cmd := kubectlplugin.NewCommand(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	err := cmd.ExecuteContext(ctx)
	stop()
	if err == nil {
		return
	}
	var exit *kubectlplugin.ExitError
	if errors.As(err, &exit) && exit.Err == nil {
		os.Exit(exit.Code) // a result (changes, not Ready) that the output shows: no error to print
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	if exit != nil {
		os.Exit(exit.Code)
	}
	os.Exit(1)
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package kubectlplugin

import (
	"fmt"
	"io"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// ExitError ends the command with a status. Err nil is a result, not an error (trace: 2 when something is
// not Ready; plan --exit-code: 2 when applying changes something): the output says it, and nothing is
// printed on stderr, as kubectl diff and terraform plan -detailed-exitcode do.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

// options are the flags every subcommand shares: kubectl's own (--kubeconfig, --context, --namespace, ...)
// and -o.
type options struct {
	flags  *genericclioptions.ConfigFlags
	output string
	io     genericiooptions.IOStreams
	now    func() time.Time
}

// namespace is the namespace of --namespace, else the kubeconfig context's.
func (o *options) namespace() (string, error) {
	ns, _, err := o.flags.ToRawKubeConfigLoader().Namespace()
	return ns, err
}

// namespaceExplicit reports whether --namespace was given: manifests in another namespace are then refused,
// as kubectl apply refuses them.
func (o *options) namespaceExplicit() (bool, error) {
	_, explicit, err := o.flags.ToRawKubeConfigLoader().Namespace()
	return explicit, err
}

// NewCommand is `kubectl wxlink`.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &options{flags: genericclioptions.NewConfigFlags(true), io: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:           "kubectl-wxlink",
		Short:         "Trace wxlink objects, show an owner's quota, and plan an apply",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	o.flags.AddFlags(cmd.PersistentFlags())
	cmd.PersistentFlags().StringVarP(&o.output, "output", "o", "", "output format: wide or json")
	cmd.AddCommand(o.traceCommand(), o.quotaCommand(), o.planCommand())
	return cmd
}

func (o *options) printer() (Printer, error) {
	switch o.output {
	case "", "wide", "json":
		return Printer{Wide: o.output == "wide", Now: o.now}, nil
	}
	return Printer{}, fmt.Errorf("unknown output format %q: use wide or json", o.output)
}

// client is a read-only view of the cluster of the kubeconfig flags, and the namespace they select.
func (o *options) client() (client.Reader, string, error) {
	cfg, err := o.flags.ToRESTConfig()
	if err != nil {
		return nil, "", err
	}
	ns, err := o.namespace()
	if err != nil {
		return nil, "", err
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, wx.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, "", err
		}
	}
	log.SetLogger(logr.Discard()) // the client logs nothing a user of the plugin needs
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, "", err
	}
	return c, ns, nil
}

// target is what trace and quota act on: the object KIND/NAME in the namespace of the flags, the client
// that reads it, and the printer of -o.
type target struct {
	kind, name, ns string
	c              client.Reader
	pr             Printer
}

func (o *options) target(arg string) (*target, error) {
	kind, name, err := ParseKindName(arg)
	if err != nil {
		return nil, err
	}
	pr, err := o.printer()
	if err != nil {
		return nil, err
	}
	c, ns, err := o.client()
	if err != nil {
		return nil, err
	}
	return &target{kind: kind, name: name, ns: ns, c: c, pr: pr}, nil
}

func (o *options) traceCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "trace KIND/NAME",
		Short: "Show an object, everything it depends on, and what depends on it, with Ready, Synced, reason, age and message",
		Long: "Show an object, everything it depends on (a link's accounts, their PlatformConfig and Secrets, ...) and the\n" +
			"objects that depend on it (an account's links, Open Platform binding, merchant bindings, ...).\n" +
			"Exits 0 only when every object of the tree is Ready.",
		Example: "  kubectl wxlink trace link/news-podcast -n yunshan\n  kubectl wxlink trace oa/yunshan-news -o wide",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target(args[0])
			if err != nil {
				return err
			}
			root, err := Trace(cmd.Context(), t.c, t.ns, t.kind, t.name)
			if err != nil {
				return err
			}
			if err := o.print(t.pr, root, func(w io.Writer) error { return t.pr.Trace(w, root) }); err != nil {
				return err
			}
			if !root.AllReady() {
				return &ExitError{Code: 2} // not Ready: the tree says what and why
			}
			return nil
		},
	}
}

func (o *options) quotaCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "quota officialaccount/NAME | miniprogram/NAME",
		Short:   "Show an owner's slots, monthly allowance and queue, as the operator's admission sees them",
		Example: "  kubectl wxlink quota oa/yunshan-news -n yunshan\n  kubectl wxlink quota mp/yunshan-mall -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target(args[0])
			if err != nil {
				return err
			}
			r, err := Quota(cmd.Context(), t.c, t.ns, t.kind, t.name, o.now())
			if err != nil {
				return err
			}
			return o.print(t.pr, r, func(w io.Writer) error { return t.pr.Quota(w, r) })
		},
	}
}

// print writes v as JSON for -o json, or as text.
func (o *options) print(_ Printer, v any, text func(io.Writer) error) error {
	if o.output == "json" {
		return WriteJSON(o.io.Out, v)
	}
	return text(o.io.Out)
}

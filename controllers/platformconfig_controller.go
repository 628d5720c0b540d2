// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
)

// PlatformConfigReconciler checks that a PlatformConfig is usable: its Secrets exist and, on the
// third-party route, a fresh component_verify_ticket has been received. When a PlatformConfig is gone, its
// platform client and what was read through it are dropped.
type PlatformConfigReconciler struct {
	client.Client
	Platforms PlatformProvider
	Observer  *Observer
	Options
}

// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=platformconfigs,verbs=get;list;watch
// +kubebuilder:rbac:groups=wechat.wxlink.dev,resources=platformconfigs/status,verbs=get;update;patch

// Reconcile checks one PlatformConfig.
func (r *PlatformConfigReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return lifecycle[*wx.PlatformConfig]{
		client: r.Client, reader: r.Client, newObj: func() *wx.PlatformConfig { return &wx.PlatformConfig{} },
		opts: r.Options, gone: r.gone,
		reconcile: func(ctx context.Context, pc *wx.PlatformConfig) (ctrl.Result, error) {
			if err := r.check(ctx, pc); err != nil {
				if d, ok := asDependency(err); ok {
					setCondition(pc, wx.ConditionCredentialsValid, metav1.ConditionFalse, d.reason, d.message)
				}
				return ctrl.Result{}, err
			}
			msg := "accounts obtain tokens with their own AppSecret through cgi-bin/stable_token"
			if pc.Spec.CredentialsRoute == wx.CredentialsRouteThirdPartyPlatform {
				msg = fmt.Sprintf("third-party platform %s has a verify ticket from %s", pc.Spec.ThirdPartyPlatform.ComponentAppID,
					pc.Status.LastVerifyTicketTime.Format(time.RFC3339))
			}
			setCondition(pc, wx.ConditionCredentialsValid, metav1.ConditionTrue, wx.ReasonAvailable, msg)
			ready(pc, metav1.ConditionTrue, wx.ReasonAvailable, msg)
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		},
	}.run(ctx, req)
}

// gone drops the client of a PlatformConfig that no longer exists, and every read made through it.
func (r *PlatformConfigReconciler) gone(_ context.Context, req ctrl.Request) (ctrl.Result, error) {
	if r.Platforms == nil {
		return ctrl.Result{}, nil
	}
	if p := r.Platforms.Forget(req.Namespace, req.Name); p != nil && r.Observer != nil {
		r.Observer.ForgetClient(p)
	}
	return ctrl.Result{}, nil
}

func (r *PlatformConfigReconciler) check(ctx context.Context, pc *wx.PlatformConfig) error {
	// An endpoint the manager does not allow makes the config unusable whatever its route: say so here, not
	// only on the accounts that use it.
	if r.Platforms != nil {
		if _, err := r.Platforms.For(ctx, pc); err != nil {
			return err
		}
	}
	tp := pc.Spec.ThirdPartyPlatform
	if pc.Spec.CredentialsRoute != wx.CredentialsRouteThirdPartyPlatform || tp == nil {
		return nil
	}
	for _, sel := range []wx.SecretKeySelector{tp.ComponentSecretRef, tp.CallbackTokenRef, tp.EncodingAESKeyRef} {
		if _, err := r.Platforms.Credential(ctx, pc.Namespace, sel); err != nil {
			return err
		}
	}
	ticket, err := readManagedSecret(ctx, r.Client, pc.Namespace, tp.VerifyTicketSecretName)
	if d, ok := asDependency(err); ok && d.reason == wx.ReasonDependencyNotFound && !isForeign(err) {
		return &dependencyError{wx.ReasonVerifyTicketMissing, "no component_verify_ticket received yet: WeChat pushes one every 10 " +
			"minutes to the callback URL configured on the third-party platform (the manager's --callback-bind-address, path " +
			"/wechat/callback/" + pc.Namespace + "/" + pc.Name + ")"}
	}
	if err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339, string(ticket.Data[VerifyTicketTimeKey]))
	if err != nil || len(ticket.Data[VerifyTicketKey]) == 0 {
		return &dependencyError{wx.ReasonVerifyTicketMissing, fmt.Sprintf("Secret %s/%s holds no valid ticket", pc.Namespace, ticket.Name)}
	}
	t := metav1.NewTime(at)
	pc.Status.LastVerifyTicketTime = &t
	if age := r.now().Sub(at); age > verifyTicketValidity {
		return &dependencyError{wx.ReasonVerifyTicketExpired, fmt.Sprintf("the latest component_verify_ticket is %s old (valid %s): check "+
			"that WeChat can reach the callback URL", age.Round(time.Minute), verifyTicketValidity)}
	}
	return nil
}

// SetupWithManager registers the reconciler; a change of a Secret in the namespace rechecks its configs.
func (r *PlatformConfigReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&wx.PlatformConfig{}, builder.WithPredicates(declaredChanged())).
		Named("platformconfig").
		WithOptions(r.controllerOptions()).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []reconcile.Request {
			list := &wx.PlatformConfigList{}
			if err := r.List(ctx, list, client.InNamespace(o.GetNamespace())); err != nil {
				return nil
			}
			var reqs []reconcile.Request
			for _, pc := range list.Items {
				if pc.Spec.CredentialsRoute == wx.CredentialsRouteThirdPartyPlatform {
					reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&pc)})
				}
			}
			return reqs
		}), builder.OnlyMetadata).
		Complete(r)
}

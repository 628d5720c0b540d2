// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Token publication keys.
const (
	PublishedTokenKey     = "accessToken"
	PublishedExpiresAtKey = "expiresAt"
	// PublishedRefreshAtKey holds when wxlink replaces the token, before expiresAt: the OfficialAccount
	// reconciler asks the token broker then, and publishes what it gets. Readers re-read the Secret after it.
	PublishedRefreshAtKey = "refreshAt"
)

// publishToken keeps the Secret named by spec.tokenPublication holding the account's current access token,
// and brings the next reconcile forward to the token's refresh instant, so that the user's workloads never
// read an expired token, whatever the poll interval. A token renewed outside this reconcile (by another
// reconciler's call, or after the platform rejected it) reaches it through the provider's Renewals. A
// failed write is returned (Synced=False, retried with backoff), never only logged.
func (r *OfficialAccountReconciler) publishToken(ctx context.Context, oa *wx.OfficialAccount, res ctrl.Result) (ctrl.Result, error) {
	tp := oa.Spec.TokenPublication
	if tp == nil {
		return res, nil
	}
	p, acct, err := accountFor(ctx, r.Client, r.Platforms, oa.Namespace, oa.Spec.AppID, &oa.Spec.AccountSpec)
	if err != nil {
		return res, err
	}
	tok, err := p.AccessToken(ctx, acct)
	if err != nil {
		if reason, terminal := platformErrorReason(err); terminal {
			ready(oa, metav1.ConditionFalse, reason, fmt.Sprintf("the platform refused an access token to publish: %v", err))
			return ctrl.Result{RequeueAfter: r.poll()}, nil
		}
		return res, err
	}
	err = publishTokenSecret(ctx, r.Client, oa, tp.SecretName, tok.Value, tok.ExpiresAt, tok.RefreshAt,
		func(ctx context.Context) error { return r.firstPublisher(ctx, oa) })
	r.Metrics.observePublication(oa, err, r.now())
	if publicationRefused(err) {
		ready(oa, metav1.ConditionFalse, wx.ReasonTokenPublicationFailed, err.Error())
		return ctrl.Result{RequeueAfter: r.poll()}, nil
	}
	if err != nil {
		return res, fmt.Errorf("publishing the access token into Secret %s/%s: %w", oa.Namespace, tp.SecretName, err)
	}
	until := max(ceilSecond(tok.RefreshAt).Sub(r.now()), time.Second)
	if res.RequeueAfter == 0 || until < res.RequeueAfter {
		res.RequeueAfter = until
	}
	return res, nil
}

// publishTokenSecret writes an access token and its schedule into the Secret name, which wxlink owns
// (writeManagedSecret): keys accessToken, expiresAt and refreshAt (RFC 3339). Every kind that publishes a
// token (OfficialAccount, ThirdPartyStore) writes it here, in one shape.
func publishTokenSecret(ctx context.Context, c client.Client, owner client.Object, name string, value platform.Secret,
	expiresAt, refreshAt time.Time, mayCreate func(context.Context) error) error {
	return writeManagedSecret(ctx, c, owner, name, map[string][]byte{
		PublishedTokenKey:     []byte(value.Reveal()),
		PublishedExpiresAtKey: []byte(expiresAt.UTC().Format(time.RFC3339)),
		// Rounded up to the second: a reconcile at the published instant must not come before the broker's.
		PublishedRefreshAtKey: []byte(ceilSecond(refreshAt).UTC().Format(time.RFC3339)),
	}, mayCreate)
}

// publicationRefused reports whether a publication was refused for a reason a person must fix (a Secret
// that is not wxlink's, or that another object writes): Ready=False, TokenPublicationFailed.
func publicationRefused(err error) bool {
	return errors.Is(err, errForeignSecret) || errors.Is(err, errSecretTaken) || errors.Is(err, errNotFirstPublisher)
}

// errNotFirstPublisher refuses to create a published Secret that an older OfficialAccount also names.
var errNotFirstPublisher = errors.New("choose another name")

// firstPublisher refuses when an older OfficialAccount of the namespace (by creation, then name) publishes
// into the same Secret: it, not this one, writes the Secret again after someone deletes it.
func (r *OfficialAccountReconciler) firstPublisher(ctx context.Context, oa *wx.OfficialAccount) error {
	list := &wx.OfficialAccountList{}
	if err := r.List(ctx, list, client.InNamespace(oa.Namespace)); err != nil {
		return err
	}
	for _, o := range list.Items {
		tp := o.Spec.TokenPublication
		if o.UID == oa.UID || tp == nil || tp.SecretName != oa.Spec.TokenPublication.SecretName || !o.DeletionTimestamp.IsZero() {
			continue
		}
		if o.CreationTimestamp.Before(&oa.CreationTimestamp) || o.CreationTimestamp.Equal(&oa.CreationTimestamp) && o.Name < oa.Name {
			return fmt.Errorf("OfficialAccount %s, older, also publishes into Secret %s/%s and writes it: %w",
				o.Name, oa.Namespace, tp.SecretName, errNotFirstPublisher)
		}
	}
	return nil
}

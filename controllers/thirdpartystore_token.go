// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"cmp"
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
	"github.com/wxlink/wxlink-operator/internal/stores"
)

// ensureToken renews the store's token when there is none or its refresh instant (80% of its lifetime) has
// come. A failed renewal keeps the old token in use until it expires, and is recorded as this reconcile's
// failure.
func (r *ThirdPartyStoreReconciler) ensureToken(ctx context.Context, s *shopScope) (bool, error) {
	now := r.now()
	if s.token.Value != "" && now.Before(s.token.RefreshAt()) {
		return false, nil
	}
	s.checked = true
	var tok stores.Token
	var err error
	if s.token.Value != "" {
		tok, err = s.client.Renew(ctx, s.creds, s.token) // the same token answered again keeps its schedule
	} else {
		tok, err = s.client.Token(ctx, s.creds)
	}
	if err != nil {
		if s.token.Value != "" && !now.Before(s.token.ExpiresAt) {
			s.token = stores.Token{} // expired: no token to use
		}
		r.shopFailed(s, wx.ConditionCredentialsValid, err)
		return false, nil
	}
	r.tokenObtained(s, tok)
	return false, nil
}

// tokenObtained records a new token: in memory (the token itself) and in status (its schedule).
func (r *ThirdPartyStoreReconciler) tokenObtained(s *shopScope, tok stores.Token) {
	s.token, s.renewed = tok, true
	r.shops.keep(s.key, s.version, tok)
	obtained, expires, refresh := metav1.NewTime(tok.ObtainedAt), metav1.NewTime(tok.ExpiresAt), metav1.NewTime(tok.RefreshAt())
	s.tps.Status.Token = &wx.StoreTokenStatus{ObtainedTime: &obtained, ExpiresAt: &expires, RefreshAt: &refresh}
	setCondition(s.tps, wx.ConditionCredentialsValid, metav1.ConditionTrue, wx.ReasonAvailable,
		fmt.Sprintf("obtained an access token valid until %s", tok.ExpiresAt.UTC().Format(time.RFC3339)))
	r.Recorder.Eventf(s.tps, nil, corev1.EventTypeNormal, wx.EventStoreTokenRenewed, "Renew",
		"obtained a new %s access token, valid until %s; wxlink renews it from %s", s.tps.Spec.Provider,
		tok.ExpiresAt.UTC().Format(time.RFC3339), tok.RefreshAt().UTC().Format(time.RFC3339))
	r.Metrics.observeStoreToken(s.tps.Namespace, s.tps.Name, string(s.tps.Spec.Provider), tok.ExpiresAt)
}

// checkDue reports whether the store's API is to be called again: never called, a new generation, or the
// next poll (or, while failing, the next retry: retryAfter) has come.
func (r *ThirdPartyStoreReconciler) checkDue(tps *wx.ThirdPartyStore) bool {
	st := &tps.Status
	if st.LastCheckTime == nil || st.ObservedGeneration != tps.Generation {
		return true
	}
	return !r.now().Before(st.LastCheckTime.Add(r.checkInterval(tps)))
}

// checkInterval is how long after a check the next one is due: the poll interval, or while failing a backoff
// that doubles from 1 s (the time since the streak last grew), up to the poll interval.
func (r *ThirdPartyStoreReconciler) checkInterval(tps *wx.ThirdPartyStore) time.Duration {
	st := &tps.Status
	if st.LastError == "" || st.LastCountedFailureTime == nil || st.LastCheckTime == nil {
		return r.PollInterval
	}
	return min(max(st.LastCheckTime.Sub(st.LastCountedFailureTime.Time), time.Second), r.PollInterval)
}

// shopFailed records a failed call on the condition it concerns, and as this reconcile's failure (a terminal
// one over a passing one).
func (r *ThirdPartyStoreReconciler) shopFailed(s *shopScope, condType string, err error) {
	reason, terminal := platform.ReasonNetwork, false
	if pe, ok := platform.As(err); ok {
		reason, terminal = pe.Reason, pe.Class == platform.ClassTerminal
	}
	setCondition(s.tps, condType, metav1.ConditionFalse, reason, err.Error())
	if s.failure == nil || terminal && !s.terminal {
		s.failure, s.failReason, s.terminal = err, reason, terminal
	}
}

// publishShopToken keeps the Secret named by spec.tokenPublication holding the store's current token, in the
// shape an OfficialAccount publishes (publishTokenSecret). A Secret wxlink may not write is a refusal that
// a person must fix; any other failed write is returned for backoff.
func (r *ThirdPartyStoreReconciler) publishShopToken(ctx context.Context, s *shopScope) (bool, error) {
	tp := s.tps.Spec.TokenPublication
	if tp == nil || s.token.Value == "" {
		return false, nil
	}
	err := publishTokenSecret(ctx, r.Client, s.tps, tp.SecretName, s.token.Value, s.token.ExpiresAt, s.token.RefreshAt(), nil)
	r.Metrics.observePublication(s.tps, err, r.now())
	if publicationRefused(err) {
		s.publishRefused = err
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("publishing the store's access token into Secret %s/%s: %w", s.tps.Namespace, tp.SecretName, err)
	}
	return false, nil
}

// checkShopHealth makes the platform's cheap authenticated call with the token. A token the platform no
// longer accepts (an auth error) is renewed once and the call made again.
func (r *ThirdPartyStoreReconciler) checkShopHealth(ctx context.Context, s *shopScope) (bool, error) {
	if s.token.Value == "" {
		return false, nil // no token: the renewal's failure says why
	}
	if !s.renewed && !r.checkDue(s.tps) {
		return false, nil // a watch's reconcile: the API was checked moments ago
	}
	s.checked = true
	shop, err := s.client.Health(ctx, s.token.Value)
	if platform.IsClass(err, platform.ClassAuth) && !s.renewed {
		tok, terr := s.client.Token(ctx, s.creds)
		if terr != nil {
			r.shopFailed(s, wx.ConditionCredentialsValid, terr)
			return false, nil
		}
		r.tokenObtained(s, tok)
		if _, err := r.publishShopToken(ctx, s); err != nil {
			return true, err
		}
		shop, err = s.client.Health(ctx, s.token.Value)
	}
	if err != nil {
		r.shopFailed(s, wx.ConditionReachable, err)
		return false, nil
	}
	now := metav1.NewTime(r.now())
	s.tps.Status.LastHealthyTime, s.tps.Status.ShopName = &now, cmp.Or(shop.Name, s.tps.Status.ShopName)
	setCondition(s.tps, wx.ConditionReachable, metav1.ConditionTrue, wx.ReasonAvailable,
		fmt.Sprintf("the %s API answered the health check", s.tps.Spec.Provider))
	return false, nil
}

// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	wx "github.com/wxlink/wxlink-operator/api/v1alpha1"
	"github.com/wxlink/wxlink-operator/internal/platform"
)

// Secrets in a shared cluster. wxlink never caches a Secret's data in the manager's informers: it watches
// Secrets as metadata only, reads the values it needs from the API server (again only when a Secret's
// resourceVersion moves), and reads them only from Secrets that opt in with CredentialsLabel, so that a
// person who may create an OfficialAccount cannot make wxlink read (and send to an endpoint) any Secret of
// the namespace. It writes only to Secrets it created (ManagedByLabel) and, for the refresh token the
// platform rotates and the in-use finalizer, to the credentials Secrets that opted in.

// CredentialsLabel opts a Secret in to being read by wxlink, with the value CredentialsLabelValue: account
// credentials (AppSecrets, authorizer refresh tokens) and a third-party platform's component secret,
// callback token and EncodingAESKey. Argo CD reads repository credentials only from Secrets labelled for it
// in the same way.
const (
	CredentialsLabel      = "wechat.wxlink.dev/credentials"
	CredentialsLabelValue = "true"
)

// ClientOptions are the options wxlink needs of the manager's client: Secrets are never read from the cache,
// so that no informer ever holds Secret data (the watches see Secret metadata only).
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// CacheOptions are the manager's cache options: objects are kept without their managed fields, which
// wxlink never reads and which would otherwise be most of a cached link's size, and of every copy of it.
func CacheOptions() cache.Options {
	return cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
}

// secretMetadata is an empty Secret metadata object, for reads from the metadata-only informer.
func secretMetadata() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return m
}

// SecretReader reads the values of opted-in Secrets: metadata from Meta (the manager's cache, a metadata-only
// informer), values from API (the API server), read again only when the resourceVersion changes.
type SecretReader struct {
	Meta client.Reader
	API  client.Reader

	mu    sync.Mutex
	known map[types.NamespacedName]secretSnapshot
}

type secretSnapshot struct {
	resourceVersion string
	data            map[string][]byte
}

// Value returns one key of an opted-in Secret and the Secret's resourceVersion. A missing Secret or key, and
// a Secret that has not opted in, are dependencies: Ready=False with a reason and a message that says what
// to do.
func (s *SecretReader) Value(ctx context.Context, ns string, sel wx.SecretKeySelector) (platform.Secret, string, error) {
	name := types.NamespacedName{Namespace: ns, Name: sel.Name}
	meta := secretMetadata()
	if err := s.Meta.Get(ctx, name, meta); err != nil {
		if apierrors.IsNotFound(err) {
			s.forget(name)
			return "", "", notFound("Secret", ns, sel.Name)
		}
		return "", "", err
	}
	if meta.Labels[CredentialsLabel] != CredentialsLabelValue {
		return "", "", notOptedIn(ns, sel.Name)
	}
	snap, err := s.snapshot(ctx, name, meta.ResourceVersion)
	if err != nil {
		return "", "", err
	}
	v := snap.data[sel.Key]
	if len(v) == 0 {
		return "", "", &dependencyError{wx.ReasonDependencyNotFound, fmt.Sprintf("Secret %s/%s has no key %q", ns, sel.Name, sel.Key)}
	}
	return platform.Secret(v), snap.resourceVersion, nil
}

// snapshot returns the Secret's data as of resourceVersion rv or later, reading the API server only when
// the known copy is older.
func (s *SecretReader) snapshot(ctx context.Context, name types.NamespacedName, rv string) (secretSnapshot, error) {
	s.mu.Lock()
	snap, ok := s.known[name]
	s.mu.Unlock()
	if ok && snap.resourceVersion == rv {
		return snap, nil
	}
	secret := &corev1.Secret{}
	if err := s.API.Get(ctx, name, secret); err != nil {
		if apierrors.IsNotFound(err) {
			s.forget(name)
			return secretSnapshot{}, notFound("Secret", name.Namespace, name.Name)
		}
		return secretSnapshot{}, err
	}
	if secret.Labels[CredentialsLabel] != CredentialsLabelValue {
		return secretSnapshot{}, notOptedIn(name.Namespace, name.Name)
	}
	snap = secretSnapshot{resourceVersion: secret.ResourceVersion, data: secret.Data}
	s.mu.Lock()
	if s.known == nil {
		s.known = map[types.NamespacedName]secretSnapshot{}
	}
	s.known[name] = snap
	s.mu.Unlock()
	return snap, nil
}

func (s *SecretReader) forget(name types.NamespacedName) {
	s.mu.Lock()
	delete(s.known, name)
	s.mu.Unlock()
}

// notOptedIn is the dependency of a Secret that wxlink may not read, with the command that lets it.
func notOptedIn(ns, name string) error {
	return &dependencyError{wx.ReasonCredentialsNotLabelled, fmt.Sprintf(
		"Secret %s/%s is not labelled for wxlink, which reads credentials only from Secrets that opt in: run "+
			"`kubectl label secret -n %s %s %s=%s`", ns, name, ns, name, CredentialsLabel, CredentialsLabelValue)}
}

// foreignSecret is the dependency of a Secret that wxlink reads only when it created it, and did not.
type foreignSecret struct{ dependencyError }

func isForeign(err error) bool {
	var f *foreignSecret
	return errors.As(err, &f)
}

// readManagedSecret reads a Secret that wxlink created (ManagedByLabel), from the API server: a missing
// Secret is a dependency; one that wxlink did not create is refused, never read.
func readManagedSecret(ctx context.Context, api client.Reader, ns, name string) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	if err := getRef(ctx, api, ns, name, "Secret", s); err != nil {
		return nil, err
	}
	if s.Labels[ManagedByLabel] != ManagedByValue {
		return nil, &foreignSecret{dependencyError{wx.ReasonDependencyNotFound, fmt.Sprintf(
			"Secret %s/%s was not created by wxlink, so wxlink does not read it: delete it, or name another Secret", ns, name)}}
	}
	return s, nil
}

// readManagedValue reads one key of a Secret that wxlink created, from the API server.
func readManagedValue(ctx context.Context, api client.Reader, ns, name, key string) (platform.Secret, error) {
	s, err := readManagedSecret(ctx, api, ns, name)
	if err != nil {
		return "", err
	}
	v := s.Data[key]
	if len(v) == 0 {
		return "", &dependencyError{wx.ReasonDependencyNotFound, fmt.Sprintf("Secret %s/%s has no key %q", ns, name, key)}
	}
	return platform.Secret(v), nil
}

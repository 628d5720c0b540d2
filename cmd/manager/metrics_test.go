// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// startAPIServer starts envtest's kube-apiserver and etcd with wxlink's CRDs for one test.
func startAPIServer(t *testing.T) (*envtest.Environment, client.Client) {
	t.Helper()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test`, or " +
			"`export KUBEBUILDER_ASSETS=$(hack/build-controlplane.sh)` before `go test`")
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	if _, err := env.Start(); err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return env, c
}

// applyFile creates the object of a YAML manifest of the repository's config/.
func applyFile(t *testing.T, c client.Client, path string, obj client.Object) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, obj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	create(t, c, obj)
}

func create(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	if err := c.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// bindClusterRole binds a ClusterRole to a subject.
func bindClusterRole(t *testing.T, c client.Client, role string, subject rbacv1.Subject) {
	t.Helper()
	create(t, c, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{GenerateName: role + "-"},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}, Subjects: []rbacv1.Subject{subject}})
}

// serviceAccountToken creates a ServiceAccount and returns a token for it (TokenRequest).
func serviceAccountToken(t *testing.T, c client.Client, ns, name string) string {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	create(t, c, sa)
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(600))}}
	if err := c.SubResource("token").Create(context.Background(), sa, tr); err != nil {
		t.Fatalf("requesting a token for %s/%s: %v", ns, name, err)
	}
	return tr.Status.Token
}

// managerIdentity is a user bound to the generated manager-role only (config/rbac/role.yaml), so that the
// test shows that role lets the metrics filter ask for TokenReviews and SubjectAccessReviews.
func managerIdentity(t *testing.T, env *envtest.Environment, c client.Client) *rest.Config {
	t.Helper()
	user, err := env.AddUser(envtest.User{Name: "wxlink-manager"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	applyFile(t, c, "config/rbac/role.yaml", &rbacv1.ClusterRole{})
	bindClusterRole(t, c, "manager-role", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "wxlink-manager"})
	return user.Config()
}

// waitAllowed waits until the API server authorises user to get /metrics.
func waitAllowed(t *testing.T, c client.Client, user string) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true,
		func(ctx context.Context) (bool, error) {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
				NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"}}}
			if err := c.Create(ctx, sar); err != nil {
				return false, err
			}
			return sar.Status.Allowed, nil
		}); err != nil {
		t.Fatalf("%s is not allowed to get /metrics: %v", user, err)
	}
}

// scrape GETs /metrics with a bearer token (none if empty).
func scrape(ctx context.Context, hc *http.Client, url, token string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// The manager, run as it runs in a cluster (its flags, its generated role), serves metrics over HTTPS with
// the given certificate to callers the API server authenticates and authorises: no token 401, a
// ServiceAccount without the metrics-reader ClusterRole 403, one with it 200 and wxlink's series.
func TestMetricsNeedATokenWithTheMetricsReaderRole(t *testing.T) {
	ctrl.SetLogger(logr.Discard())
	env, c := startAPIServer(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "monitoring"}}
	create(t, c, ns)
	applyFile(t, c, "config/rbac/metrics_reader_role.yaml", &rbacv1.ClusterRole{})
	reader := serviceAccountToken(t, c, ns.Name, "prometheus")
	stranger := serviceAccountToken(t, c, ns.Name, "stranger")
	bindClusterRole(t, c, "metrics-reader", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns.Name, Name: "prometheus"})
	// The filter caches a denial for 30 s: scrape only once the API server's RBAC has seen the binding.
	waitAllowed(t, c, "system:serviceaccount:"+ns.Name+":prometheus")

	certDir := t.TempDir()
	cert := selfSigned(t, certDir, "tls.crt", "tls.key")
	addr := freeLoopbackAddr(t)
	o := parse(t, "--metrics-bind-address", addr, "--metrics-cert-dir", certDir, "--health-probe-bind-address", "0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, managerIdentity(t, env, c), o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the manager stopped with %v", err)
		}
	})

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	url := "https://" + addr + "/metrics"
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true,
		func(ctx context.Context) (bool, error) {
			_, _, err := scrape(ctx, hc, url, "")
			return err == nil, nil
		}); err != nil {
		t.Fatalf("the metrics server did not answer HTTPS at %s (with the certificate of --metrics-cert-dir): %v", url, err)
	}
	for _, tc := range []struct {
		who, token string
		want       int
	}{{"no token", "", http.StatusUnauthorized}, {"a ServiceAccount without metrics-reader", stranger, http.StatusForbidden},
		{"a ServiceAccount bound to metrics-reader", reader, http.StatusOK}} {
		code, body, err := scrape(context.Background(), hc, url, tc.token)
		t.Logf("%s: %d", tc.who, code)
		if err != nil || code != tc.want {
			t.Errorf("%s: %d %v %.200q, want %d", tc.who, code, err, body, tc.want)
		}
		if tc.want == http.StatusOK && !strings.Contains(body, "\nwxlink_") {
			t.Errorf("%s: the metrics have no wxlink_ series: %.500s", tc.who, body)
		}
	}
}

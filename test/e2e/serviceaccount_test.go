// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// serviceAccountKubeconfig writes a kubeconfig that authenticates as a ServiceAccount, as a pod of it would:
// a token from the TokenRequest API (kubectl create token) and the API server and CA of the admin's
// kubeconfig. The apiserver's RBAC then decides what it may do.
func serviceAccountKubeconfig(t *testing.T, namespace, name string) string {
	t.Helper()
	token := strings.TrimSpace(sh(t, nil, kubectl, "create", "token", name, "-n", namespace, "--duration=1h"))
	admin, err := clientcmd.LoadFromFile(os.Getenv("KUBECONFIG"))
	if err != nil {
		t.Fatalf("reading the admin kubeconfig: %v", err)
	}
	ctx, ok := admin.Contexts[admin.CurrentContext]
	if !ok {
		t.Fatalf("the admin kubeconfig has no current context %q", admin.CurrentContext)
	}
	cluster := admin.Clusters[ctx.Cluster]
	if cluster == nil {
		t.Fatalf("the admin kubeconfig has no cluster %q", ctx.Cluster)
	}
	user := "system:serviceaccount:" + namespace + ":" + name
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = cluster
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[user] = &clientcmdapi.Context{Cluster: "local", AuthInfo: user, Namespace: namespace}
	cfg.CurrentContext = user
	path := filepath.Join(t.TempDir(), name+".kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// canI asks the API server, as the kubeconfig's user, whether it may do a verb on a resource in a namespace
// ("" for every namespace): kubectl auth can-i answers yes (exit 0) or no (exit 1).
func canI(t *testing.T, kubeconfig, verb, resource, namespace string) bool {
	t.Helper()
	args := []string{"--kubeconfig", kubeconfig, "auth", "can-i", verb, resource}
	if namespace == "" {
		args = append(args, "--all-namespaces")
	} else {
		args = append(args, "-n", namespace)
	}
	out, _, err := try(nil, kubectl, args...)
	answer := strings.TrimSpace(out)
	if answer != "yes" && answer != "no" {
		t.Fatalf("kubectl auth can-i %s %s -n %q: %q %v", verb, resource, namespace, out, err)
	}
	return answer == "yes"
}

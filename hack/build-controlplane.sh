#!/usr/bin/env bash
# Builds the binaries of a real, offline Kubernetes control plane from Go modules:
#   etcd            go.etcd.io/etcd/server/v3     (hack/controlplane/etcd/go.mod)
#   kube-apiserver  k8s.io/kubernetes             (hack/controlplane/kube-apiserver/go.mod)
#   kubectl         k8s.io/kubernetes, only where the machine has none on PATH
# into bin/k8s/<version>-<os>-<arch>/, the layout envtest's KUBEBUILDER_ASSETS expects.
# setup-envtest downloads these binaries from the internet; this builds them from the module proxy instead.
# A binary that is already there is kept, so a second run takes seconds. The first takes about 8 minutes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
k8s_version=$(sed -n 's/^require k8s.io\/kubernetes v//p' "$root/hack/controlplane/kube-apiserver/go.mod")
dir="$root/bin/k8s/${k8s_version}-$(go env GOOS)-$(go env GOARCH)"
mkdir -p "$dir"

build() { # build NAME MODULE_DIR PACKAGE [LDFLAGS]
  local name=$1 moddir=$2 pkg=$3 ldflags=${4:-}
  if [ -x "$dir/$name" ]; then return 0; fi
  echo "building $name from $pkg (cached in $dir after this run)" >&2
  local start=$SECONDS
  (cd "$root/hack/controlplane/$moddir" &&
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$dir/$name.tmp" "$pkg")
  mv "$dir/$name.tmp" "$dir/$name"
  echo "built $name in $((SECONDS - start))s" >&2
}

version_ldflags="-X k8s.io/component-base/version.gitVersion=v${k8s_version} -X k8s.io/component-base/version.gitMajor=${k8s_version%%.*} -X k8s.io/component-base/version.gitMinor=$(echo "$k8s_version" | cut -d. -f2)"

build etcd etcd go.etcd.io/etcd/server/v3
build kube-apiserver kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$version_ldflags"
if ! command -v kubectl >/dev/null 2>&1; then
  build kubectl kube-apiserver k8s.io/kubernetes/cmd/kubectl "$version_ldflags"
fi
echo "$dir"

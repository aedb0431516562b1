#!/usr/bin/env bash
# Builds the real tools the tests judge against, from their own Go modules at pinned versions,
# into tools/bin (ignored by git). Go's module and build caches make a second run take seconds.
#   tools/bin/helm3  helm.sh/helm/v3 v3.21.4
#   tools/bin/helm4  helm.sh/helm/v4 v4.3.2
#   tools/bin/kube-apiserver, tools/bin/kubectl   k8s.io/kubernetes v1.37.2 (tools/kube/go.mod)
#   tools/bin/etcd   tools/etcd/main.go on go.etcd.io/etcd/server/v3 v3.7.3 (tools/etcd/go.mod)
#   tools/bin/actionlint  github.com/rhysd/actionlint v1.7.12 (lints .github/workflows)
#   tools/bin/registry    github.com/google/go-containerregistry v0.22.1's in-memory OCI registry,
#                         which the release workflow's helm push step is run against
#   tools/bin/weaviate-1.19.0, -1.24.26, -1.27.0   github.com/weaviate/weaviate's cmd/weaviate-server
#                         at those tags, for test/servers/weaviate-upgrade.test.ts
#   tools/bin/crds.json  where the module cache holds the CRDs the API-server tests install:
#                    sigs.k8s.io/gateway-api v1.6.3, github.com/external-secrets/external-secrets v0.16.2
# The ldflags are the ones Helm's Makefile passes to a release build: without them Helm 3
# reports version v3.21 and defaults Capabilities.KubeVersion to v1.20.0 instead of v1.36.0.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH" # Go 1.26; an older Debian Go must not win

HELM3_VERSION=v3.21.4
HELM3_COMMIT=813176c51bb5c181dbbd7901298ddcc104cd3417
HELM4_VERSION=v4.3.2

mkdir -p bin .build

# go install into a folder per tool, so that an up-to-date binary is not linked again.
install() { # NAME MODULE VERSION LDFLAGS
  local name=$1 module=$2 version=$3 ldflags=$4 start=$SECONDS
  GOBIN="$PWD/.build/$name" go install -ldflags "$ldflags" "$module@$version"
  ln -sf "../.build/$name/$(basename "$module")" "bin/$name"
  echo "tools: $name ($module@$version) ready in $((SECONDS - start)) s" >&2
}

v3=helm.sh/helm/v3
install helm3 "$v3/cmd/helm" "$HELM3_VERSION" "-w -s \
  -X $v3/internal/version.version=$HELM3_VERSION \
  -X $v3/internal/version.gitCommit=$HELM3_COMMIT -X $v3/internal/version.gitTreeState=clean \
  -X $v3/pkg/lint/rules.k8sVersionMajor=1 -X $v3/pkg/lint/rules.k8sVersionMinor=36 \
  -X $v3/pkg/chartutil.k8sVersionMajor=1 -X $v3/pkg/chartutil.k8sVersionMinor=36"

# actionlint reports its version from the module's build info (go install), so no ldflags.
install actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12 "-w -s"
install registry github.com/google/go-containerregistry/cmd/registry v0.22.1 "-w -s"

# Weaviate servers the upgrade test runs on one data folder: 1.19.0 (the 1.7.1 chart's image), 1.24.26
# (newest 1.24 patch the module proxy serves; 1.24 is the last minor before Raft, and it moves a 1.19
# folder's shard files into the per-shard layout, which 1.27.0 alone does not) and 1.27.0 (this chart's
# weaviate.image.tag). CGO off, static like the images' own builds; all three build unchanged on Go 1.26.
for v in 1.19.0 1.24.26 1.27.0; do
  CGO_ENABLED=0 install "weaviate-$v" github.com/weaviate/weaviate/cmd/weaviate-server "v$v" "-w -s"
done

v4=helm.sh/helm/v4
# Helm 4 reads the Kubernetes version from its client-go module version at run time.
install helm4 "$v4/cmd/helm" "$HELM4_VERSION" "-w -s \
  -X $v4/internal/version.version=$HELM4_VERSION -X $v4/internal/version.gitTreeState=clean"

# The API-server tests (test/cluster). k8s.io/kubernetes is built as a dependency of tools/kube,
# whose go.mod pins its staging modules; go install relinks nothing that is up to date. The
# version ldflags are those of Kubernetes' hack/lib/version.sh: without them the server and
# kubectl call themselves v0.0.0-master, and Helm would read that as the cluster's version.
KUBE_VERSION=v1.37.2
kube_ldflags="-w -s"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=37 -X $pkg.gitTreeState=clean"
done
start=$SECONDS
(cd kube && CGO_ENABLED=0 GOBIN="$PWD/../.build/kube" go install -ldflags "$kube_ldflags" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl)
ln -sf ../.build/kube/kube-apiserver bin/kube-apiserver
ln -sf ../.build/kube/kubectl bin/kubectl
echo "tools: kube-apiserver, kubectl (k8s.io/kubernetes@$KUBE_VERSION) ready in $((SECONDS - start)) s" >&2

start=$SECONDS
(cd etcd && CGO_ENABLED=0 GOBIN="$PWD/../.build/etcd" go install -ldflags "-w -s" .)
ln -sf ../.build/etcd/etcd bin/etcd
echo "tools: etcd (go.etcd.io/etcd/server/v3@v3.7.3 embed) ready in $((SECONDS - start)) s" >&2

# CRDs of the optional objects, read from the module cache at test time (never copied here).
start=$SECONDS
moddir() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }
gateway=$(moddir sigs.k8s.io/gateway-api@v1.6.3)
eso=$(moddir github.com/external-secrets/external-secrets@v0.16.2)
test -d "$gateway/config/crd/standard" && test -f "$eso/deploy/crds/bundle.yaml"
printf '{"gatewayApi": "%s/config/crd/standard", "externalSecrets": "%s/deploy/crds/bundle.yaml"}\n' "$gateway" "$eso" >bin/crds.json.tmp
mv bin/crds.json.tmp bin/crds.json
echo "tools: CRDs (gateway-api@v1.6.3, external-secrets@v0.16.2) ready in $((SECONDS - start)) s" >&2

bin/helm3 version --short >&2
bin/helm4 version --short >&2
bin/kube-apiserver --version >&2
bin/kubectl version --client >&2
bin/actionlint -version >&2

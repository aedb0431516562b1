#!/usr/bin/env bash
# Builds the real tools the tests judge against, from their own Go modules at pinned versions,
# into tools/bin (ignored by git). Go's module and build caches make a second run take seconds.
#   tools/bin/helm3  helm.sh/helm/v3 v3.21.4
#   tools/bin/helm4  helm.sh/helm/v4 v4.3.2
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

v4=helm.sh/helm/v4
# Helm 4 reads the Kubernetes version from its client-go module version at run time.
install helm4 "$v4/cmd/helm" "$HELM4_VERSION" "-w -s \
  -X $v4/internal/version.version=$HELM4_VERSION -X $v4/internal/version.gitTreeState=clean"

bin/helm3 version --short >&2
bin/helm4 version --short >&2

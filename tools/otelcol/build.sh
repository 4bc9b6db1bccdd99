#!/usr/bin/env bash
# tools/otelcol/build.sh — build the OpenTelemetry Collector of tools/otelcol (exactly the
# components the charts' generated collector configuration uses) from the Go module proxy into a
# cache folder outside git, and print the binary's path on stdout. Re-used when present: the key
# is a hash of go.mod, go.sum, main.go, this script and the Go version, so a change of any pin
# builds a new folder.
#
# Usage:  tools/otelcol/build.sh            build when missing, print <cache>/otelcol
#         tools/otelcol/build.sh print-path print the path only (no build; it may not exist)
# Env:    OTELCOL_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/user-platform-otelcol)
#         OTELCOL_JOBS       go build -p (default: nproc)
# Logs go to stderr. Other users: tools/otelcol/README.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[otelcol %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The collector release: core v1.67.0 / v0.161.0, contrib v0.161.0 (k8sattributesprocessor v1.0.0,
# its first v1 release, goes with the same core). It matches the collector image tag of
# charts/config/environments.ts; the pins themselves live in go.mod.
VERSION=$(sed -n 's#^\tgo.opentelemetry.io/collector/otelcol \(v[^ ]*\).*#\1#p' "$SCRIPT_DIR/go.mod")
[[ -n $VERSION ]] || { log "ERROR: no go.opentelemetry.io/collector/otelcol pin in go.mod"; exit 1; }

key=$(cd "$SCRIPT_DIR" && { cat go.mod go.sum main.go build.sh; go env GOVERSION GOOS GOARCH; } \
  | sha256sum | cut -c1-16)
CACHE_ROOT=${OTELCOL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/user-platform-otelcol}
DIR=$CACHE_ROOT/$key
BIN=$DIR/otelcol

if [[ ${1:-} == print-path ]]; then
  echo "$BIN"
  exit 0
fi

if [[ -x $BIN ]]; then
  echo "$BIN"
  exit 0
fi

mkdir -p "$DIR"
tmp=$(mktemp "$DIR/.otelcol.XXXXXX")
trap 'rm -f "$tmp"' EXIT
log "building the collector $VERSION into $DIR (cold: a few minutes)"
started=$(date +%s)
(
  cd "$SCRIPT_DIR"
  # -mod=readonly: go.mod and go.sum are the pins; a build never rewrites them.
  nice go build -mod=readonly -trimpath -p "${OTELCOL_JOBS:-$(nproc)}" \
    -ldflags "-s -w -X main.version=$VERSION" -o "$tmp" .
)
chmod 0755 "$tmp"
mv -f "$tmp" "$BIN"
trap - EXIT
log "built in $(( $(date +%s) - started ))s"
echo "$BIN"

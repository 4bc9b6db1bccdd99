#!/usr/bin/env bash
# test/e2e/node/tools.sh — build what a real node needs on top of test/e2e/tools.sh: kubelet and
# kube-proxy (k8s.io/kubernetes at tools.sh's KUBE_VERSION) and CoreDNS (a build with only the
# plugins the e2e Corefile uses), into a cache folder of its own. tools.sh is not changed: its pins
# are read from it, so this cache key follows them, and the wrapper module requires exactly what
# tools.sh's src/tools requires (same version selection, so the Go build cache is shared with the
# kube-apiserver build: packages compiled there are not compiled again).
#
# Usage:  test/e2e/node/tools.sh [all|print-dir]   (all: build what is missing, print the bin dir)
# Environment: E2E_NODE_TOOLS_DIR cache folder (default ~/.cache/user-platform-e2e-node/<key>),
#              E2E_TOOLS_JOBS go build -p (default nproc).
# Logs: <cache>/logs/<tool>.log; per-tool timings: <cache>/timings.txt.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS_SH=$SCRIPT_DIR/../tools.sh

# ---------------------------------------------------------------- pins
COREDNS_VERSION=v1.12.3   # the last CoreDNS release on k8s.io/client-go v0.32 (v1.12.4 needs v0.34)
COREDNS_PLUGINS="bind errors log health ready kubernetes cache loadbalance"
RECIPE=1

pin() { # pin NAME: its value in tools.sh (one fact, one place)
  local v
  v=$(sed -n "s/^$1=\([^ ]*\).*/\1/p" "$TOOLS_SH" | head -n1)
  [[ -n $v ]] || { echo "[node-tools] ERROR: no $1= in $TOOLS_SH" >&2; exit 1; }
  echo "$v"
}
KUBE_VERSION=$(pin KUBE_VERSION)
ETCD_VERSION=$(pin ETCD_VERSION)
KWOK_VERSION=$(pin KWOK_VERSION)
PULUMI_VERSION=$(pin PULUMI_DEFAULT_VERSION)
CLIPBOARD_REPLACE=$(pin CLIPBOARD_REPLACE)
PULUMI_K8S_PROVIDER_MODULE=$(pin PULUMI_K8S_PROVIDER_MODULE)
PULUMI_K8S_PROVIDER_PSEUDO=$(pin PULUMI_K8S_PROVIDER_PSEUDO)
PULUMI_K8S_SDK_VERSION=$(pin PULUMI_K8S_SDK_VERSION)
OTELGRPC_MODULE=$(pin OTELGRPC_MODULE)
OTELGRPC_VERSION=$(pin OTELGRPC_VERSION)

PINS="kube=$KUBE_VERSION etcd=$ETCD_VERSION kwok=$KWOK_VERSION pulumi=$PULUMI_VERSION clip=$CLIPBOARD_REPLACE \
otelgrpc=$OTELGRPC_VERSION k8sprov=$PULUMI_K8S_PROVIDER_PSEUDO:$PULUMI_K8S_SDK_VERSION coredns=$COREDNS_VERSION \
plugins=$COREDNS_PLUGINS recipe=$RECIPE go=$(go env GOVERSION)"
KEY=$(printf '%s' "$PINS" | sha256sum | cut -c1-12)
CACHE=${E2E_NODE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/user-platform-e2e-node/$KEY}
BIN=$CACHE/bin STAMPS=$CACHE/stamps LOGS=$CACHE/logs
JOBS=${E2E_TOOLS_JOBS:-$(nproc)}
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

log() { printf '[node-tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[node-tools] ERROR: %s\n' "$*" >&2; exit 1; }

timed() { # timed <tool> <function>
  local tool=$1 fn=$2 start status=0
  if [[ -f $STAMPS/$tool ]]; then log "$tool: cached"; return 0; fi
  log "$tool: building (log: $LOGS/$tool.log)"
  start=$(date +%s)
  ( "$fn" ) >"$LOGS/$tool.log" 2>&1 &
  wait $! || status=$?
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$LOGS/$tool.log" >&2
    die "$tool failed after $(($(date +%s) - start))s (exit $status); full log: $LOGS/$tool.log"
  fi
  touch "$STAMPS/$tool"
  printf '%-12s %5ds (cold build)\n' "$tool" "$(($(date +%s) - start))" | tee -a "$CACHE/timings.txt" >&2
}

gomod_of() { go mod download -json "$1" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p'; }

# the same go.mod as tools.sh's src/tools (same requires, same replaces: same selection, so the
# build cache of kube-apiserver & co. is reused). CoreDNS is not added here: it would raise
# prometheus/common and etcd's client, and with them nearly every Kubernetes package.
wrapper_gomod() {
  local kube_mod pulumi_mod staging
  kube_mod=$(gomod_of "k8s.io/kubernetes@$KUBE_VERSION")
  pulumi_mod=$(gomod_of "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION")
  [[ -f $kube_mod && -f $pulumi_mod ]] || { echo "go.mod of kubernetes or pulumi not downloaded"; return 1; }
  echo "module e2etools/node"
  echo
  grep -E '^go [0-9]' "$pulumi_mod"
  grep -E '^godebug ' "$kube_mod" || true
  echo
  echo "require ("
  echo "	k8s.io/kubernetes $KUBE_VERSION"
  echo "	go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  echo "	sigs.k8s.io/kwok $KWOK_VERSION"
  echo "	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION"
  echo "	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION"
  echo "	$PULUMI_K8S_PROVIDER_MODULE $PULUMI_K8S_PROVIDER_PSEUDO"
  echo ")"
  echo
  for staging in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$kube_mod" | sort -u); do
    echo "replace $staging => $staging v0.${KUBE_VERSION#v1.}"
  done
  echo "replace github.com/atotto/clipboard => ${CLIPBOARD_REPLACE%@*} ${CLIPBOARD_REPLACE#*@}"
  echo "replace $OTELGRPC_MODULE => $OTELGRPC_MODULE $OTELGRPC_VERSION"
  echo "replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 $PULUMI_K8S_SDK_VERSION"
}

version_ldflags() {
  local x ld="-s -w" minor
  minor=$(cut -d. -f2 <<<"$KUBE_VERSION")
  for x in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $x.gitVersion=$KUBE_VERSION -X $x.gitMajor=1 -X $x.gitMinor=$minor"
    ld+=" -X $x.gitTreeState=clean -X $x.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$ld"
}

build_node() {
  local w=$CACHE/src/node
  mkdir -p "$w"
  wrapper_gomod >"$w/go.mod"
  cat "$w/go.mod"
  cd "$w"
  go list -m google.golang.org/grpc k8s.io/client-go go.opentelemetry.io/otel
  go build -p "$JOBS" -trimpath -gcflags=all=-dwarf=false -ldflags "$(version_ldflags)" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  # grep without -q (it would exit at the match, and tee die of SIGPIPE: exit 141 under pipefail)
  "$BIN/kubelet" --version | tee /dev/stderr | grep -x "Kubernetes $KUBE_VERSION" >/dev/null
  "$BIN/kube-proxy" --version | tee /dev/stderr | grep -x "Kubernetes $KUBE_VERSION" >/dev/null
}

# CoreDNS in a module of its own, with only the plugins the e2e Corefile names (coredns.io:
# compile-time plugin selection: a main that imports coremain and the wanted plugins)
build_coredns() {
  local w=$CACHE/src/coredns p
  mkdir -p "$w"
  cd "$w"
  printf 'module e2etools/coredns

go 1.24

require github.com/coredns/coredns %s
' "$COREDNS_VERSION" >go.mod
  {
    echo "// generated by test/e2e/node/tools.sh: CoreDNS $COREDNS_VERSION with plugins: $COREDNS_PLUGINS"
    echo "package main"
    echo
    echo "import ("
    echo "	\"github.com/coredns/coredns/coremain\""
    for p in $COREDNS_PLUGINS; do echo "	_ \"github.com/coredns/coredns/plugin/$p\""; done
    echo ")"
    echo
    echo "func main() { coremain.Run() }"
  } >main.go
  go build -p "$JOBS" -trimpath -gcflags=all=-dwarf=false -ldflags "-s -w" -o "$BIN/coredns" .
  "$BIN/coredns" -plugins | tee /dev/stderr | grep -x 'kubernetes' >/dev/null
}

main() {
  if [[ ${1:-all} == print-dir ]]; then echo "$CACHE"; return 0; fi
  [[ ${1:-all} == all ]] || die "unknown target: $1"
  mkdir -p "$BIN" "$STAMPS" "$LOGS"
  exec 9>"$CACHE/.lock"
  flock 9
  log "cache: $CACHE"
  log "pins:  $PINS"
  timed kubelet build_node
  timed coredns build_coredns
  echo "$BIN"
}

main "$@"; exit $?

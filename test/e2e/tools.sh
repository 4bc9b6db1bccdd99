#!/usr/bin/env bash
# test/e2e/tools.sh — build the real binaries the end-to-end tests need, from the Go module proxy
# (and Debian), into a cache folder outside git. Re-used when present; a change of any pin below
# changes the cache key, so a new folder is built.
#
# Usage:  test/e2e/tools.sh [all|kube|etcd|kwok|pulumi|pulumi-kubernetes|policy-analyzer|env|print-dir] ...
#   all (default)  build whatever is missing, write <cache>/env.sh, print the bin dir on stdout
#   print-dir      print the cache dir (no build)
# Then:   source "$(test/e2e/tools.sh print-dir)/env.sh"
#
# Environment:
#   E2E_TOOLS_DIR   cache folder (default: ~/.cache/user-platform-e2e/<hash of the pins>)
#   E2E_TOOLS_JOBS  go build -p (default: nproc)
# Logs go to stderr and <cache>/logs/<tool>.log; per-tool timings to <cache>/timings.txt.
set -euo pipefail

# ---------------------------------------------------------------- pins
KUBE_VERSION=v1.33.13           # k8s.io/kubernetes; staging modules published as k8s.io/X v0.33.13
ETCD_VERSION=v3.5.21            # go.etcd.io/etcd/server/v3 — what k8s.io/kubernetes v1.33.x pins
KWOK_VERSION=v0.7.0             # sigs.k8s.io/kwok
PULUMI_DEFAULT_VERSION=3.248.0  # github.com/pulumi/pulumi/pkg/v3 — must equal npm @pulumi/pulumi
CLIPBOARD_REPLACE=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e # pkg/v3 go.mod
# pulumi-resource-kubernetes: the provider module has no tags of its own, and the Go module proxy
# reachable here serves exactly one version of it: the commit of 2026-01-15, one day before the
# sdk/v4.25.0 tag (2026-01-16, 144dd813). Its schema has the same API groups as npm 4.25.0 (no
# resource.k8s.io/v1, which 4.34.x has). sdk/v4 v4.34.x and provider commits of 4.34.x are refused
# ("not available"), so 4.34.2 cannot be built here: the repo should pin @pulumi/kubernetes 4.25.0.
PULUMI_K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
PULUMI_K8S_PROVIDER_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199
PULUMI_K8S_SDK_VERSION=v4.25.0  # published sdk/v4 that replaces the provider's `=> ../sdk`
PULUMI_K8S_VERSION=4.25.0       # version stamped into the binary and used for `pulumi plugin install`
# pulumi-analyzer-policy: the shell shim Pulumi ships for running Node.js policy packs without a
# language host (CLI: no pulumi-language-nodejs plugin -> runs `pulumi-analyzer-policy-nodejs`).
# It lives in the sdk/v3 module zip at nodejs/dist/ up to v3.219.0 (removed by v3.222.0).
PULUMI_ANALYZER_SDK_VERSION=v3.219.0
RECIPE=3                        # bump when the build recipe changes in a way the pins do not show

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

log() { printf '[tools %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- pulumi version (npm <-> Go pin)
find_pulumi_npm_version() {
  local f
  for f in "$REPO_ROOT/node_modules/@pulumi/pulumi/package.json" \
           $(find "$REPO_ROOT" -maxdepth 5 -path '*/node_modules/@pulumi/pulumi/package.json' \
               -not -path '*/node_modules/*/node_modules/*' 2>/dev/null | sort); do
    [[ -f $f ]] || continue
    node -e 'process.stdout.write(require(process.argv[1]).version)' "$f"
    return 0
  done
  return 0
}
PULUMI_VERSION=$PULUMI_DEFAULT_VERSION
NPM_PULUMI_VERSION=$(find_pulumi_npm_version || true)
if [[ -n ${NPM_PULUMI_VERSION:-} && $NPM_PULUMI_VERSION != "$PULUMI_DEFAULT_VERSION" ]]; then
  die "node_modules has @pulumi/pulumi $NPM_PULUMI_VERSION but tools.sh pins the Pulumi CLI at \
$PULUMI_DEFAULT_VERSION: keep them equal (change PULUMI_DEFAULT_VERSION in test/e2e/tools.sh or the npm pin)"
fi

PINS="kube=$KUBE_VERSION etcd=$ETCD_VERSION kwok=$KWOK_VERSION pulumi=$PULUMI_VERSION \
clip=$CLIPBOARD_REPLACE analyzer=$PULUMI_ANALYZER_SDK_VERSION k8sprov=$PULUMI_K8S_PROVIDER_PSEUDO:$PULUMI_K8S_SDK_VERSION:$PULUMI_K8S_VERSION recipe=$RECIPE \
go=$(go env GOVERSION)"
KEY=$(printf '%s' "$PINS" | sha256sum | cut -c1-12)
CACHE=${E2E_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/user-platform-e2e/$KEY}
BIN=$CACHE/bin
STAMPS=$CACHE/stamps
LOGS=$CACHE/logs
JOBS=${E2E_TOOLS_JOBS:-$(nproc)}
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

# ---------------------------------------------------------------- helpers
timed() { # timed <tool> <function>: run unless stamped; record seconds
  local tool=$1 fn=$2 start end status
  if [[ -f $STAMPS/$tool ]]; then
    log "$tool: cached"
    printf '%-20s cached\n' "$tool" >>"$CACHE/timings.run"
    return 0
  fi
  log "$tool: building (log: $LOGS/$tool.log)"
  start=$(date +%s)
  status=0
  # background subshell + wait: keeps `set -e` active inside the build function
  ( "$fn" ) >"$LOGS/$tool.log" 2>&1 &
  wait $! || status=$?
  end=$(date +%s)
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$LOGS/$tool.log" >&2
    die "$tool failed after $((end - start))s (exit $status); full log: $LOGS/$tool.log"
  fi
  touch "$STAMPS/$tool"
  printf '%-20s %5ds (cold build)\n' "$tool" "$((end - start))" | tee -a "$CACHE/timings.txt" >>"$CACHE/timings.run"
  log "$tool: done in $((end - start))s"
}

# ---------------------------------------------------------------- kubernetes
build_kube() {
  local w=$CACHE/src/kube mod dir minor staging ver=${KUBE_VERSION#v}
  mkdir -p "$w"
  mod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  [[ -f $mod ]] || { echo "no go.mod for k8s.io/kubernetes@$KUBE_VERSION"; return 1; }
  minor=$(cut -d. -f2 <<<"$ver")
  {
    echo "module e2etools/kube"
    echo
    grep -E '^go [0-9]' "$mod"
    grep -E '^godebug ' "$mod" || true
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    # every staging module (k8s.io/X v0.0.0) -> its published v0.<minor>.<patch>
    for staging in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$mod" | sort -u); do
      echo "replace $staging => $staging v0.${ver#1.}"
    done
  } >"$w/go.mod"
  cat "$w/go.mod"
  local pkg=k8s.io/component-base/version cpkg=k8s.io/client-go/pkg/version x ld="-s -w"
  for x in $pkg $cpkg; do
    ld+=" -X $x.gitVersion=$KUBE_VERSION -X $x.gitMajor=1 -X $x.gitMinor=$minor"
    ld+=" -X $x.gitTreeState=clean -X $x.buildDate=1970-01-01T00:00:00Z"
  done
  cd "$w"
  go build -p "$JOBS" -trimpath -ldflags "$ld" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl
  for x in kube-apiserver kube-controller-manager kube-scheduler; do "$BIN/$x" --version; done
  "$BIN/kubectl" version --client
  "$BIN/kube-apiserver" --version | grep -qx "Kubernetes $KUBE_VERSION"
}

# ---------------------------------------------------------------- etcd
build_etcd() {
  local w=$CACHE/src/etcd
  mkdir -p "$w"
  cat >"$w/go.mod" <<EOF
module e2etools/etcd

go 1.23

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  cd "$w"
  go build -p "$JOBS" -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  "$BIN/etcd" --version
  "$BIN/etcd" --version | grep -q "etcd Version: ${ETCD_VERSION#v}"
}

# ---------------------------------------------------------------- kwok
build_kwok() {
  GOBIN=$BIN go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  "$BIN/kwok" --version
}

# ---------------------------------------------------------------- pulumi CLI
build_pulumi() {
  local w=$CACHE/src/pulumi mod
  mkdir -p "$w"
  mod=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  {
    echo "module e2etools/pulumi"
    echo
    grep -E '^go [0-9]' "$mod"
    echo
    echo "require ("
    echo "	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION"
    echo "	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION"
    echo ")"
    echo
    # pkg/v3's own replaces, local paths swapped for published versions
    echo "replace github.com/atotto/clipboard => ${CLIPBOARD_REPLACE%@*} ${CLIPBOARD_REPLACE#*@}"
  } >"$w/go.mod"
  grep -E '^replace ' "$mod" || true
  cat "$w/go.mod"
  cd "$w"
  go build -p "$JOBS" -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  "$BIN/pulumi" version
  [[ $("$BIN/pulumi" version) == "v$PULUMI_VERSION" ]]
}

# ---------------------------------------------------------------- pulumi-resource-kubernetes
build_pulumi_kubernetes() {
  local w=$CACHE/src/pulumi-kubernetes dir
  dir=$(go mod download -json "$PULUMI_K8S_PROVIDER_MODULE@$PULUMI_K8S_PROVIDER_PSEUDO" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || { echo "module $PULUMI_K8S_PROVIDER_MODULE@$PULUMI_K8S_PROVIDER_PSEUDO not downloaded"; return 1; }
  rm -rf "$w"
  mkdir -p "$(dirname "$w")"
  cp -r "$dir" "$w"
  chmod -R u+w "$w"
  cd "$w"
  grep -n '^replace' go.mod || true
  go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@$PULUMI_K8S_SDK_VERSION"
  # the embedded schema-embed.json / terraform-mapping-embed.json are generated, not in the module zip
  (cd cmd/pulumi-resource-kubernetes && VERSION=$PULUMI_K8S_VERSION go run generate.go)
  ls -l cmd/pulumi-resource-kubernetes/*-embed.json
  go build -p "$JOBS" -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_K8S_VERSION" \
    -o "$BIN/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  # a provider plugin has no --version: start it, it prints its gRPC port, then stop it
  local port
  port=$(timeout 20 "$BIN/pulumi-resource-kubernetes" </dev/null 2>/dev/null | head -n1 || true)
  echo "pulumi-resource-kubernetes started and printed port: $port"
  [[ $port =~ ^[0-9]+$ ]]
  # also register it in PULUMI_HOME (a pulumi-resource-kubernetes on PATH is used as an ambient plugin)
  PULUMI_HOME=$CACHE/pulumi-home PULUMI_SKIP_UPDATE_CHECK=true \
    "$BIN/pulumi" plugin install resource kubernetes "v$PULUMI_K8S_VERSION" --file "$BIN/pulumi-resource-kubernetes"
  PULUMI_HOME=$CACHE/pulumi-home PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" plugin ls
}

# ---------------------------------------------------------------- pulumi-analyzer-policy-nodejs
# With no pulumi-language-nodejs plugin (its module is refused by the proxy, README "Known gaps"),
# `pulumi preview --policy-pack DIR` of a nodejs pack runs the analyzer plugin
# `pulumi-analyzer-policy-nodejs <engine> .` in DIR (sdk/v3 go/common/resource/plugin
# NewPolicyAnalyzer, "the old behavior"). Pulumi's own shim for it resolves
# @pulumi/pulumi/cmd/run-policy-pack from DIR and runs it with node: install that file unchanged.
build_policy_analyzer() {
  local dir src
  dir=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_ANALYZER_SDK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  src=$dir/nodejs/dist/pulumi-analyzer-policy
  [[ -f $src ]] || { echo "no nodejs/dist/pulumi-analyzer-policy in sdk/v3@$PULUMI_ANALYZER_SDK_VERSION"; return 1; }
  cat "$src"
  grep -q "@pulumi/pulumi/cmd/run-policy-pack" "$src"
  install -m 0755 "$src" "$BIN/pulumi-analyzer-policy-nodejs"
}

check_pulumi_kubernetes_npm() {
  local f v
  f=$(find "$REPO_ROOT" -maxdepth 5 -path '*/node_modules/@pulumi/kubernetes/package.json' \
        -not -path '*/node_modules/*/node_modules/*' 2>/dev/null | sort | head -n1)
  [[ -n $f ]] || return 0
  v=$(node -e 'const p=require(process.argv[1]);process.stdout.write((p.pulumi&&p.pulumi.version)||p.version)' "$f")
  if [[ $v != "$PULUMI_K8S_VERSION" ]]; then
    log "WARNING: $f declares plugin kubernetes $v, but the provider built here is $PULUMI_K8S_VERSION"
    log "WARNING: (only that provider commit is served); it is on PATH, so Pulumi uses it as an ambient"
    log "WARNING: plugin for any requested version. Pin @pulumi/kubernetes to $PULUMI_K8S_VERSION to match."
  fi
}

# ---------------------------------------------------------------- env.sh
write_env() {
  cat >"$CACHE/env.sh" <<EOF
# generated by test/e2e/tools.sh (pins: $PINS)
export E2E_TOOLS_DIR="$CACHE"
export PATH="$BIN:\$PATH"
export PULUMI_HOME="$CACHE/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CONFIG_PASSPHRASE="\${PULUMI_CONFIG_PASSPHRASE-e2e}"
export PULUMI_BACKEND_URL="\${PULUMI_BACKEND_URL:-file://$CACHE/pulumi-state}"
EOF
  mkdir -p "$CACHE/pulumi-home" "$CACHE/pulumi-state"
}

# ---------------------------------------------------------------- main
main() {
  local targets=("$@") t
  [[ ${#targets[@]} -gt 0 ]] || targets=(all)
  if [[ ${targets[0]} == print-dir ]]; then echo "$CACHE"; return 0; fi
  mkdir -p "$BIN" "$STAMPS" "$LOGS"
  : >"$CACHE/timings.run"
  log "cache: $CACHE"
  log "pins:  $PINS"
  local t0; t0=$(date +%s)
  for t in "${targets[@]}"; do
    case $t in
      all)
        timed kube build_kube
        timed etcd build_etcd
        timed kwok build_kwok
        timed pulumi build_pulumi
        timed pulumi-kubernetes build_pulumi_kubernetes
        timed policy-analyzer build_policy_analyzer
        ;;
      kube) timed kube build_kube ;;
      etcd) timed etcd build_etcd ;;
      kwok) timed kwok build_kwok ;;
      pulumi) timed pulumi build_pulumi ;;
      pulumi-kubernetes)
        [[ -f $STAMPS/pulumi ]] || timed pulumi build_pulumi
        timed pulumi-kubernetes build_pulumi_kubernetes ;;
      policy-analyzer) timed policy-analyzer build_policy_analyzer ;;
      env) ;;
      *) die "unknown target: $t" ;;
    esac
  done
  write_env
  check_pulumi_kubernetes_npm
  printf '%-20s %5ds\n' total "$(($(date +%s) - t0))" >>"$CACHE/timings.run"
  log "timings (this run):"
  sed 's/^/    /' "$CACHE/timings.run" >&2
  log "env file: $CACHE/env.sh"
  echo "$BIN"
}

main "$@"; exit $?  # one line: bash never reads past it, even if this file is edited meanwhile

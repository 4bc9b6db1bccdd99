#!/usr/bin/env bash
# test/e2e/tools.sh — build the real binaries the end-to-end tests need, from the Go module proxy
# (and Debian), into a cache folder outside git. Re-used when present; a change of any pin below
# changes the cache key, so a new folder is built.
#
# Usage:  test/e2e/tools.sh [all|env|print-dir]
#   all (default)  build whatever is missing, write <cache>/env.sh, print the bin dir on stdout
#   print-dir      print the cache dir (no build)
# Then:   source "$(test/e2e/tools.sh print-dir)/env.sh"
#
# Environment:
#   E2E_TOOLS_DIR   cache folder (default: ~/.cache/user-platform-e2e/<hash of the pins>)
#   E2E_TOOLS_JOBS  go build -p (default: nproc)
#   E2E_LANGHOST_SRC source of pulumi-language-nodejs (default: ../shared/third_party/
#                   pulumi-language-nodejs-v<pulumi version> next to the checkout)
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
OTELGRPC_MODULE=go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc
OTELGRPC_VERSION=v0.58.0        # what k8s.io/kubernetes v1.33.x pins (see "the build recipe")
# pulumi-language-nodejs: the Node.js language host (`pulumi up` of a `runtime: nodejs` project and
# of Node.js policy packs). The Go module proxy does not serve its module, so CI builds it from its
# upstream source at the CLI's tag, kept next to the checkout (CI tooling only; the project never
# needs it): ../shared/third_party/pulumi-language-nodejs-v<PULUMI_VERSION> (its README). Its stamp
# is keyed by a hash of those files, so it rebuilds alone when they change; it is not in the cache
# key (it shares nothing with the long builds).
RECIPE=4                        # bump when the build recipe changes in a way the pins do not show

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
LANGHOST_SRC=${E2E_LANGHOST_SRC:-$REPO_ROOT/../shared/third_party/pulumi-language-nodejs-v$PULUMI_VERSION}

PINS="kube=$KUBE_VERSION etcd=$ETCD_VERSION kwok=$KWOK_VERSION pulumi=$PULUMI_VERSION \
clip=$CLIPBOARD_REPLACE otelgrpc=$OTELGRPC_VERSION k8sprov=$PULUMI_K8S_PROVIDER_PSEUDO:$PULUMI_K8S_SDK_VERSION:$PULUMI_K8S_VERSION recipe=$RECIPE \
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

# ---------------------------------------------------------------- the build recipe
# Two wrapper modules, built one after the other with one `go build` each, so that every package
# the tools share (client-go, apimachinery, api, grpc, protobuf, otel, ...) compiles once:
#   src/tools     kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok and
#                 the pulumi CLI. It requires all of them plus the Kubernetes provider module (for
#                 version selection only), so Go's minimal version selection picks one version of
#                 every shared dependency, the newest that any of them requires.
#   src/provider  pulumi-resource-kubernetes: the provider module's own source (plus its two
#                 generated files), its requirements raised to exactly src/tools' selection, except
#                 github.com/pulumi/pulumi/{pkg,sdk}/v3, kept at the provider's own pin (its code
#                 does not compile against pkg/v3 3.248, whose PackageSpec.Provider is a pointer).
#                 Packages with the same version and dependencies hit the build cache of src/tools.
# Replacements in both: every k8s.io staging module `v0.0.0` -> its published v0.<minor>.<patch>
# (k8s.io/kubernetes' go.mod points them at ./staging); pkg/v3's clipboard replace; otelgrpc held
# at OTELGRPC_VERSION (kube-apiserver 1.33 calls its UnaryClientInterceptor, removed in later
# releases); sdk/v4 (the provider's `=> ../sdk`) -> the published PULUMI_K8S_SDK_VERSION.
# Compiler flags: no DWARF (-s -w strips it from the binaries anyway), and the provider's
# generated Go SDK (sdk/v4/go/..., ~70 packages of generated types that only its yaml/v2 and
# helm/v4 components use) without optimisation: it is the largest compile of all.
GCFLAGS=(-gcflags=all=-dwarf=false "-gcflags=github.com/pulumi/pulumi-kubernetes/sdk/v4/...=-N -l -dwarf=false")

gomod_of() { # gomod_of MODULE@VERSION: path of its downloaded go.mod
  go mod download -json "$1" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p'
}
dir_of() { # dir_of MODULE@VERSION: path of its downloaded source
  go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

# the replace lines both modules share
shared_replaces() {
  local kube_mod=$1 staging
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
  ld+=" -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
  ld+=" -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
  echo "$ld"
}

# ---------------------------------------------------------------- src/tools: kube, etcd, kwok, pulumi
build_tools() {
  local w=$CACHE/src/tools kube_mod pulumi_mod
  mkdir -p "$w"
  kube_mod=$(gomod_of "k8s.io/kubernetes@$KUBE_VERSION")
  pulumi_mod=$(gomod_of "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION")
  [[ -f $kube_mod && -f $pulumi_mod ]] || { echo "go.mod of kubernetes or pulumi not downloaded"; return 1; }
  {
    echo "module e2etools/tools"
    echo
    # the newest go directive among them (pulumi's); kube's godebug default keeps its behaviour
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
    shared_replaces "$kube_mod"
  } >"$w/go.mod"
  cat "$w/go.mod"
  cd "$w"
  go list -m google.golang.org/grpc k8s.io/client-go go.opentelemetry.io/otel
  go build -p "$JOBS" -trimpath "${GCFLAGS[@]}" -ldflags "$(version_ldflags)" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl \
    go.etcd.io/etcd/server/v3 \
    sigs.k8s.io/kwok/cmd/kwok \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$BIN/server" "$BIN/etcd" # `go build -o dir/` names go.etcd.io/etcd/server/v3 after "server"
  # grep reads to the end (no -q): with -q it exits at the match and tee, still writing, dies of
  # SIGPIPE (exit 141 under pipefail): a cold build failed so after 2763 s of compiling.
  local x
  for x in kube-apiserver kube-controller-manager kube-scheduler; do
    "$BIN/$x" --version | tee /dev/stderr | grep -x "Kubernetes $KUBE_VERSION" >/dev/null
  done
  "$BIN/kubectl" version --client | tee /dev/stderr | grep "Client Version: $KUBE_VERSION" >/dev/null
  "$BIN/etcd" --version | tee /dev/stderr | grep "etcd Version: ${ETCD_VERSION#v}" >/dev/null
  "$BIN/kwok" --version | tee /dev/stderr | grep "$KWOK_VERSION" >/dev/null
  [[ $("$BIN/pulumi" version) == "v$PULUMI_VERSION" ]]
}

# ---------------------------------------------------------------- src/provider: pulumi-resource-kubernetes
build_pulumi_kubernetes() {
  local w=$CACHE/src/provider dir kube_mod pulumi_pin path version req=()
  dir=$(dir_of "$PULUMI_K8S_PROVIDER_MODULE@$PULUMI_K8S_PROVIDER_PSEUDO")
  [[ -d $dir ]] || { echo "module $PULUMI_K8S_PROVIDER_MODULE@$PULUMI_K8S_PROVIDER_PSEUDO not downloaded"; return 1; }
  kube_mod=$(gomod_of "k8s.io/kubernetes@$KUBE_VERSION")
  rm -rf "$w"
  cp -r "$dir" "$w"
  chmod -R u+w "$w"
  cd "$w"
  grep -n '^replace' go.mod || true
  pulumi_pin=$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" {print $2; exit}' go.mod)
  [[ -n $pulumi_pin ]] || { echo "the provider's go.mod does not require github.com/pulumi/pulumi/sdk/v3"; return 1; }
  # src/tools' selection of every module, but the provider and pulumi's pkg/sdk
  while read -r path version; do
    case $path in
      "$PULUMI_K8S_PROVIDER_MODULE" | github.com/pulumi/pulumi/pkg/v3 | github.com/pulumi/pulumi/sdk/v3) ;;
      *) req+=("-require=$path@$version") ;;
    esac
  done < <(cd "$CACHE/src/tools" && go list -m -f '{{if not .Main}}{{.Path}} {{.Version}}{{end}}' all)
  go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 "${req[@]}"
  shared_replaces "$kube_mod" >>go.mod
  for path in github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3; do
    echo "replace $path => $path $pulumi_pin" >>go.mod
  done
  echo "go.mod: ${#req[@]} requirements from src/tools, pulumi pkg/sdk kept at $pulumi_pin"
  go list -m google.golang.org/grpc k8s.io/client-go github.com/pulumi/pulumi/sdk/v3 github.com/pulumi/pulumi-kubernetes/sdk/v4
  # the embedded schema-embed.json / terraform-mapping-embed.json are generated, not in the module zip
  (cd cmd/pulumi-resource-kubernetes && VERSION=$PULUMI_K8S_VERSION go run -trimpath "${GCFLAGS[@]}" generate.go)
  ls -l cmd/pulumi-resource-kubernetes/*-embed.json
  go build -p "$JOBS" -trimpath "${GCFLAGS[@]}" \
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

# ---------------------------------------------------------------- pulumi-language-nodejs
# The upstream source at the CLI's tag (five files, unchanged) with a go.mod that requires the
# published sdk/v3 and pkg/v3 (LANGHOST_SRC/README.md). Installed next to `pulumi`, where the CLI
# looks for its language hosts first.
langhost_hash() {
  (cd "$LANGHOST_SRC" && sha256sum go.mod go.sum ./*.go) | sha256sum | cut -c1-12
}
build_language_nodejs() {
  local w=$CACHE/src/language-nodejs
  rm -rf "$w"
  mkdir -p "$CACHE/src"
  cp -r "$LANGHOST_SRC" "$w"
  chmod -R u+w "$w"
  cd "$w"
  grep -qE "^\s*github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION\$" go.mod ||
    { echo "$LANGHOST_SRC/go.mod does not require github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION"; return 1; }
  go build -p "$JOBS" -trimpath -gcflags=all=-dwarf=false \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi-language-nodejs" .
  [[ $("$BIN/pulumi-language-nodejs" -version) == "v$PULUMI_VERSION" ]]
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
  # one build per cache folder at a time (CI starts it early in the background; cluster.sh and
  # run.sh call it again): a second caller waits here, then finds the stamps
  exec 9>"$CACHE/.lock"
  flock 9
  : >"$CACHE/timings.run"
  log "cache: $CACHE"
  log "pins:  $PINS"
  local t0; t0=$(date +%s)
  for t in "${targets[@]}"; do
    case $t in
      all)
        timed tools build_tools
        timed pulumi-kubernetes build_pulumi_kubernetes
        [[ -f $LANGHOST_SRC/main.go ]] ||
          die "no pulumi-language-nodejs source at $LANGHOST_SRC (E2E_LANGHOST_SRC): CI builds it from ../shared/third_party"
        timed "language-nodejs-$(langhost_hash)" build_language_nodejs
        ;;
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

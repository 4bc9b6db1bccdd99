#!/usr/bin/env bash
# policies/upstream/check.sh — cross-checks the synthesized environments with the upstream
# checkers the rule set was derived from: kube-score (no critical, no warning) and Polaris
# (score 100). Tools are `go install`ed into a cache outside git and reused.
#
# Usage:  policies/upstream/check.sh [dist folder]      (default: dist; run `npm run synth` first)
# Env:    POLICY_TOOLS_DIR   tool cache (default: ~/.cache/user-platform-policy)
#         POLARIS_REQUIRED=1 fail when Polaris cannot be installed (default: warn and go on)
# Ignores: policies/upstream/kube-score-ignores and the exemptions of policies/upstream/polaris.yaml,
# each with its written reason.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIST=${1:-dist}
KUBE_SCORE_MODULE=github.com/zegl/kube-score/cmd/kube-score
KUBE_SCORE_VERSION=v1.20.0
# Polaris' module path has no /v10 suffix, so its v10 tags are not module versions: install the
# commit the 10.1.3 tag points to.
POLARIS_MODULE=github.com/fairwindsops/polaris
POLARIS_COMMIT=e2df222ded28ee3315ccedbfa4dbc9914de8c482
KUBERNETES_VERSION=v1.28

TOOLS=${POLICY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/user-platform-policy}
BIN=$TOOLS/bin
mkdir -p "$BIN" "$TOOLS/stamps"
log() { printf '[upstream] %s\n' "$*" >&2; }

# install <name> <module@version>: go install into $BIN unless the stamp says it is there.
install() {
  local name=$1 spec=$2 stamp="$TOOLS/stamps/$1"
  if [[ -x $BIN/$name && -f $stamp && $(cat "$stamp") == "$spec" ]]; then return 0; fi
  log "go install $spec (cached in $BIN)"
  if GOBIN=$BIN GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 go install -trimpath "$spec" \
    >"$TOOLS/$name.log" 2>&1; then
    echo "$spec" >"$stamp"
  else
    tail -5 "$TOOLS/$name.log" >&2
    return 1
  fi
}

[[ -d $DIST ]] || { log "no $DIST folder: run npm run synth first"; exit 2; }
mapfile -t ENVS < <(find "$DIST" -mindepth 1 -maxdepth 1 -type d -name '[a-z]*' ! -name gitops -printf '%f\n' | sort)
[[ ${#ENVS[@]} -gt 0 ]] || { log "no environment folders in $DIST"; exit 2; }

install kube-score "$KUBE_SCORE_MODULE@$KUBE_SCORE_VERSION"
polaris_ok=1
install polaris "$POLARIS_MODULE@$POLARIS_COMMIT" || polaris_ok=0

failed=0
for env in "${ENVS[@]}"; do
  ignores=()
  while read -r scope test reason; do
    [[ -z ${scope:-} || $scope == \#* ]] && continue
    [[ -n ${reason:-} ]] || { log "kube-score-ignores: $test has no reason"; exit 2; }
    if [[ $scope == '*' || $scope == "$env" ]]; then ignores+=(--ignore-test "$test"); fi
  done <"$HERE/kube-score-ignores"
  manifests=()
  for f in "$DIST/$env"/*.yaml; do [[ $(basename "$f") == kustomization.yaml ]] || manifests+=("$f"); done

  cmd=(kube-score score --kubernetes-version "$KUBERNETES_VERSION"
    --enable-optional-test container-seccomp-profile --output-format ci "${ignores[@]}")
  echo "\$ ${cmd[*]} $DIST/$env/*.yaml"
  out=$("$BIN/${cmd[0]}" "${cmd[@]:1}" "${manifests[@]}" || true)
  problems=$(grep -E '^\[(CRITICAL|WARNING)\]' <<<"$out" || true)
  ok=$(grep -c '^\[OK\]' <<<"$out" || true)
  skipped=$(grep -c '^\[SKIPPED\]' <<<"$out" || true)
  if [[ -n $problems ]]; then
    echo "kube-score $env: FAILED"; echo "$problems"; failed=1
  else
    echo "kube-score $env: ${ok} OK, ${skipped} skipped, 0 critical, 0 warning"
  fi

  if [[ $polaris_ok == 1 ]]; then
    pcmd=(polaris audit --audit-path "$DIST/$env" --config "$HERE/polaris.yaml" --merge-config)
    echo "\$ ${pcmd[*]} --format score"
    score=$("$BIN/polaris" "${pcmd[@]:1}" --format score 2>/dev/null | tail -1)
    if [[ $score == 100 ]]; then
      echo "polaris $env: score 100"
    else
      echo "polaris $env: score ${score:-?}, failed checks:"
      "$BIN/polaris" "${pcmd[@]:1}" --format pretty --only-show-failed-tests --color=false 2>/dev/null || true
      failed=1
    fi
  fi
done

if [[ $polaris_ok == 0 ]]; then
  log "POLARIS NOT RUN: go install $POLARIS_MODULE@$POLARIS_COMMIT failed (log: $TOOLS/polaris.log)"
  [[ ${POLARIS_REQUIRED:-0} == 1 ]] && failed=1
fi
exit $failed

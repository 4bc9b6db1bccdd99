#!/usr/bin/env bash
# policies/upstream/check.sh — cross-checks the synthesized environments with the upstream
# checkers the rule set was derived from: kube-score (no critical, no warning), Polaris (score
# 100) and Checkov (no failed check; reasoned skips only). The tools live in a cache outside git
# and are reused: kube-score `go install`ed, Polaris `go install`ed or built from its source,
# Checkov pip-installed (pinned) in a virtual environment.
#
# Usage:  policies/upstream/check.sh [dist folder]      (default: dist; run `npm run synth` first)
#         policies/upstream/check.sh --install-only     (fill the tool cache, check nothing)
# Env:    POLICY_TOOLS_DIR   tool cache (default: ~/.cache/user-platform-policy)
#         POLARIS_REQUIRED=1 fail when Polaris cannot be installed (default: warn and go on)
#         POLARIS_SOURCE     Polaris v10.2.2 source tree to build when the module proxy refuses the
#                            module (default: ../shared/third_party/polaris-v10.2.2 beside the
#                            checkout: CI tooling only, nothing the project ships needs it)
#         CHECKOV_REQUIRED=0 warn instead of failing when Checkov cannot be installed
# Ignores: policies/upstream/kube-score-ignores, the exemptions of policies/upstream/polaris.yaml
# and the skips of policies/upstream/checkov-skips.yaml, each with its written reason.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KUBE_SCORE_MODULE=github.com/zegl/kube-score/cmd/kube-score
KUBE_SCORE_VERSION=v1.20.0
# Polaris' module path has no /v10 suffix, so its v10 tags are not module versions: the commit
# that tag v10.2.2 points to. The public module proxy answers 403 for this module; then the
# source copy below is built (same tag: go.mod and the built-in checks are identical).
POLARIS_VERSION=v10.2.2
POLARIS_MODULE=github.com/fairwindsops/polaris
POLARIS_COMMIT=dafa0b74fc09a9505849b0a6f8c78f1c364d0112
POLARIS_SOURCE=${POLARIS_SOURCE:-$ROOT/../shared/third_party/polaris-$POLARIS_VERSION}
CHECKOV_VERSION=3.3.30
KUBERNETES_VERSION=v1.28
# kustomize builds every environment folder and each controller folder of dist/gitops/, as Argo CD
# and Flux do (a folder with a kustomization.yaml); the same object twice fails the build.
KUSTOMIZE_MODULE=sigs.k8s.io/kustomize/kustomize/v5
KUSTOMIZE_VERSION=v5.8.2
# Folders of dist/ that are not environments: the GitOps controller objects and the Helm charts.
NOT_ENVIRONMENTS=(gitops helm)

TOOLS=${POLICY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/user-platform-policy}
BIN=$TOOLS/bin
CHECKOV_VENV=$TOOLS/checkov-venv
mkdir -p "$BIN" "$TOOLS/stamps"
log() { printf '[upstream] %s\n' "$*" >&2; }
cached() { [[ -x $2 && -f $TOOLS/stamps/$1 && $(cat "$TOOLS/stamps/$1") == "$3" ]]; }

# install <name> <module@version>: go install into $BIN unless the stamp says it is there.
install() {
  local name=$1 spec=$2
  cached "$name" "$BIN/$name" "$spec" && return 0
  log "go install $spec (cached in $BIN)"
  if GOBIN=$BIN GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 go install -trimpath "$spec" \
    >"$TOOLS/$name.log" 2>&1; then
    echo "$spec" >"$TOOLS/stamps/$name"
  else
    tail -5 "$TOOLS/$name.log" >&2
    return 1
  fi
}

# Polaris: the module proxy first; when it refuses the module, build the source copy.
install_polaris() {
  local stamp="polaris $POLARIS_VERSION ($POLARIS_COMMIT)"
  cached polaris "$BIN/polaris" "$stamp" && return 0
  log "go install $POLARIS_MODULE@$POLARIS_COMMIT ($POLARIS_VERSION)"
  if GOBIN=$BIN GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 go install -trimpath \
    "$POLARIS_MODULE@$POLARIS_COMMIT" >"$TOOLS/polaris.log" 2>&1; then
    echo "$stamp" >"$TOOLS/stamps/polaris"
    return 0
  fi
  log "the module proxy refused Polaris ($(grep -m1 -oE '[0-9]{3} [A-Za-z ]+' "$TOOLS/polaris.log" || echo 'see polaris.log'))"
  if [[ ! -f $POLARIS_SOURCE/go.mod ]]; then
    log "no Polaris source at $POLARIS_SOURCE"
    return 1
  fi
  if ! grep -q "^module $POLARIS_MODULE\$" "$POLARIS_SOURCE/go.mod"; then
    log "$POLARIS_SOURCE/go.mod is not module $POLARIS_MODULE"
    return 1
  fi
  local work t0
  work=$(mktemp -d)
  t0=$(date +%s)
  log "building Polaris $POLARIS_VERSION from $POLARIS_SOURCE (dependencies from the module proxy)"
  cp -r "$POLARIS_SOURCE" "$work/polaris"
  if (cd "$work/polaris" && GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 \
    go build -trimpath -o "$BIN/polaris" .) >>"$TOOLS/polaris.log" 2>&1; then
    rm -rf "$work"
    log "built Polaris in $(($(date +%s) - t0)) s"
    echo "$stamp" >"$TOOLS/stamps/polaris"
  else
    rm -rf "$work"
    tail -5 "$TOOLS/polaris.log" >&2
    return 1
  fi
}

# Checkov: pinned, from PyPI, in its own virtual environment (never the system Python's packages).
install_checkov() {
  local stamp="checkov==$CHECKOV_VERSION" t0
  cached checkov "$CHECKOV_VENV/bin/checkov" "$stamp" && return 0
  command -v python3 >/dev/null || { log "no python3 for Checkov"; return 1; }
  t0=$(date +%s)
  log "pip install $stamp into $CHECKOV_VENV"
  rm -rf "$CHECKOV_VENV"
  if python3 -m venv "$CHECKOV_VENV" >"$TOOLS/checkov.log" 2>&1 &&
    "$CHECKOV_VENV/bin/pip" install --quiet --disable-pip-version-check "$stamp" \
      >>"$TOOLS/checkov.log" 2>&1; then
    log "installed Checkov in $(($(date +%s) - t0)) s"
    echo "$stamp" >"$TOOLS/stamps/checkov"
  else
    tail -5 "$TOOLS/checkov.log" >&2
    return 1
  fi
}

install kube-score "$KUBE_SCORE_MODULE@$KUBE_SCORE_VERSION"
install kustomize "$KUSTOMIZE_MODULE@$KUSTOMIZE_VERSION"
polaris_ok=1
install_polaris || polaris_ok=0
checkov_ok=1
install_checkov || checkov_ok=0
if [[ ${1:-} == --install-only ]]; then
  [[ $polaris_ok == 1 && $checkov_ok == 1 ]] && exit 0 || exit 1
fi

DIST=${1:-dist}
[[ -d $DIST ]] || { log "no $DIST folder: run npm run synth first"; exit 2; }
skip=()
for n in "${NOT_ENVIRONMENTS[@]}"; do skip+=(! -name "$n"); done
mapfile -t ENVS < <(find "$DIST" -mindepth 1 -maxdepth 1 -type d -name '[a-z]*' "${skip[@]}" -printf '%f\n' | sort)
[[ ${#ENVS[@]} -gt 0 ]] || { log "no environment folders in $DIST"; exit 2; }

failed=0
summary=()

# kustomize build: every environment, and dist/gitops/argocd and dist/gitops/flux (the Flux
# folder holds every environment's Kustomization and the one GitRepository they share).
kfolders=("${ENVS[@]/#/$DIST/}")
for sub in argocd flux; do [[ -d $DIST/gitops/$sub ]] && kfolders+=("$DIST/gitops/$sub"); done
for folder in "${kfolders[@]}"; do
  t0=$(date +%s%N)
  if out=$("$BIN/kustomize" build "$folder" 2>&1); then
    n=$(grep -c '^kind:' <<<"$out" || true)
    echo "kustomize build $folder: $n objects in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  else
    echo "kustomize build $folder: FAILED"; echo "$out" | tail -5; failed=1
  fi
done
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
  critical=$(grep -c '^\[CRITICAL\]' <<<"$out" || true)
  warning=$(grep -c '^\[WARNING\]' <<<"$out" || true)
  if [[ -n $problems ]]; then
    echo "kube-score $env: FAILED"; echo "$problems"; failed=1
  else
    echo "kube-score $env: ${ok} OK, ${skipped} skipped, 0 critical, 0 warning"
  fi
  line="$env: kube-score ${critical} critical/${warning} warning"

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
    line+=", Polaris ${score:-?}"
  else
    line+=", Polaris NOT RUN"
  fi

  if [[ $checkov_ok == 1 ]]; then
    # The skips of this environment from checkov-skips.yaml (each one has a reason).
    cskips=$("$CHECKOV_VENV/bin/python" - "$HERE/checkov-skips.yaml" "$env" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1])) or {}
out = []
for s in doc.get("skips") or []:
    check, envs, reason = s.get("check"), s.get("environments") or [], str(s.get("reason") or "")
    if not check or len(reason.strip()) < 40:
        sys.exit(f"checkov-skips.yaml: {check}: every skip needs a check id and a reason")
    if "*" in envs or sys.argv[2] in envs:
        out.append(check)
print(",".join(out))
PY
    ) || { log "bad policies/upstream/checkov-skips.yaml"; exit 2; }
    ccmd=(checkov --directory "$DIST/$env" --framework kubernetes --output json --quiet --compact)
    [[ -n $cskips ]] && ccmd+=(--skip-check "$cskips")
    echo "\$ ${ccmd[*]}"
    report=$(mktemp)
    "$CHECKOV_VENV/bin/checkov" "${ccmd[@]:1}" >"$report" 2>"$report.err" || true
    # One JSON object per framework, or a list of them; a folder without findings prints a summary
    # object without results. Count failed and skipped checks; anything unreadable is an error.
    if counts=$("$CHECKOV_VENV/bin/python" - "$report" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
failed = skipped = passed = 0
lines = []
for r in reports:
    s = r.get("summary", {})
    failed += int(s.get("failed", 0)); skipped += int(s.get("skipped", 0)); passed += int(s.get("passed", 0))
    for c in r.get("results", {}).get("failed_checks", []):
        lines.append(f"  FAILED {c['check_id']} {c.get('resource')} ({c.get('file_path')}): {c.get('check_name')}")
print(f"{failed} {skipped} {passed}")
print("\n".join(lines))
PY
    ); then
      read -r cfailed cskipped cpassed <<<"$(head -1 <<<"$counts")"
      # Checkov counts as skipped only in-object suppressions (none here); --skip-check'ed checks
      # do not run at all, so they are named instead.
      skipnote="${cskipped} suppressed, skip-check: ${cskips:-none}"
      if [[ $cfailed == 0 ]]; then
        echo "checkov $env: ${cpassed} passed, 0 failed ($skipnote)"
      else
        echo "checkov $env: ${cfailed} failed ($skipnote)"; tail -n +2 <<<"$counts"; failed=1
      fi
      line+=", Checkov ${cfailed} failed ($skipnote)"
    else
      echo "checkov $env: no readable report"; tail -5 "$report.err"; failed=1
      line+=", Checkov ERROR"
    fi
    rm -f "$report" "$report.err"
  else
    line+=", Checkov NOT RUN"
  fi
  summary+=("$line")
done

echo
echo "upstream cross-check summary:"
printf '  %s\n' "${summary[@]}"
if [[ $polaris_ok == 0 ]]; then
  log "POLARIS NOT RUN: neither the module proxy nor $POLARIS_SOURCE gave a binary (log: $TOOLS/polaris.log)"
  [[ ${POLARIS_REQUIRED:-0} == 1 ]] && failed=1
fi
if [[ $checkov_ok == 0 ]]; then
  log "CHECKOV NOT RUN: pip install checkov==$CHECKOV_VERSION failed (log: $TOOLS/checkov.log)"
  [[ ${CHECKOV_REQUIRED:-1} == 1 ]] && failed=1
fi
exit $failed

#!/usr/bin/env bash
# test/e2e/ci.sh start|finish CI_START_EPOCH — the end-to-end suite in CI (.ci/run calls both).
#
#   start   right after the system packages: starts `test/e2e/tools.sh` and then
#           `test/e2e/node/tools.sh` (kubelet, kube-proxy, CoreDNS) in the background, niced
#           and in its own process group, so that a cold tool build (test/e2e/README.md, "Build
#           timings") overlaps with npm ci, the jest tests and the Go service checks and uses the
#           CPU they leave idle. Returns at once.
#   finish  waits for that build, at most until CI's hard limit minus a reserve for the suite and
#           the steps after it. Then runs `npm run test:e2e` (kwok nodes) and `npm run test:e2e:node`
#           (real nodes, test/e2e/node); fails when either fails.
#           When the build fails or does not finish in time, the build's process group is stopped,
#           a framed "E2E NOT RUN" with the reason and the build log is printed, and the step
#           fails (exit 1): CI never reports green without the suite having run.
#
#   E2E_CI_LIMIT_SECONDS    CI's hard limit (default 5400)
#   E2E_CI_RESERVE_SECONDS  kept for the two suites and the steps after them (default 1200)
#   E2E_CI_STATE            where start leaves the pid and the log (default
#                           /tmp/user-platform-e2e-ci.<hash of this checkout's path>: two CI runs
#                           in two clones never share it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mode=${1:?usage: test/e2e/ci.sh start|finish CI_START_EPOCH}
ci_start=${2:?usage: test/e2e/ci.sh start|finish CI_START_EPOCH}
limit=${E2E_CI_LIMIT_SECONDS:-5400}
reserve=${E2E_CI_RESERVE_SECONDS:-1200}
state=${E2E_CI_STATE:-/tmp/user-platform-e2e-ci.$(pwd -P | sha256sum | cut -c1-12)}
log=$state/tools.log

elapsed() { echo $(($(date +%s) - ci_start)); }

start() {
  mkdir -p "$state"
  rm -f "$state/rc" "$state/ended"
  # setsid: its own process group, so finish can stop the go builds under it too
  # test/e2e/node/tools.sh after tools.sh: the kubelet build reuses the Go build cache of kube-apiserver & co.
  setsid nice -n 10 bash -c 'bash test/e2e/tools.sh >"$1" 2>&1 && bash test/e2e/node/tools.sh >>"$1" 2>&1; rc=$?; date +%s >"$2/ended"; echo $rc >"$2/rc"' \
    _ "$log" "$state" &
  echo $! >"$state/pid"
  date +%s >"$state/started"
  echo "e2e: test/e2e/tools.sh started in the background (pid $!, nice 10, log $log)"
}

not_run() {
  cat <<EOF

################################################################################
##  E2E NOT RUN: $1
##  The end-to-end suite (npm run test:e2e) did NOT run in this CI job.
##  Tool build log: $log
################################################################################

EOF
  tail -n 40 "$log" 2>/dev/null | sed 's/^/    /' || true
  exit 1
}

finish() {
  [[ -f $state/pid ]] || start
  local pid started budget waited=0 rc
  pid=$(cat "$state/pid")
  started=$(cat "$state/started")
  budget=$((limit - $(elapsed) - reserve))
  echo "e2e: CI elapsed $(elapsed)s of ${limit}s; waiting up to ${budget}s for the tool build (reserve ${reserve}s)"
  while [[ ! -f $state/rc ]] && kill -0 "$pid" 2>/dev/null; do
    if ((waited >= budget)); then
      kill -TERM -- "-$pid" 2>/dev/null || true
      sleep 5
      kill -KILL -- "-$pid" 2>/dev/null || true
      not_run "the tool build did not finish within the CI budget (stopped after $(($(date +%s) - started))s)"
    fi
    sleep 5
    waited=$((waited + 5))
  done
  rc=$(cat "$state/rc" 2>/dev/null || echo "missing")
  echo "e2e: the tool build took $(($(cat "$state/ended" 2>/dev/null || date +%s) - started))s (exit $rc); its timings:"
  grep -A20 'timings (this run)' "$log" | sed 's/^/    /' || true
  [[ $rc == 0 ]] || not_run "test/e2e/tools.sh failed (exit $rc)"
  grep -E '^(kubelet|coredns) +[0-9]+s' "$log" | sed 's/^/    node tools: /' || true
  local status=0
  echo "e2e: npm run test:e2e (CI elapsed $(elapsed)s)"
  npm run test:e2e || status=$?
  echo "e2e: npm run test:e2e:node — real nodes (CI elapsed $(elapsed)s)"
  npm run test:e2e:node || status=$?
  return "$status"
}

case $mode in
  start) start ;;
  finish) finish ;;
  *) echo "usage: test/e2e/ci.sh start|finish CI_START_EPOCH" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# test/e2e/ci.sh start|finish CI_START_EPOCH — the end-to-end suite in CI (.ci/run calls both).
#
#   start   right after the system packages: starts `test/e2e/tools.sh` and then
#           `test/e2e/node/tools.sh` (kubelet, kube-proxy, CoreDNS) in the background, niced
#           and in its own process group, so that a cold tool build (test/e2e/README.md, "Build
#           timings") overlaps with npm ci, the jest tests and the Go service checks and uses the
#           CPU they leave idle. Returns at once.
#   finish  waits for tools.sh, at most until CI's hard limit minus a reserve for the suites and
#           the steps after them, and runs `npm run test:e2e` (kwok nodes) while node/tools.sh
#           still builds; then waits for node/tools.sh (reserve 600 s) and runs
#           `npm run test:e2e:node` (real nodes, test/e2e/node); fails when either fails.
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
node_log=$state/node-tools.log

elapsed() { echo $(($(date +%s) - ci_start)); }

start() {
  mkdir -p "$state"
  rm -f "$state"/rc "$state"/ended "$state"/node-rc "$state"/node-ended
  # setsid: its own process group, so finish can stop the go builds under it too.
  # test/e2e/node/tools.sh after tools.sh: the kubelet build reuses the Go build cache of
  # kube-apiserver & co. Each writes its own rc, so finish can run the kwok suite (which needs
  # only tools.sh) while the node tools still build.
  setsid nice -n 10 bash -c '
    bash test/e2e/tools.sh >"$1" 2>&1; rc=$?; date +%s >"$3/ended"; echo $rc >"$3/rc"
    if [ $rc -ne 0 ]; then echo "tools.sh failed" >"$2"; echo $rc >"$3/node-rc"; exit $rc; fi
    bash test/e2e/node/tools.sh >"$2" 2>&1; rc=$?; date +%s >"$3/node-ended"; echo $rc >"$3/node-rc"' \
    _ "$log" "$node_log" "$state" &
  echo $! >"$state/pid"
  date +%s >"$state/started"
  echo "e2e: test/e2e/tools.sh, then test/e2e/node/tools.sh, started in the background (pid $!, nice 10, logs $log, $node_log)"
}

not_run() {
  cat <<EOF

################################################################################
##  E2E NOT RUN: $1
##  The end-to-end suite (npm run test:e2e) did NOT run in this CI job.
##  Tool build log: ${2:-$log}
################################################################################

EOF
  tail -n 40 "${2:-$log}" 2>/dev/null | sed 's/^/    /' || true
  exit 1
}

# wait_for RC_FILE RESERVE LOG WHAT: waits until the background job wrote RC_FILE, at most until
# CI's limit minus RESERVE; stops the job's process group and fails (E2E NOT RUN) when the time is
# up or the build failed.
wait_for() {
  local rc_file=$1 reserve_s=$2 what_log=$3 what=$4 pid budget waited=0 rc
  pid=$(cat "$state/pid")
  budget=$((limit - $(elapsed) - reserve_s))
  echo "e2e: CI elapsed $(elapsed)s of ${limit}s; waiting up to ${budget}s for $what (reserve ${reserve_s}s)"
  while [[ ! -f $rc_file ]] && kill -0 "$pid" 2>/dev/null; do
    if ((waited >= budget)); then
      kill -TERM -- "-$pid" 2>/dev/null || true
      sleep 5
      kill -KILL -- "-$pid" 2>/dev/null || true
      not_run "$what did not finish within the CI budget (stopped after $(($(date +%s) - $(cat "$state/started")))s)" "$what_log"
    fi
    sleep 5
    waited=$((waited + 5))
  done
  rc=$(cat "$rc_file" 2>/dev/null || echo "missing")
  [[ $rc == 0 ]] || not_run "$what failed (exit $rc)" "$what_log"
}

finish() {
  [[ -f $state/pid ]] || start
  local started status=0
  started=$(cat "$state/started")
  wait_for "$state/rc" "$reserve" "$log" "test/e2e/tools.sh"
  echo "e2e: test/e2e/tools.sh took $(($(cat "$state/ended") - started))s; its timings:"
  grep -A20 'timings (this run)' "$log" | sed 's/^/    /' || true
  echo "e2e: npm run test:e2e (CI elapsed $(elapsed)s; test/e2e/node/tools.sh may still be building)"
  npm run test:e2e || status=$?
  # the node suite and the steps after it: about 10 minutes
  wait_for "$state/node-rc" 600 "$node_log" "test/e2e/node/tools.sh"
  echo "e2e: test/e2e/node/tools.sh ended $(($(cat "$state/node-ended") - started))s after the tool build started"
  grep -E '^(kubelet|coredns) +[0-9]+s' "$node_log" | sed 's/^/    node tools: /' || true
  echo "e2e: npm run test:e2e:node — real nodes (CI elapsed $(elapsed)s)"
  npm run test:e2e:node || status=$?
  return "$status"
}

case $mode in
  start) start ;;
  finish) finish ;;
  *) echo "usage: test/e2e/ci.sh start|finish CI_START_EPOCH" >&2; exit 2 ;;
esac

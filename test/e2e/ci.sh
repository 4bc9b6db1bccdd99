#!/usr/bin/env bash
# test/e2e/ci.sh CI_START_EPOCH — the CI step of the end-to-end suite (.ci/run calls it).
# CI has a hard limit of 90 minutes in total. A cold tools cache takes 40+ minutes to build
# (test/e2e/README.md), so `bash test/e2e/tools.sh` gets only the time CI has left minus a
# reserve for the suite and the later steps. When the tools are not ready within that budget the
# build is stopped (its whole process group), a loud "E2E NOT RUN" is printed and CI continues
# (exit 0): the step reports that the suite did not run instead of blocking every other check.
# When the tools are ready, `npm run test:e2e` runs and its exit status is this script's.
#   E2E_CI_LIMIT_SECONDS    CI's hard limit (default 5400)
#   E2E_CI_RESERVE_SECONDS  kept for the suite and the steps after it (default 1200)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ci_start=${1:?usage: test/e2e/ci.sh CI_START_EPOCH}
limit=${E2E_CI_LIMIT_SECONDS:-5400}
reserve=${E2E_CI_RESERVE_SECONDS:-1200}
now=$(date +%s)
elapsed=$((now - ci_start))
budget=$((limit - elapsed - reserve))
echo "e2e: CI elapsed ${elapsed}s of ${limit}s; tools build budget ${budget}s (reserve ${reserve}s)"

not_run() {
  cat <<EOF2

################################################################################
##  E2E NOT RUN: tools cache cold, build exceeded budget ($1)
##  The end-to-end suite (npm run test:e2e) did NOT run in this CI job.
##  Tool build log: $2
##  Warm the cache (bash test/e2e/tools.sh, ~40 min cold) and re-run CI.
################################################################################

EOF2
  exit 0
}

log=$(mktemp /tmp/e2e-tools.XXXXXX.log)
if ((budget <= 0)); then not_run "no time left: budget ${budget}s" "$log"; fi

# tools.sh in its own process group, so that the budget can stop the go builds under it too
setsid bash test/e2e/tools.sh >"$log" 2>&1 &
tools_pid=$!
timed_out=0
for ((waited = 0; ; waited += 5)); do
  kill -0 "$tools_pid" 2>/dev/null || break
  if ((waited >= budget)); then
    timed_out=1
    kill -TERM -- "-$tools_pid" 2>/dev/null || true
    sleep 5
    kill -KILL -- "-$tools_pid" 2>/dev/null || true
    break
  fi
  sleep 5
done
rc=0
wait "$tools_pid" || rc=$?
echo "e2e: tools.sh finished after $(($(date +%s) - now))s (exit $rc)"
sed 's/^/    /' "$log" | tail -n 12
if ((timed_out)); then not_run "stopped after ${budget}s" "$log"; fi
if ((rc != 0)); then not_run "tools.sh failed with exit $rc" "$log"; fi

echo "e2e: npm run test:e2e (CI elapsed $(($(date +%s) - ci_start))s)"
npm run test:e2e

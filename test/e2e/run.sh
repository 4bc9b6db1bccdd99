#!/usr/bin/env bash
# test/e2e/run.sh — `npm run test:e2e`: builds (or reuses) the tools, bundles the suite
# (test/e2e/src/main.ts, esbuild, @pulumi/* left external) and runs it inside with-cluster.sh.
# Prints a timing breakdown (tools, cluster start, each test, cluster stop) and ends with
# `e2e: N passed, N failed`. Exit status: the suite's.
#   E2E_NODES  fake nodes (default 6: prod's 5 Consul servers need one node each)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export E2E_NODES=${E2E_NODES:-6}
t0=$(date +%s)
bash test/e2e/tools.sh >/dev/null
t_tools=$(date +%s)
node -e "
  require('esbuild').build({ entryPoints: ['test/e2e/src/main.ts'], bundle: true, platform: 'node',
    format: 'cjs', target: 'node20', outfile: 'lib/e2e/main.js', logLevel: 'warning',
    external: ['@pulumi/*'] }).catch(() => process.exit(1));"
npm run --silent synth >/dev/null
t_build=$(date +%s)
marks=$(mktemp)
out=$(mktemp)
status=0
bash test/e2e/with-cluster.sh bash -c 'date +%s >"$1"; node lib/e2e/main.js; rc=$?; date +%s >>"$1"; exit $rc' \
  _ "$marks" 2>&1 | tee "$out" || status=$?
t_end=$(date +%s)
t_started=$(sed -n 1p "$marks"); t_tests=$(sed -n 2p "$marks"); rm -f "$marks"
echo
echo "timing breakdown:"
printf '  %-34s %5ss\n' "tools (test/e2e/tools.sh)" $((t_tools - t0)) \
  "bundle + npm run synth" $((t_build - t_tools))
if [[ -n $t_started ]]; then
  printf '  %-34s %5ss\n' "cluster start" $((t_started - t_build))
  [[ -n $t_tests ]] && printf '  %-34s %5ss\n' "tests (see above)" $((t_tests - t_started)) \
    "cluster stop" $((t_end - t_tests))
else
  echo "  cluster did not start"
fi
printf '  %-34s %5ss\n' total $((t_end - t0))
# the suite's summary line, last
summary=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n1 || true)
rm -f "$out"
if [[ -z $summary ]]; then
  summary="e2e: 0 passed, 1 failed"
  status=1
fi
[[ $status -eq 0 || $summary != *", 0 failed" ]] || summary="${summary%, 0 failed}, 1 failed (exit $status)"
echo "$summary"
exit "$status"

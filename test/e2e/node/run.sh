#!/usr/bin/env bash
# test/e2e/node/run.sh — `npm run test:e2e:node`: the real-node suite.
#   1. tools: test/e2e/tools.sh (control plane, kubectl) and test/e2e/node/tools.sh (kubelet,
#      kube-proxy, CoreDNS); Debian's containerd, runc, CNI plugins, Postgres, Redis must be
#      installed (.ci/run installs them): a missing one fails the run, naming it
#   2. images (test/e2e/node/images.sh), the load client (test/e2e/node/loadgen), the suite bundle
#   3. inside test/e2e/with-cluster.sh (control plane + 1 kwok node for Consul): node.sh up,
#      backing.sh up, the suite (src/suite.ts), then always backing.sh down and node.sh down
# Prints the checks as a table, writes test/e2e/.report/e2e-report.json, a timing breakdown, and
# ends with `e2e: N passed, N failed`. Exit status: the suite's.
#   E2E_REAL_NODES  real nodes (default 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
t0=$(date +%s)
die() { printf '[e2e-node] ERROR: %s\n' "$*" >&2; exit 1; }
for tool in containerd runc ctr iptables psql redis-server redis-cli openssl curl python3 go node; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (apt-get install containerd runc containernetworking-plugins postgresql redis-server iptables; see .ci/run)"
done
[[ -x /usr/lib/cni/bridge ]] || die "missing tool: /usr/lib/cni/bridge (apt-get install containernetworking-plugins)"
[[ $(id -u) == 0 ]] || die "the real-node suite needs root (network namespaces, bridges, iptables, mounts)"
tools_bin=$(bash test/e2e/tools.sh)
t_tools=$(date +%s)
node_bin=$(bash test/e2e/node/tools.sh)
t_node_tools=$(date +%s)
export PATH="$node_bin:$tools_bin:$PATH"
RUN=$(mktemp -d "${TMPDIR:-/tmp}/user-platform-e2e-node.XXXXXX")
chmod 755 "$RUN" # Postgres runs as user postgres and keeps its data below it
export E2E_NODE_RUN=$RUN
bash test/e2e/node/images.sh "$RUN/images"
(cd test/e2e/node/loadgen && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$RUN/loadgen" .)
node -e "
  require('esbuild').build({ entryPoints: ['test/e2e/node/src/suite.ts'], bundle: true, platform: 'node',
    format: 'cjs', target: 'node20', outfile: 'lib/e2e-node/suite.js', logLevel: 'warning',
    external: ['@pulumi/*'] }).catch(() => process.exit(1));"
t_build=$(date +%s)
status=0
E2E_NODES=1 E2E_CLUSTER_DIR="$RUN/cluster" bash test/e2e/with-cluster.sh bash test/e2e/node/inside.sh || status=$?
t_end=$(date +%s)
echo
echo "timing breakdown:"
printf '  %-40s %5ss\n' "tools (test/e2e/tools.sh)" $((t_tools - t0)) \
  "node tools (test/e2e/node/tools.sh)" $((t_node_tools - t_tools)) \
  "images, load client, bundle" $((t_build - t_node_tools)) \
  "cluster + nodes + suite + teardown" $((t_end - t_build)) \
  total $((t_end - t0))
[[ -f $RUN/summary ]] && cat "$RUN/summary" || { echo "e2e: 0 passed, 1 failed (the suite did not run)"; status=1; }
[[ ${E2E_KEEP_STATE:-0} == 1 ]] || rm -rf "$RUN"
exit "$status"

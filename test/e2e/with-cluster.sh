#!/usr/bin/env bash
# test/e2e/with-cluster.sh CMD [ARGS...] — start an e2e cluster (cluster.sh start), run CMD with
# KUBECONFIG and PATH set, then always stop that cluster, on success, failure or interrupt.
# Exit status is CMD's (or the start failure's).
#
# Each run gets its own state directory (mktemp under $TMPDIR) unless E2E_CLUSTER_DIR names one.
# The stop trap is installed only after `cluster.sh start` succeeded: a start that fails (for
# example "already running" in a given E2E_CLUSTER_DIR) stops nothing it did not start
# (cluster.sh start cleans up after its own failures).
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -gt 0 ]] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

if [[ -z ${E2E_CLUSTER_DIR:-} ]]; then
  E2E_CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/user-platform-e2e-cluster.XXXXXX")
fi
export E2E_CLUSTER_DIR
exports=$("$SCRIPT_DIR/cluster.sh" start)
trap '"$SCRIPT_DIR/cluster.sh" stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
eval "$exports"
# the pulumi/tool environment (PULUMI_HOME, backend, PATH) from tools.sh
# shellcheck disable=SC1091
source "$("$SCRIPT_DIR/tools.sh" print-dir)/env.sh"
export KUBECONFIG
status=0
"$@" || status=$?
exit "$status"

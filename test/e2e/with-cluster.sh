#!/usr/bin/env bash
# test/e2e/with-cluster.sh CMD [ARGS...] — start the e2e cluster (cluster.sh start), run CMD with
# KUBECONFIG and PATH set, then always stop the cluster, on success, failure or interrupt.
# Exit status is CMD's (or the start failure's).
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -gt 0 ]] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

trap '"$SCRIPT_DIR/cluster.sh" stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
exports=$("$SCRIPT_DIR/cluster.sh" start)
eval "$exports"
# the pulumi/tool environment (PULUMI_HOME, backend, PATH) from tools.sh
# shellcheck disable=SC1091
source "$("$SCRIPT_DIR/tools.sh" print-dir)/env.sh"
export KUBECONFIG
status=0
"$@" || status=$?
exit "$status"

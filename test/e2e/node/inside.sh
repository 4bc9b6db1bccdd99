#!/usr/bin/env bash
# test/e2e/node/inside.sh — run by test/e2e/node/run.sh inside test/e2e/with-cluster.sh
# (KUBECONFIG, E2E_CLUSTER_DIR set): real nodes up, Postgres/Redis up, the suite; then always
# Postgres/Redis down and the nodes torn down (before with-cluster.sh stops the control plane).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
RUN=${E2E_NODE_RUN:?run test/e2e/node/run.sh}
export E2E_NODE_DIR=$RUN/node E2E_NODE_IMAGES=$RUN/images E2E_REAL_NODES=${E2E_REAL_NODES:-2}
mkdir -p "$RUN/backing/secrets"
for s in DB_PASSWORD REDIS_PASSWORD PAGE_TOKEN_SECRET; do
  openssl rand -hex 24 | tr -d '\n' >"$RUN/backing/secrets/$s"
done
teardown() {
  bash test/e2e/node/backing.sh down "$RUN/backing" || true
  bash test/e2e/node/node.sh down || true
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash test/e2e/node/node.sh up
eval "$(bash test/e2e/node/node.sh env | tr ' ' '\n' | sed 's/^/export /')"
bash test/e2e/node/backing.sh up "$RUN/backing" "$DNS_IP"
set -a
# shellcheck disable=SC1091
source "$RUN/backing/backing.env"
set +a
export E2E_LOADGEN=$RUN/loadgen E2E_SECRETS_DIR=$RUN/backing/secrets PGPASSWORD
PGPASSWORD=$(cat "$RUN/backing/secrets/DB_PASSWORD") PGSSLMODE=require
export PGSSLMODE
status=0
node lib/e2e-node/suite.js | tee "$RUN/suite.log" || status=$?
grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$RUN/suite.log" | tail -n1 >"$RUN/summary" || true
exit "$status"

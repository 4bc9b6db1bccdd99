#!/usr/bin/env bash
# Usage: scripts/with-deps.sh COMMAND [ARGS...]
#
# Starts throw-away Postgres and Redis servers on free 127.0.0.1 ports with
# their data in a temp dir, runs COMMAND with these variables exported, and
# stops the servers and removes the data even when COMMAND fails:
#
#   TEST_DATABASE_URL, TEST_REDIS_ADDR         shared by the integration tests
#   TEST_FAULT_DATABASE_URL, TEST_FAULT_REDIS_ADDR
#                                              a second pair that the fault tests stop and restart
#   TEST_FAULT_PG_STOP, TEST_FAULT_PG_START, TEST_FAULT_REDIS_STOP, TEST_FAULT_REDIS_START
#                                              shell commands doing that
#
# Needs Debian's postgresql and redis-server packages (scripts/ci.sh installs them).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
if [[ -z "${PG_BIN}" || ! -x "${PG_BIN}/initdb" ]]; then
  echo "with-deps: postgres binaries not found (apt-get install postgresql, or set PG_BIN)" >&2
  exit 1
fi
command -v redis-server >/dev/null || { echo "with-deps: redis-server not found (apt-get install redis-server)" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/user-service-deps.XXXXXX")"
chmod 755 "${WORK}"

# Postgres refuses to run as root: use the postgres account when we are root.
as_pg() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
as_pg_cmd() {
  if [[ "$(id -u)" -eq 0 ]]; then printf 'runuser -u postgres -- '; fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Below the kernel's ephemeral range (32768-60999 on Debian): the fault tests
# stop a server and start it again on the same port, and an outgoing
# connection must not be able to take that port in between.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % 12000) + 20000 ))
    if port_free "${p}"; then echo "${p}"; return 0; fi
  done
  echo "with-deps: no free port" >&2
  return 1
}

PG_DIRS=()
REDIS_PORTS=()
cleanup() {
  local rc=$?
  set +e
  for d in "${PG_DIRS[@]}"; do
    as_pg "${PG_BIN}/pg_ctl" -D "${d}" -m immediate -w stop >/dev/null 2>&1
  done
  for p in "${REDIS_PORTS[@]}"; do
    redis-cli -h 127.0.0.1 -p "${p}" shutdown nosave >/dev/null 2>&1
  done
  for f in "${WORK}"/redis-*.pid; do
    [[ -f "${f}" ]] && kill "$(cat "${f}")" >/dev/null 2>&1
  done
  rm -rf "${WORK}"
  exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_pg NAME -> sets PG_PORT, PG_START_CMD, PG_STOP_CMD
start_pg() {
  local name=$1 dir="${WORK}/pg-$1" port
  mkdir -p "${dir}"
  [[ "$(id -u)" -eq 0 ]] && chown postgres: "${dir}"
  as_pg "${PG_BIN}/initdb" -D "${dir}/data" -U postgres -A trust -E UTF8 --no-locale >"${WORK}/initdb-${name}.log" 2>&1 \
    || { cat "${WORK}/initdb-${name}.log" >&2; return 1; }
  PG_DIRS+=("${dir}/data")
  # The postgres superuser connects without a password (what the tests' DSNs use);
  # every other role needs its password over TCP, so password tests (rotation) can fail.
  printf '%s\n' 'local all all trust' 'host all postgres 127.0.0.1/32 trust' 'host all all 127.0.0.1/32 scram-sha-256' \
    > "${dir}/data/pg_hba.conf"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    local opts="-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    PG_START_CMD="$(as_pg_cmd)${PG_BIN}/pg_ctl -D ${dir}/data -l ${dir}/postgres.log -o '${opts}' -w -t 30 start"
    PG_STOP_CMD="$(as_pg_cmd)${PG_BIN}/pg_ctl -D ${dir}/data -m fast -w -t 30 stop"
    if bash -c "${PG_START_CMD}" >/dev/null 2>&1; then
      PG_PORT=${port}
      return 0
    fi
    echo "with-deps: postgres ${name} failed to start on ${port} (attempt ${attempt})" >&2
    tail -n 5 "${dir}/postgres.log" >&2 || true
  done
  return 1
}

# start_redis NAME -> sets REDIS_PORT, REDIS_START_CMD, REDIS_STOP_CMD
start_redis() {
  local name=$1 port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    REDIS_START_CMD="redis-server --bind 127.0.0.1 --port ${port} --save '' --appendonly no --daemonize yes --dir ${WORK} --pidfile ${WORK}/redis-${name}.pid --logfile ${WORK}/redis-${name}.log"
    REDIS_STOP_CMD="redis-cli -h 127.0.0.1 -p ${port} shutdown nosave"
    bash -c "${REDIS_START_CMD}"
    for _ in $(seq 1 100); do
      if redis-cli -h 127.0.0.1 -p "${port}" ping >/dev/null 2>&1; then
        REDIS_PORT=${port}
        REDIS_PORTS+=("${port}")
        return 0
      fi
      sleep 0.05
    done
    echo "with-deps: redis ${name} failed to start on ${port} (attempt ${attempt})" >&2
  done
  return 1
}

start_pg main
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres?sslmode=disable"
start_pg fault
export TEST_FAULT_DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres?sslmode=disable"
export TEST_FAULT_PG_START="${PG_START_CMD}" TEST_FAULT_PG_STOP="${PG_STOP_CMD}"
start_redis main
export TEST_REDIS_ADDR="127.0.0.1:${REDIS_PORT}"
start_redis fault
export TEST_FAULT_REDIS_ADDR="127.0.0.1:${REDIS_PORT}"
export TEST_FAULT_REDIS_START="${REDIS_START_CMD}" TEST_FAULT_REDIS_STOP="${REDIS_STOP_CMD}"

echo "with-deps: postgres ${TEST_DATABASE_URL%%\?*} (+fault ${TEST_FAULT_DATABASE_URL%%\?*}), redis ${TEST_REDIS_ADDR} (+fault ${TEST_FAULT_REDIS_ADDR})" >&2
"$@"

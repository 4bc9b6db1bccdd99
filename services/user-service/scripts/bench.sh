#!/usr/bin/env bash
# Benchmark (run through scripts/with-deps.sh; `make bench` does): ghz against
# the service (GetUser with a warm cache, CreateUser) and against
# bench/bareserver (the ceiling), plus peak RSS, start-to-SERVING and binary size.
# BENCH_DURATION (default 10s) and BENCH_CONCURRENCY (default 50) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?run through scripts/with-deps.sh}"
: "${TEST_REDIS_ADDR:?run through scripts/with-deps.sh}"
TOOLS_BIN="${TOOLS_BIN:-${HOME}/.cache/user-service/bin}"
GHZ="${TOOLS_BIN}/ghz"
DURATION="${BENCH_DURATION:-10s}"
CONC="${BENCH_CONCURRENCY:-50}"
CONNS="${BENCH_CONNECTIONS:-2}"

mkdir -p bin
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/server ./cmd/server
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/bareserver ./bench/bareserver
go build -o bin/benchctl ./bench/benchctl

free_port() { local p; while :; do p=$(( (RANDOM % 20000) + 30000 )); (exec 3<>"/dev/tcp/127.0.0.1/${p}") 2>/dev/null || { echo "${p}"; return; }; done; }
GRPC_PORT=$(free_port); HTTP_PORT=$(free_port); BARE_PORT=$(free_port)

DB="bench_$$"
psql "${TEST_DATABASE_URL}" -qc "CREATE DATABASE ${DB}" >/dev/null
DSN="${TEST_DATABASE_URL/\/postgres\?//${DB}?}"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "${p}" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

ghz_run() { # name addr call data
  local out
  out=$("${GHZ}" --insecure --import-paths api/proto,third_party,/usr/include --proto user/v1/user.proto \
    --call "$3" -d "$4" -c "${CONC}" --connections "${CONNS}" -z "${DURATION}" "$2" 2>&1)
  local rps p50 p99 ok
  rps=$(awk '/Requests\/sec:/ {print $2}' <<<"${out}")
  p50=$(awk '/ 50 % in / {print $4, $5}' <<<"${out}")
  p99=$(awk '/ 99 % in / {print $4, $5}' <<<"${out}")
  ok=$(awk '/\[OK\]/ {print $2}' <<<"${out}")
  printf '%-26s QPS %10s   p50 %-10s p99 %-10s OK responses %s\n' "$1" "${rps}" "${p50}" "${p99}" "${ok:-0}"
  grep -E '^\s+\[' <<<"${out}" | grep -v '\[OK\]' || true
}

# Service: measure start-to-SERVING (process exec to readiness SERVING).
start_ns=$(date +%s%N)
DATABASE_URL="${DSN}" REDIS_ADDR="${TEST_REDIS_ADDR}" GRPC_PORT="${GRPC_PORT}" HTTP_PORT="${HTTP_PORT}" \
  LOG_LEVEL=warn SHUTDOWN_DRAIN_SECONDS=0 PAGE_TOKEN_SECRET=bench-secret-0123456789 DB_MIN_CONNS=2 \
  ./bin/server >bin/server.log 2>&1 &
SRV=$!; PIDS+=("${SRV}")
startup_ms=$(./bin/benchctl wait -addr "127.0.0.1:${GRPC_PORT}" -since "${start_ns}")
id=$(./bin/benchctl seed -addr "127.0.0.1:${GRPC_PORT}")

./bin/bareserver -addr "127.0.0.1:${BARE_PORT}" &
BARE=$!; PIDS+=("${BARE}")
./bin/benchctl wait -addr "127.0.0.1:${BARE_PORT}" -since "$(date +%s%N)" >/dev/null

echo "== ghz: ${CONC} concurrent, ${CONNS} connections, ${DURATION} per run, $(nproc) CPUs shared by ghz, server, Redis, Postgres =="
ghz_run "bare GetUser (ceiling)" "127.0.0.1:${BARE_PORT}" user.v1.UserService.GetUser "{\"id\":\"${id}\"}"
ghz_run "service GetUser (warm)" "127.0.0.1:${GRPC_PORT}" user.v1.UserService.GetUser "{\"id\":\"${id}\"}"
svc_rss=$(awk '/VmHWM/ {print $2}' "/proc/${SRV}/status")
ghz_run "bare CreateUser" "127.0.0.1:${BARE_PORT}" user.v1.UserService.CreateUser '{"name":"Bench","email":"{{newUUID}}@example.com"}'
ghz_run "service CreateUser" "127.0.0.1:${GRPC_PORT}" user.v1.UserService.CreateUser '{"name":"Bench","email":"{{newUUID}}@example.com"}'
svc_rss_all=$(awk '/VmHWM/ {print $2}' "/proc/${SRV}/status")
bare_rss=$(awk '/VmHWM/ {print $2}' "/proc/${BARE}/status")

echo "== process =="
printf 'start to SERVING           %s ms\n' "${startup_ms}"
printf 'peak RSS (VmHWM) service   %s MiB after GetUser, %s MiB after CreateUser (bare: %s MiB)\n' \
  "$(awk "BEGIN{printf \"%.1f\", ${svc_rss}/1024}")" "$(awk "BEGIN{printf \"%.1f\", ${svc_rss_all}/1024}")" "$(awk "BEGIN{printf \"%.1f\", ${bare_rss}/1024}")"
printf 'binary size (stripped)     %s MiB (%s bytes)\n' "$(awk "BEGIN{printf \"%.1f\", $(stat -c %s bin/server)/1048576}")" "$(stat -c %s bin/server)"

#!/usr/bin/env bash
# Benchmark (run through scripts/with-deps.sh; `make bench` does): ghz against
# the service (GetUser with a warm cache, CreateUser, ListUsers streaming one
# page) and against bench/bareserver (the ceiling, same API from memory), in
# interleaved rounds so that both see the same machine load (the order of
# service and bare alternates from round to round). Prints every run, the
# medians with their spread, the service/bare ratios (of the medians and per
# round), peak RSS, start-to-SERVING and the stripped binary size, and writes
# all of it to bench/out/bench.json (git-ignored; ghz outputs in bench/out/runs).
#
# BENCH_DURATION (5s per run), BENCH_ROUNDS (3), BENCH_CONCURRENCY (50),
# BENCH_CONNECTIONS (2), BENCH_PAGE_SIZE (ListUsers page, 100) tune it; the
# run is bounded by ROUNDS x 6 x DURATION plus start-up.
# BENCH_SERVER_BIN=path measures that build of the service instead of this tree's.
# BENCH_PROFILE=1 builds the server with -tags pprof and, after the rounds,
# takes a CPU and an allocation profile of the service under GetUser load
# (bench/out/{cpu,allocs}-getuser.pprof) and prints their top entries.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?run through scripts/with-deps.sh}"
: "${TEST_REDIS_ADDR:?run through scripts/with-deps.sh}"
TOOLS_BIN="${TOOLS_BIN:-${HOME}/.cache/user-service/bin}"
GHZ="${TOOLS_BIN}/ghz"
DURATION="${BENCH_DURATION:-5s}"
ROUNDS="${BENCH_ROUNDS:-3}"
CONC="${BENCH_CONCURRENCY:-50}"
CONNS="${BENCH_CONNECTIONS:-2}"
PAGE="${BENCH_PAGE_SIZE:-100}"
PROFILE="${BENCH_PROFILE:-0}"
OUT=bench/out

mkdir -p bin "${OUT}"
rm -rf "${OUT}/runs"; mkdir -p "${OUT}/runs"
CGO_ENABLED=0 go build -tags grpcnotrace -trimpath -ldflags "-s -w" -o bin/server ./cmd/server
SERVER=bin/server
# BENCH_SERVER_BIN: measure another build of the service (e.g. an older
# commit's, for before/after figures from the same script and machine).
if [[ -n "${BENCH_SERVER_BIN:-}" ]]; then
  cp "${BENCH_SERVER_BIN}" bin/server-under-test
  SERVER=bin/server-under-test
fi
if [[ "${PROFILE}" == 1 ]]; then
  CGO_ENABLED=0 go build -tags grpcnotrace,pprof -trimpath -ldflags "-s -w" -o bin/server-pprof ./cmd/server
  SERVER=bin/server-pprof
fi
CGO_ENABLED=0 go build -tags grpcnotrace -trimpath -ldflags "-s -w" -o bin/bareserver ./bench/bareserver
go build -o bin/benchctl ./bench/benchctl

# Ports below the kernel's ephemeral range (32768-60999), so that no outgoing
# connection (ghz, psql, the servers' own) can take one before its server
# binds it (a run once failed "bind: address already in use"), and distinct.
PICKED=" "
pick_port() { # pick_port VAR: a free port, not one picked before, into VAR
  local p
  while :; do
    p=$(( (RANDOM % 12000) + 20000 ))
    [[ "${PICKED}" == *" ${p} "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/${p}") 2>/dev/null && continue
    PICKED+="${p} "
    printf -v "$1" '%s' "${p}"
    return
  done
}
for v in GRPC_PORT HTTP_PORT METRICS_PORT BARE_PORT PPROF_PORT; do pick_port "${v}"; done

DB="bench_$$"
psql "${TEST_DATABASE_URL}" -qc "CREATE DATABASE ${DB}" >/dev/null
DSN="${TEST_DATABASE_URL/\/postgres\?//${DB}?}"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "${p}" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Service: start-to-SERVING is exec to readiness SERVING (benchctl polls every 0.5 ms).
args=()
[[ "${PROFILE}" == 1 ]] && args=(-pprof-addr "127.0.0.1:${PPROF_PORT}")
start_ns=$(date +%s%N)
DATABASE_URL="${DSN}" REDIS_ADDR="${TEST_REDIS_ADDR}" GRPC_PORT="${GRPC_PORT}" HTTP_PORT="${HTTP_PORT}" \
  METRICS_PORT="${METRICS_PORT}" LOG_LEVEL=warn SHUTDOWN_DRAIN_SECONDS=0 \
  PAGE_TOKEN_SECRET=bench-secret-0123456789 DB_MIN_CONNS=2 \
  "./${SERVER}" "${args[@]}" >bin/server.log 2>&1 &
SRV=$!; PIDS+=("${SRV}")
startup_ms=$(./bin/benchctl wait -addr "127.0.0.1:${GRPC_PORT}" -since "${start_ns}" -timeout 60s)
id=$(./bin/benchctl seed -addr "127.0.0.1:${GRPC_PORT}" -users "${PAGE}" -timeout 60s)

./bin/bareserver -addr "127.0.0.1:${BARE_PORT}" &
BARE=$!; PIDS+=("${BARE}")
./bin/benchctl wait -addr "127.0.0.1:${BARE_PORT}" -since "$(date +%s%N)" >/dev/null

GET="{\"id\":\"${id}\"}"
CREATE='{"name":"Bench","email":"{{newUUID}}@example.com"}'
LIST="{\"page_size\":${PAGE}}"

# ghz_run SERVER METHOD FILE: one ghz run, its JSON output in FILE.
ghz_run() {
  local addr data
  case "$1" in bare) addr="127.0.0.1:${BARE_PORT}" ;; service) addr="127.0.0.1:${GRPC_PORT}" ;; esac
  case "$2" in GetUser) data="${GET}" ;; CreateUser) data="${CREATE}" ;; ListUsers) data="${LIST}" ;; esac
  "${GHZ}" --insecure --import-paths api/proto,third_party,/usr/include --proto user/v1/user.proto \
    --call "user.v1.UserService.$2" -d "${data}" -c "${CONC}" --connections "${CONNS}" -z "${DURATION}" \
    -O json -o "$3" "${addr}" 2>/dev/null || true
}
# cpu_ticks PID: user + system CPU of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# line FILE: "QPS p50_ms p99_ms OK errors" of one ghz output.
line() { ./bin/benchctl line "$1" || echo "- - - 0 -"; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== ghz: ${CONC} concurrent, ${CONNS} connections, ${DURATION} per run, ${ROUNDS} interleaved rounds; ListUsers pages of ${PAGE}; $(nproc) CPUs shared by ghz, servers, Redis, Postgres; load average at start: ${load_start} =="
printf '%-6s %-8s %-11s %8s %8s %8s %8s %6s\n' round server method QPS p50_ms p99_ms OK errors
for round in $(seq 1 "${ROUNDS}"); do
  if (( round % 2 )); then order=(bare service); else order=(service bare); fi
  for method in GetUser CreateUser ListUsers; do
    for server in "${order[@]}"; do
      f="${OUT}/runs/r${round}-${server}-${method}.json"
      pid="${SRV}"; [[ "${server}" == bare ]] && pid="${BARE}"
      t0=$(cpu_ticks "${pid}")
      ghz_run "${server}" "${method}" "${f}"
      # CPU the server process used during the run (clock ticks): per call,
      # this does not depend on how much of the machine others took.
      echo "$(( $(cpu_ticks "${pid}") - t0 )) $(getconf CLK_TCK)" >"${f%.json}.cpu"
      # shellcheck disable=SC2046
      printf '%-6s %-8s %-11s %8s %8s %8s %8s %6s\n' "${round}" "${server}" "${method}" $(line "${f}")
    done
    if [[ "${round}" -eq 1 && "${method}" == GetUser ]]; then
      get_rss=$(awk '/VmHWM/ {print $2}' "/proc/${SRV}/status")
    fi
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
all_rss=$(awk '/VmHWM/ {print $2}' "/proc/${SRV}/status")
bare_rss=$(awk '/VmHWM/ {print $2}' "/proc/${BARE}/status")
size=$(stat -c %s bin/server)
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

./bin/benchctl report -runs "${OUT}/runs" -out "${OUT}/bench.json" -page-size "${PAGE}" \
  -setting "duration=${DURATION}" -setting "rounds=${ROUNDS}" -setting "concurrency=${CONC}" \
  -setting "connections=${CONNS}" -setting "page_size=${PAGE}" -setting "cpus=$(nproc)" \
  -setting "server_build=${SERVER}" -setting "commit=$(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- . 2>/dev/null || echo -dirty)" \
  -process "peak_rss_mib=$(mib "${all_rss}")" -process "peak_rss_mib_after_getuser=$(mib "${get_rss}")" \
  -process "bare_peak_rss_mib=$(mib "${bare_rss}")" -process "startup_ms=${startup_ms}" \
  -process "binary_bytes=${size}" \
  -load "start=${load_start}" -load "end=${load_end}"
echo "== process =="
printf 'start to SERVING           %s ms\n' "${startup_ms}"
printf 'peak RSS (VmHWM) service   %s MiB after all runs, %s MiB after round 1 GetUser (bare: %s MiB)\n' \
  "$(mib "${all_rss}")" "$(mib "${get_rss}")" "$(mib "${bare_rss}")"
printf 'binary size (stripped)     %.1f MiB (%s bytes)\n' "$(awk -v b="${size}" 'BEGIN{print b/1048576}')" "${size}"
echo "load average at end: ${load_end}"

if [[ "${PROFILE}" == 1 ]]; then
  secs="${DURATION%s}"
  echo "== profiles of the service under GetUser load (${DURATION}) =="
  curl -sf -o "${OUT}/cpu-getuser.pprof" "http://127.0.0.1:${PPROF_PORT}/debug/pprof/profile?seconds=${secs}" &
  c1=$!
  curl -sf -o "${OUT}/allocs-getuser.pprof" "http://127.0.0.1:${PPROF_PORT}/debug/pprof/allocs?seconds=${secs}" &
  c2=$!
  sleep 0.2
  ghz_run service GetUser "${OUT}/runs-profile.json"
  wait "${c1}" "${c2}"
  echo "-- CPU (flat) --"
  go tool pprof -top -nodecount=30 bin/server-pprof "${OUT}/cpu-getuser.pprof" 2>/dev/null | sed -n '1,40p'
  echo "-- CPU (cumulative) --"
  go tool pprof -top -cum -nodecount=30 bin/server-pprof "${OUT}/cpu-getuser.pprof" 2>/dev/null | sed -n '5,40p'
  echo "-- allocations (alloc_space, flat) --"
  go tool pprof -top -sample_index=alloc_space -nodecount=25 bin/server-pprof "${OUT}/allocs-getuser.pprof" 2>/dev/null | sed -n '1,35p'
fi

#!/usr/bin/env bash
# Benchmark (run through scripts/with-deps.sh; `make bench` does): ghz against
# the service (GetUser with a warm cache, CreateUser) and against
# bench/bareserver (the ceiling), in interleaved rounds so that both see the
# same machine load; prints per-round figures and medians, then peak RSS,
# start-to-SERVING and the stripped binary size.
# BENCH_DURATION (5s per run), BENCH_ROUNDS (3), BENCH_CONCURRENCY (50),
# BENCH_CONNECTIONS (2) tune it; the whole run is bounded by
# ROUNDS x 4 x DURATION plus start-up.
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

mkdir -p bin
CGO_ENABLED=0 go build -tags grpcnotrace -trimpath -ldflags "-s -w" -o bin/server ./cmd/server
CGO_ENABLED=0 go build -tags grpcnotrace -trimpath -ldflags "-s -w" -o bin/bareserver ./bench/bareserver
go build -o bin/benchctl ./bench/benchctl

free_port() { local p; while :; do p=$(( (RANDOM % 20000) + 30000 )); (exec 3<>"/dev/tcp/127.0.0.1/${p}") 2>/dev/null || { echo "${p}"; return; }; done; }
GRPC_PORT=$(free_port); HTTP_PORT=$(free_port); BARE_PORT=$(free_port)

DB="bench_$$"
psql "${TEST_DATABASE_URL}" -qc "CREATE DATABASE ${DB}" >/dev/null
DSN="${TEST_DATABASE_URL/\/postgres\?//${DB}?}"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "${p}" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# ghz_run ADDR CALL DATA -> "rps p50_ms p99_ms ok errors"
ghz_run() {
  local json rps p50 p99 ok count
  json=$("${GHZ}" --insecure --import-paths api/proto,third_party,/usr/include --proto user/v1/user.proto \
    --call "$2" -d "$3" -c "${CONC}" --connections "${CONNS}" -z "${DURATION}" -O json "$1" 2>/dev/null)
  rps=$(grep -o '"rps":[0-9.]*' <<<"${json}" | cut -d: -f2)
  p50=$(grep -o '{"percentage":50,"latency":[0-9]*}' <<<"${json}" | grep -o '[0-9]*}' | tr -d '}')
  p99=$(grep -o '{"percentage":99,"latency":[0-9]*}' <<<"${json}" | grep -o '[0-9]*}' | tr -d '}')
  ok=$(grep -o '"OK":[0-9]*' <<<"${json}" | cut -d: -f2)
  count=$(grep -o '"count":[0-9]*' <<<"${json}" | head -n1 | cut -d: -f2)
  awk -v r="${rps:-0}" -v a="${p50:-0}" -v b="${p99:-0}" -v ok="${ok:-0}" -v n="${count:-0}" \
    'BEGIN { printf "%.0f %.2f %.2f %d %d\n", r, a/1e6, b/1e6, ok, n-ok }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Service: start-to-SERVING is exec to readiness SERVING (benchctl polls every 0.5 ms).
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

GET="{\"id\":\"${id}\"}"
CREATE='{"name":"Bench","email":"{{newUUID}}@example.com"}'
declare -A RES
echo "== ghz: ${CONC} concurrent, ${CONNS} connections, ${DURATION} per run, ${ROUNDS} interleaved rounds; $(nproc) CPUs shared by ghz, servers, Redis, Postgres; load average at start: $(cut -d' ' -f1-3 /proc/loadavg) =="
printf '%-6s %-24s %10s %10s %10s %8s %6s\n' round target QPS p50_ms p99_ms OK errors
for round in $(seq 1 "${ROUNDS}"); do
  for target in "bare GetUser" "service GetUser" "bare CreateUser" "service CreateUser"; do
    case "${target}" in
      "bare GetUser") r=$(ghz_run "127.0.0.1:${BARE_PORT}" user.v1.UserService.GetUser "${GET}") ;;
      "service GetUser") r=$(ghz_run "127.0.0.1:${GRPC_PORT}" user.v1.UserService.GetUser "${GET}") ;;
      "bare CreateUser") r=$(ghz_run "127.0.0.1:${BARE_PORT}" user.v1.UserService.CreateUser "${CREATE}") ;;
      "service CreateUser") r=$(ghz_run "127.0.0.1:${GRPC_PORT}" user.v1.UserService.CreateUser "${CREATE}") ;;
    esac
    RES["${target}"]+="${r}"$'\n'
    # shellcheck disable=SC2086
    printf '%-6s %-24s %10s %10s %10s %8s %6s\n' "${round}" "${target}" ${r}
  done
  [[ "${round}" -eq 1 ]] && get_rss=$(awk '/VmHWM/ {print $2}' "/proc/${SRV}/status")
done
echo "== medians =="
for target in "bare GetUser" "service GetUser" "bare CreateUser" "service CreateUser"; do
  col() { sed '/^$/d' <<<"${RES[${target}]}" | awk -v c="$1" '{print $c}' | median; }
  printf '%-24s QPS %8s   p50 %7s ms   p99 %7s ms\n' "${target}" "$(col 1)" "$(col 2)" "$(col 3)"
done
ratio() { awk -v s="$(sed '/^$/d' <<<"${RES[service $1]}" | awk '{print $1}' | median)" -v b="$(sed '/^$/d' <<<"${RES[bare $1]}" | awk '{print $1}' | median)" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * s / b : 0) }'; }
# Rounds are interleaved, so the per-round ratio cancels most of the load drift.
round_ratio() { paste <(sed '/^$/d' <<<"${RES[service $1]}" | awk '{print $1}') <(sed '/^$/d' <<<"${RES[bare $1]}" | awk '{print $1}') | awk '{ printf "%.0f\n", ($2 > 0 ? 100 * $1 / $2 : 0) }' | median; }
echo "service/bare QPS: GetUser $(ratio GetUser) of medians, $(round_ratio GetUser)% median per round; CreateUser $(ratio CreateUser) of medians, $(round_ratio CreateUser)% median per round"
all_rss=$(awk '/VmHWM/ {print $2}' "/proc/${SRV}/status")
bare_rss=$(awk '/VmHWM/ {print $2}' "/proc/${BARE}/status")
echo "== process =="
printf 'start to SERVING           %s ms\n' "${startup_ms}"
printf 'peak RSS (VmHWM) service   %.1f MiB after GetUser load, %.1f MiB after all runs (bare: %.1f MiB)\n' \
  "$(awk -v k="${get_rss}" 'BEGIN{print k/1024}')" "$(awk -v k="${all_rss}" 'BEGIN{print k/1024}')" "$(awk -v k="${bare_rss}" 'BEGIN{print k/1024}')"
printf 'binary size (stripped)     %.1f MiB (%s bytes)\n' "$(awk -v b="$(stat -c %s bin/server)" 'BEGIN{print b/1048576}')" "$(stat -c %s bin/server)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

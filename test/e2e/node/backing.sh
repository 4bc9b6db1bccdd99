#!/usr/bin/env bash
# test/e2e/node/backing.sh up|down STATE_DIR LISTEN_IP — Postgres and Redis from Debian as host
# processes for the pods of the real nodes: data under STATE_DIR, free ports, listening on
# LISTEN_IP (node 1's bridge address, reachable from every pod) and 127.0.0.1. Postgres needs TLS
# (the charts' sslmode is `require`): a self-signed certificate of this run. Passwords come from
# STATE_DIR/secrets/{DB_PASSWORD,REDIS_PASSWORD} (written by the caller).
#   up    start both; writes STATE_DIR/backing.env (PG_PORT, REDIS_PORT, ...)
#   down  stop both by pid (the pid files of this STATE_DIR only)
set -euo pipefail
mode=${1:?usage: backing.sh up|down STATE_DIR LISTEN_IP}
state=${2:?STATE_DIR}
ip=${3:-127.0.0.1}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
log() { printf '[backing %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[backing] ERROR: %s\n' "$*" >&2; exit 1; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

up() {
  [[ -x $PG_BIN/postgres ]] || die "missing tool: postgres (apt-get install postgresql)"
  command -v redis-server >/dev/null || die "missing tool: redis-server (apt-get install redis-server)"
  local pg=$state/postgres pg_port redis_port
  mkdir -p "$pg" "$state/redis" "$state/pids" "$state/logs"
  pg_port=$(free_port) redis_port=$(free_port)
  chown postgres: "$pg"
  runuser -u postgres -- test -w "$pg" || die "user postgres cannot write $pg (a parent directory is not searchable by it)"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$pg/data" -U postgres --auth-local=trust --auth-host=reject >/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=postgres.e2e" \
    -keyout "$pg/data/server.key" -out "$pg/data/server.crt" 2>/dev/null
  chown postgres: "$pg/data/server.key" "$pg/data/server.crt"
  chmod 600 "$pg/data/server.key"
  cat >>"$pg/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1,$ip'
port = $pg_port
unix_socket_directories = '$pg'
ssl = on
max_connections = 60
fsync = off
CONF
  cat >"$pg/data/pg_hba.conf" <<CONF
local all postgres trust
hostssl users user_service 127.0.0.1/32 scram-sha-256
hostssl users user_service 10.89.0.0/16 scram-sha-256
CONF
  setsid runuser -u postgres -- "$PG_BIN/postgres" -D "$pg/data" >"$state/logs/postgres.log" 2>&1 </dev/null &
  echo $! >"$state/pids/postgres.pid"
  for _ in $(seq 1 60); do
    runuser -u postgres -- psql -h "$pg" -p "$pg_port" -U postgres -c 'select 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  local pw
  pw=$(cat "$state/secrets/DB_PASSWORD")
  runuser -u postgres -- psql -q -h "$pg" -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 \
    -c "create role user_service login password '$pw'" -c "create database users owner user_service" >/dev/null
  log "postgres pid $(cat "$state/pids/postgres.pid") on $ip:$pg_port and 127.0.0.1:$pg_port (TLS, db users, empty)"
  setsid redis-server --port "$redis_port" --bind "127.0.0.1 $ip" --protected-mode no \
    --requirepass "$(cat "$state/secrets/REDIS_PASSWORD")" --save '' --appendonly no \
    --dir "$state/redis" --daemonize no >"$state/logs/redis.log" 2>&1 </dev/null &
  echo $! >"$state/pids/redis.pid"
  for _ in $(seq 1 40); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>&1 | grep -q 'PONG\|NOAUTH' && break
    sleep 0.25
  done
  log "redis pid $(cat "$state/pids/redis.pid") on $ip:$redis_port"
  printf 'PG_PORT=%s\nREDIS_PORT=%s\nBACKING_IP=%s\nPG_SOCKET_DIR=%s\n' "$pg_port" "$redis_port" "$ip" "$pg" >"$state/backing.env"
}

down() {
  local name f pid
  for name in redis postgres; do
    f=$state/pids/$name.pid
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    # setsid runuser: the pid is runuser's; postgres is its child — TERM the session we started
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      log "$name stopped (pid $pid)"
    fi
    rm -f "$f"
  done
}

case $mode in
  up) up ;;
  down) down ;;
  *) die "usage: backing.sh up|down STATE_DIR LISTEN_IP" ;;
esac

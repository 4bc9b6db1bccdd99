#!/usr/bin/env bash
# test/e2e/cluster.sh — a throwaway Kubernetes control plane on loopback, with kwok fake nodes.
#
#   test/e2e/cluster.sh start    start etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                                kwok and 4 fake Nodes (zone-a, zone-b); prints `export KUBECONFIG=...`
#   test/e2e/cluster.sh stop     stop every process started (by its pid file) and remove the state dir
#   test/e2e/cluster.sh status   show the pids and `kubectl get nodes`
#   test/e2e/cluster.sh env      print the exports (KUBECONFIG, PATH) for a running cluster
#   test/e2e/with-cluster.sh CMD...   start, run CMD with KUBECONFIG set, always stop
#
# Binaries come from test/e2e/tools.sh (built/cached on first use). Everything listens on 127.0.0.1
# only, on free ports picked at start. No container runtime: pods are scheduled onto kwok nodes and
# kwok marks them Running/Ready; no container process runs and no pod or service IP carries traffic.
#
# Environment:
#   E2E_CLUSTER_DIR  state dir (default: /tmp/user-platform-e2e-cluster); holds pids, certs, logs
#   E2E_KEEP_STATE=1 keep the state dir (logs) at stop
#   E2E_NODES        number of fake nodes (default 4, alternating zone-a / zone-b)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${E2E_CLUSTER_DIR:-/tmp/user-platform-e2e-cluster}
NODES=${E2E_NODES:-4}
SERVICE_CIDR=10.96.0.0/16       # virtual: allocated by the apiserver, never routed (no kube-proxy)
POD_CIDR=10.244.0.1/16          # fake pod IPs kwok writes into pod status; nothing listens there

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

tools_env() {
  local bin
  bin=$("$SCRIPT_DIR/tools.sh")
  # shellcheck disable=SC1091
  source "$(dirname "$bin")/env.sh"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- certificates
gen_pki() {
  local p=$STATE/pki
  mkdir -p "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=e2e-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  # apiserver serving cert: loopback + the in-cluster names of the kubernetes Service
  cat >"$p/apiserver.ext" <<EOF
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
keyUsage=digitalSignature,keyEncipherment
EOF
  sign_cert apiserver "/CN=kube-apiserver" "$p/apiserver.ext"
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >"$p/client.ext"
  sign_cert admin "/O=system:masters/CN=e2e-admin" "$p/client.ext"
  sign_cert controller-manager "/CN=system:kube-controller-manager" "$p/client.ext"
  sign_cert scheduler "/CN=system:kube-scheduler" "$p/client.ext"
  sign_cert kwok "/O=system:masters/CN=kwok" "$p/client.ext"
  # service-account token signing key pair
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  chmod 600 "$p"/*.key
}

sign_cert() { # name subject extfile
  local p=$STATE/pki
  openssl req -new -newkey rsa:2048 -nodes -subj "$2" -keyout "$p/$1.key" -out "$p/$1.csr" 2>/dev/null
  openssl x509 -req -in "$p/$1.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -sha256 \
    -days 2 -extfile "$3" -out "$p/$1.crt" 2>/dev/null
}

kubeconfig() { # name -> $STATE/<name>.kubeconfig using pki/<name>.{crt,key}
  local f=$STATE/$1.kubeconfig
  cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $STATE/pki/ca.crt
users:
- name: $1
  user:
    client-certificate: $STATE/pki/$1.crt
    client-key: $STATE/pki/$1.key
contexts:
- name: e2e
  context: {cluster: e2e, user: $1}
current-context: e2e
EOF
  chmod 600 "$f"
}

# ---------------------------------------------------------------- processes
spawn() { # name cmd... : run detached in its own session, pid in $STATE/pids/<name>.pid
  local name=$1
  shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
  log "$name started (pid $!, log $STATE/logs/$name.log)"
}

alive() { local f=$STATE/pids/$1.pid; [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }

wait_for() { # description timeout-seconds process-name cmd...
  local what=$1 timeout=$2 proc=$3 i
  shift 3
  for ((i = 0; i < timeout * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -n $proc ]] && ! alive "$proc"; then
      tail -n 30 "$STATE/logs/$proc.log" >&2 || true
      die "$proc exited while waiting for $what"
    fi
    sleep 0.5
  done
  [[ -n $proc ]] && tail -n 30 "$STATE/logs/$proc.log" >&2
  die "timed out after ${timeout}s waiting for $what"
}

stop_all() {
  local f pid name
  [[ -d $STATE/pids ]] || { log "nothing to stop in $STATE"; return 0; }
  # reverse start order: kwok, scheduler, controller-manager, apiserver, etcd
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    f=$STATE/pids/$name.pid
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      log "$name stopped (pid $pid)"
    fi
    rm -f "$f"
  done
  if [[ ${E2E_KEEP_STATE:-0} == 1 ]]; then
    log "state kept in $STATE"
  else
    rm -rf "$STATE"
  fi
}

create_nodes() {
  local i zone name
  for ((i = 1; i <= NODES; i++)); do
    if ((i % 2)); then zone=zone-a; else zone=zone-b; fi
    name=kwok-node-$i
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node.kubernetes.io/instance-type: kwok-4x16
    topology.kubernetes.io/region: e2e
    topology.kubernetes.io/zone: $zone
spec: {}
status:
  allocatable: {cpu: "4", memory: 16Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "4", memory: 16Gi, pods: "110", ephemeral-storage: 100Gi}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
EOF
  done | kubectl apply -f - >&2
}

start() {
  if alive kube-apiserver; then die "a cluster is already running in $STATE (cluster.sh stop first)"; fi
  rm -rf "$STATE"
  mkdir -p "$STATE"/{pids,logs,etcd}
  local t0
  t0=$(date +%s)
  tools_env
  # on any failure during start, stop what was started
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "start failed (exit $rc): stopping"; E2E_KEEP_STATE=${E2E_KEEP_STATE:-0} stop_all; fi' EXIT

  ETCD_PORT=$(free_port)
  ETCD_PEER_PORT=$(free_port)
  API_PORT=$(free_port)
  echo "ETCD_PORT=$ETCD_PORT ETCD_PEER_PORT=$ETCD_PEER_PORT API_PORT=$API_PORT" >"$STATE/ports"
  gen_pki
  for n in admin controller-manager scheduler kwok; do kubeconfig "$n"; done

  spawn etcd etcd --name e2e --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
  wait_for "etcd health" 30 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

  local p=$STATE/pki
  spawn kube-apiserver kube-apiserver \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$API_PORT" --advertise-address 127.0.0.1 \
    --endpoint-reconciler-type none \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --client-ca-file "$p/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode RBAC \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,DefaultStorageClass,ResourceQuota,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy \
    --allow-privileged=false --profiling=false \
    --cert-dir "$STATE/apiserver-certs"
  wait_for "kube-apiserver /readyz" 90 kube-apiserver \
    curl -fsS --cacert "$p/ca.crt" --cert "$p/admin.crt" --key "$p/admin.key" \
    "https://127.0.0.1:$API_PORT/readyz"

  export KUBECONFIG=$STATE/admin.kubeconfig

  spawn kube-controller-manager kube-controller-manager \
    --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 \
    --leader-elect=false \
    --service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$p/ca.crt" --cluster-signing-key-file "$p/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --controllers '*,-nodeipam,-cloud-node-lifecycle,-service,-route' \
    --node-monitor-grace-period 30m \
    --profiling=false
  spawn kube-scheduler kube-scheduler \
    --kubeconfig "$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 \
    --leader-elect=false --profiling=false
  spawn kwok kwok \
    --kubeconfig "$STATE/kwok.kubeconfig" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr "$POD_CIDR" --node-ip 127.0.0.1 --node-port 0 \
    --server-address ""

  create_nodes
  wait_for "fake nodes Ready" 60 kwok \
    kubectl wait --for=condition=Ready node -l type=kwok --timeout=2s
  # the default ServiceAccount is created by the controller-manager: wait for it, pods need it
  wait_for "default ServiceAccount" 60 kube-controller-manager kubectl get serviceaccount default -n default
  trap - EXIT
  log "cluster up in $(($(date +%s) - t0))s"
  kubectl get nodes -L topology.kubernetes.io/zone >&2
  print_env
}

print_env() {
  [[ -f $STATE/admin.kubeconfig ]] || die "no cluster in $STATE"
  local bin
  bin=$("$SCRIPT_DIR/tools.sh" print-dir)/bin
  echo "export KUBECONFIG=$STATE/admin.kubeconfig"
  echo "export PATH=$bin:\$PATH"
}

status() {
  local f
  for f in "$STATE"/pids/*.pid; do
    [[ -f $f ]] || continue
    if kill -0 "$(cat "$f")" 2>/dev/null; then s=running; else s=dead; fi
    printf '%-26s pid %-8s %s\n' "$(basename "$f" .pid)" "$(cat "$f")" "$s"
  done
  tools_env
  KUBECONFIG=$STATE/admin.kubeconfig kubectl get nodes -L topology.kubernetes.io/zone
}

case ${1:-} in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# test/e2e/node/node.sh — real Kubernetes nodes (containerd + runc + CNI bridge + kubelet) joined to
# a running e2e control plane (test/e2e/cluster.sh), next to its kwok nodes, plus kube-proxy and
# CoreDNS as host processes. Everything it starts is recorded by pid in its state dir and stopped
# by pid; nothing on the machine that it did not start is touched.
#
#   node.sh up      steps: network, runtime + images (per node), dns, node (per node), proxy
#   node.sh down    teardown (also after a failed or partial up): pods off the nodes, kubelets,
#                   containers, containerds, kube-proxy rules, CoreDNS, bridges, routes, mounts
#   node.sh env     print the facts the suite reads (node names, bridge addresses, ...)
#
# Environment:
#   E2E_CLUSTER_DIR   the control plane's state dir (its pki/ and ports file) — required
#   E2E_NODE_DIR      this harness's state dir (default $E2E_CLUSTER_DIR/node)
#   E2E_REAL_NODES    number of real nodes (default 2: the drain check needs a second one)
#   E2E_NODE_IMAGES   directory of docker-archive tars to import into every node (images step)
#
# Addresses: node i gets bridge e2e<k>n<i> with 10.89.<2k+i-1>.1/24 (k picked free per run); the
# kubelet's --node-ip is that address. The service CIDR (10.96.0.0/16) is routed to node 1's
# bridge before anything touches a ClusterIP, and the kwok pod CIDR (10.244.0.0/16, where the
# fake Consul pods "live") is an `unreachable` route: test traffic never leaves the machine.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER=${E2E_CLUSTER_DIR:?E2E_CLUSTER_DIR: the control plane state dir (test/e2e/cluster.sh)}
STATE=${E2E_NODE_DIR:-$CLUSTER/node}
NODES=${E2E_REAL_NODES:-2}
SERVICE_CIDR=10.96.0.0/16   # test/e2e/cluster.sh SERVICE_CIDR
KWOK_POD_CIDR=10.244.0.0/16 # test/e2e/cluster.sh POD_CIDR
SANDBOX_IMAGE=registry.k8s.io/pause:3.10
CNI_BIN=/usr/lib/cni

log() { printf '[node %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[node] ERROR: %s\n' "$*" >&2; exit 1; }

need() { # need TOOL HINT: fail loudly, naming the missing tool
  command -v "$1" >/dev/null 2>&1 || die "missing tool: $1 ($2)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

spawn() { # name cmd...
  local name=$1
  shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
  log "$name started (pid $!, log $STATE/logs/$name.log)"
}
alive() { local f=$STATE/pids/$1.pid; [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }
stop_pid() { # name: TERM, wait up to 10 s, KILL
  local f=$STATE/pids/$1.pid pid
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    log "$1 stopped (pid $pid)"
  fi
  rm -f "$f"
}
wait_for() { # what timeout proc cmd...
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

# ---------------------------------------------------------------- facts of this run
load_facts() { [[ -f $STATE/facts ]] && source "$STATE/facts"; }
node_name() { echo "e2e-real-$1"; }
bridge_of() { echo "e2e${K}n$1"; }
subnet_of() { echo "10.89.$((2 * K + $1 - 1))"; }  # + .0/24, gateway .1
kubectl_admin() { kubectl --kubeconfig "$CLUSTER/admin.kubeconfig" "$@"; }
ctr_of() { ctr --address "$STATE/n$1/containerd.sock" -n k8s.io "${@:2}"; }

sign() { # name subject: a client cert signed by the control plane's CA
  local p=$STATE/pki
  openssl req -new -newkey rsa:2048 -nodes -subj "$2" -keyout "$p/$1.key" -out "$p/$1.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >"$p/client.ext"
  openssl x509 -req -in "$p/$1.csr" -CA "$CLUSTER/pki/ca.crt" -CAkey "$CLUSTER/pki/ca.key" \
    -CAcreateserial -CAserial "$p/ca.srl" -sha256 -days 2 -extfile "$p/client.ext" -out "$p/$1.crt" 2>/dev/null
  chmod 600 "$p/$1.key"
}
kubeconfig_for() { # name -> $STATE/<name>.kubeconfig
  local api_port
  api_port=$(sed -n 's/.*API_PORT=\([0-9]*\).*/\1/p' "$CLUSTER/ports")
  cat >"$STATE/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$CLUSTER/pki/ca.crt"}
users:
- name: $1
  user: {client-certificate: "$STATE/pki/$1.crt", client-key: "$STATE/pki/$1.key"}
contexts:
- name: e2e
  context: {cluster: e2e, user: $1}
current-context: e2e
EOF
  chmod 600 "$STATE/$1.kubeconfig"
}

# ---------------------------------------------------------------- step: network
step_network() {
  local i br sub
  # a free /23-aligned pair of /24s in 10.89.0.0/16 (other runs on this machine use other k)
  for K in $(shuf -i 1-100 -n 100); do
    ip route show | grep -q "^10\.89\.$((2 * K))\.\|^10\.89\.$((2 * K + 1))\." || break
  done
  echo "K=$K" >>"$STATE/facts"
  sysctl -n net.ipv4.ip_forward >"$STATE/ip_forward.before"
  sysctl -qw net.ipv4.ip_forward=1
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  for ((i = 1; i <= NODES; i++)); do
    br=$(bridge_of "$i") sub=$(subnet_of "$i")
    # A fixed MAC (locally administered, from the subnet: 02:00:0a:59:<3rd octet>:01). Without
    # one the kernel gives the bridge the lowest MAC of its ports, so it changes whenever a pod's
    # veth comes or goes; the pods' ARP entries for the gateway then point at a MAC nobody owns and
    # their replies vanish until the entry is probed again (seconds): in a rolling update, calls to
    # the surviving pods on that node timed out (DeadlineExceeded) after an old pod's veth left.
    ip link add name "$br" address "$(printf '02:00:0a:59:%02x:01' "${sub##*.}")" type bridge
    echo "$br" >>"$STATE/bridges"
    ip addr add "$sub.1/24" dev "$br"
    ip link set "$br" up
    log "bridge $br $sub.1/24 (node $(node_name "$i"))"
  done
  # the service CIDR goes to node 1's bridge (kube-proxy DNATs it) — before anything touches a ClusterIP
  if ip route show "$SERVICE_CIDR" | grep -q .; then
    die "$SERVICE_CIDR is already routed on this machine ($(ip route show "$SERVICE_CIDR")): another real-node run? not touching it"
  fi
  ip route add "$SERVICE_CIDR" dev "$(bridge_of 1)" src "$(subnet_of 1).1"
  echo "$SERVICE_CIDR" >>"$STATE/routes"
  if ! ip route show "$KWOK_POD_CIDR" | grep -q .; then
    ip route add unreachable "$KWOK_POD_CIDR"
    echo "unreachable $KWOK_POD_CIDR" >>"$STATE/routes"
  fi
  log "routes: $SERVICE_CIDR dev $(bridge_of 1); unreachable $KWOK_POD_CIDR (kwok pod IPs)"
}

# ---------------------------------------------------------------- step: runtime (containerd + CNI)
step_runtime() { # node index
  local i=$1 d=$STATE/n$1 sub br
  sub=$(subnet_of "$i") br=$(bridge_of "$i")
  mkdir -p "$d"/{root,state,cni,ipam,opt}
  cat >"$d/cni/10-e2e.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "e2e-$K-n$i",
  "plugins": [
    {
      "type": "bridge", "bridge": "$br", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$d/ipam",
                "ranges": [[{ "subnet": "$sub.0/24", "gateway": "$sub.1" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  cat >"$d/containerd.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$SANDBOX_IMAGE"
  # runc's nsexec cannot lower oom_score_adj in this container (see test/e2e/node/README.md)
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$d/cni"
    max_conf_num = 1
EOF
  spawn "containerd-$i" containerd --config "$d/containerd.toml"
  wait_for "containerd $i" 30 "containerd-$i" ctr --address "$d/containerd.sock" version
}

# ---------------------------------------------------------------- step: images
step_images() { # node index
  local i=$1 f
  [[ -n ${E2E_NODE_IMAGES:-} ]] || die "E2E_NODE_IMAGES: no image directory (test/e2e/node/images.sh)"
  for f in "$E2E_NODE_IMAGES"/*.tar; do
    ctr_of "$i" images import --no-unpack=false "$f" >/dev/null
  done
  ctr_of "$i" images ls -q | sed "s/^/[node $i image] /" >&2
}

# ---------------------------------------------------------------- step: node (kubelet)
step_node() { # node index
  local i=$1 d=$STATE/n$1 name sub port hport zone
  name=$(node_name "$i") sub=$(subnet_of "$i")
  port=$(free_port) hport=$(free_port)
  if ((i % 2)); then zone=zone-a; else zone=zone-b; fi
  sign "kubelet-$i" "/O=system:nodes/CN=system:node:$name"
  kubeconfig_for "kubelet-$i"
  : >"$d/resolv.conf"
  cat >"$d/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$d/containerd.sock
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
cgroupsPerQOS: false
enforceNodeAllocatable: []
evictionHard: {}
address: 127.0.0.1
port: $port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $hport
authentication:
  x509: {clientCAFile: "$CLUSTER/pki/ca.crt"}
  webhook: {enabled: false}
  anonymous: {enabled: false}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: ["$(subnet_of 1).1"]
resolvConf: "$d/resolv.conf"
podLogsDir: "$d/pod-logs"
volumePluginDir: "$d/volume-plugins"
serializeImagePulls: false
nodeStatusUpdateFrequency: 5s
maxPods: 30
EOF
  spawn "kubelet-$i" kubelet --config "$d/kubelet.yaml" --kubeconfig "$STATE/kubelet-$i.kubeconfig" \
    --root-dir "$d/kubelet" --cert-dir "$d/kubelet-pki" --hostname-override "$name" --node-ip "$sub.1" \
    --node-labels "e2e.user-platform.example.com/real=true,topology.kubernetes.io/zone=$zone,topology.kubernetes.io/region=e2e" \
    --v=1
  echo "KUBELET_HEALTHZ_$i=$hport" >>"$STATE/facts"
  wait_for "node $name Ready" 120 "kubelet-$i" \
    kubectl_admin wait --for=condition=Ready "node/$name" --timeout=2s
  log "node $name Ready ($sub.1, $zone)"
}

# ---------------------------------------------------------------- step: proxy (kube-proxy)
step_proxy() {
  sign kube-proxy "/CN=system:kube-proxy"
  kubeconfig_for kube-proxy
  local hp mp
  hp=$(free_port) mp=$(free_port)
  cat >"$STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$STATE/kube-proxy.kubeconfig"}
mode: iptables
hostnameOverride: $(node_name 1)
clusterCIDR: 10.89.$((2 * K)).0/23
healthzBindAddress: 127.0.0.1:$hp
metricsBindAddress: 127.0.0.1:$mp
nodePortAddresses: ["127.0.0.1/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {minSyncPeriod: 0s, syncPeriod: 30s}
EOF
  # one kube-proxy for all nodes: they share this network namespace (and its iptables)
  spawn kube-proxy kube-proxy --config "$STATE/kube-proxy.yaml" --v=1
  echo "KUBE_PROXY_HEALTHZ=$hp" >>"$STATE/facts"
  wait_for "kube-proxy healthz" 60 kube-proxy curl -fsS "http://127.0.0.1:$hp/healthz"
}

# ---------------------------------------------------------------- step: dns (CoreDNS)
step_dns() {
  local ip hp rp
  ip=$(subnet_of 1).1 hp=$(free_port) rp=$(free_port)
  sign coredns "/O=system:masters/CN=e2e-coredns"
  kubeconfig_for coredns
  cat >"$STATE/Corefile" <<EOF
cluster.local:53 in-addr.arpa:53 {
    bind $ip
    errors
    health 127.0.0.1:$hp
    ready 127.0.0.1:$rp
    kubernetes cluster.local in-addr.arpa {
        kubeconfig $STATE/coredns.kubeconfig e2e
        pods insecure
    }
    cache 5
    loadbalance
}
EOF
  spawn coredns coredns -conf "$STATE/Corefile"
  echo "DNS_IP=$ip DNS_READY=$rp" >>"$STATE/facts"
  wait_for "CoreDNS ready" 60 coredns curl -fsS "http://127.0.0.1:$rp/ready"
  log "CoreDNS on $ip:53 (kubernetes plugin, cluster.local)"
}

up() {
  need containerd "apt-get install containerd"
  need runc "apt-get install runc"
  need ctr "apt-get install containerd"
  [[ -x $CNI_BIN/bridge && -x $CNI_BIN/host-local && -x $CNI_BIN/portmap ]] ||
    die "missing tool: CNI plugins in $CNI_BIN (apt-get install containernetworking-plugins)"
  need kubelet "test/e2e/node/tools.sh"
  need kube-proxy "test/e2e/node/tools.sh"
  need coredns "test/e2e/node/tools.sh"
  need kubectl "test/e2e/tools.sh"
  need iptables "apt-get install iptables"
  [[ -f $CLUSTER/pki/ca.key ]] || die "no control plane in $CLUSTER (test/e2e/cluster.sh start)"
  [[ ! -e $STATE/facts ]] || die "$STATE already holds a node run (node.sh down first)"
  mkdir -p "$STATE"/{pids,logs,pki}
  : >"$STATE/facts"
  local t0 i
  t0=$(date +%s)
  trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "up failed (exit $rc): tearing down"; down; fi' EXIT
  # the kubelets' group may read and write what a node needs (no Node authorizer here: RBAC only)
  kubectl_admin create clusterrolebinding e2e-system-nodes --clusterrole=system:node --group=system:nodes \
    --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null
  step_network
  for ((i = 1; i <= NODES; i++)); do step_runtime "$i"; step_images "$i"; done
  # CoreDNS before the kubelets; kube-proxy after them (it waits for its Node's InternalIP).
  # Nothing runs on the nodes before up returns, so no pod sees a Service network without rules.
  step_dns
  for ((i = 1; i <= NODES; i++)); do step_node "$i"; done
  step_proxy
  echo "NODES=$NODES" >>"$STATE/facts"
  trap - EXIT
  log "$NODES real node(s) up in $(($(date +%s) - t0))s"
  kubectl_admin get nodes -o wide >&2
}

# ---------------------------------------------------------------- teardown
down() {
  [[ -d $STATE ]] || { log "nothing to tear down in $STATE"; return 0; }
  load_facts || true
  local i name t p
  # 1. pods off the real nodes while the kubelets still run (CNI DEL, netns and veths removed);
  #    cordoned first, so that no replacement pod lands there meanwhile
  for ((i = 1; i <= ${NODES:-2}; i++)); do
    name=$(node_name "$i")
    alive "kubelet-$i" || continue
    kubectl_admin cordon "$name" >/dev/null 2>&1 || true
    kubectl_admin delete pods -A --field-selector "spec.nodeName=$name" --grace-period=1 \
      --wait=false >/dev/null 2>&1 || true
  done
  for ((i = 1; i <= ${NODES:-2}; i++)); do
    alive "kubelet-$i" || continue
    # the kubelet deletes a pod object once its containers and sandbox are gone
    for _ in $(seq 1 60); do
      [[ -z $(kubectl_admin get pods -A --field-selector "spec.nodeName=$(node_name "$i")" -o name 2>/dev/null) ]] && break
      sleep 0.5
    done
  done
  # 2. kubelets, then what is left in each containerd, then containerd
  for ((i = 1; i <= ${NODES:-2}; i++)); do stop_pid "kubelet-$i"; done
  for ((i = 1; i <= ${NODES:-2}; i++)); do
    alive "containerd-$i" || continue
    # network namespaces of what still runs here (a pod the kubelet did not tear down)
    for p in $(ctr_of "$i" tasks ls 2>/dev/null | awk 'NR > 1 {print $2}'); do
      ip netns identify "$p" 2>/dev/null || true
    done | grep . >>"$STATE/netns" || true
    for t in $(ctr_of "$i" tasks ls -q 2>/dev/null); do
      ctr_of "$i" tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
    done
    sleep 1
    for t in $(ctr_of "$i" tasks ls -q 2>/dev/null); do
      ctr_of "$i" tasks delete -f "$t" >/dev/null 2>&1 || true
    done
    stop_pid "containerd-$i"
  done
  # 3. kube-proxy's rules, CoreDNS
  if [[ -f $STATE/pids/kube-proxy.pid ]]; then
    stop_pid kube-proxy
    kube-proxy --cleanup --config "$STATE/kube-proxy.yaml" >"$STATE/logs/kube-proxy-cleanup.log" 2>&1 || true
  fi
  stop_pid coredns
  # the kubelets' own chains (KUBE-FIREWALL, canaries), left behind by every kubelet: removed
  # only when no kubelet or kube-proxy of anyone else runs on this machine
  if [[ -f $STATE/bridges ]] && ! pgrep -x kubelet >/dev/null && ! pgrep -x kube-proxy >/dev/null; then
    local save
    for save in iptables-save ip6tables-save; do
      command -v "$save" >/dev/null || continue
      if "$save" | grep -q KUBE; then
        "$save" | grep -v KUBE | "${save%-save}-restore" 2>/dev/null || log "WARNING: could not remove KUBE chains ($save)"
      fi
    done
  fi
  # 4. network namespaces left by pods the kubelet did not tear down (found above by task pid),
  #    and this run's CNI result cache
  if [[ -f $STATE/netns ]]; then
    sort -u "$STATE/netns" | while read -r ns; do
      ip netns delete "$ns" 2>/dev/null && log "network namespace $ns removed" || true
    done
  fi
  [[ -z ${K:-} ]] || rm -f /var/lib/cni/results/e2e-"$K"-n*
  # 5. routes and bridges this run added
  if [[ -f $STATE/routes ]]; then
    while read -r r; do
      # shellcheck disable=SC2086
      ip route del $r 2>/dev/null || true
    done <"$STATE/routes"
  fi
  if [[ -f $STATE/bridges ]]; then
    while read -r b; do ip link del "$b" 2>/dev/null || true; done <"$STATE/bridges"
  fi
  [[ -f $STATE/ip_forward.before ]] && sysctl -qw "net.ipv4.ip_forward=$(cat "$STATE/ip_forward.before")"
  # 6. mounts under the state dir (secret tmpfs, overlay snapshots), deepest first
  { findmnt -rn -o TARGET | grep "^$STATE/" || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  if [[ ${E2E_KEEP_STATE:-0} == 1 ]]; then log "node state kept in $STATE"; else rm -rf "$STATE"; fi
  log "real nodes torn down"
}

env_facts() { load_facts; cat "$STATE/facts"; }

case ${1:-} in
  up) up ;;
  down) down ;;
  env) env_facts ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac

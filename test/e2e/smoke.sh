#!/usr/bin/env bash
# test/e2e/smoke.sh — checks the harness itself; run as: test/e2e/with-cluster.sh test/e2e/smoke.sh
# A Deployment in a namespace that enforces the restricted Pod Security Standard rolls out onto the
# kwok nodes, spread over both zones; a non-compliant pod is rejected by PodSecurity admission.
set -euo pipefail
: "${KUBECONFIG:?run under test/e2e/with-cluster.sh}"
ns=e2e-smoke
cleanup() { kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT
kubectl apply -f - <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      containers:
      - name: web
        image: example.invalid/web:1
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
YAML
kubectl -n "$ns" rollout status deploy/web --timeout=120s
kubectl -n "$ns" get pods -o wide
zones=$(kubectl -n "$ns" get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' |
  xargs -I{} kubectl get node {} -o jsonpath='{.metadata.labels.topology\.kubernetes\.io/zone}{"\n"}' | sort -u | wc -l)
[[ $zones -eq 2 ]] || { echo "FAIL: pods are in $zones zone(s), want 2"; exit 1; }
if out=$(kubectl -n "$ns" run bad --image=example.invalid/x --restart=Never 2>&1); then
  echo "FAIL: a non-compliant pod was admitted in a restricted namespace"; exit 1
fi
grep -q 'violates PodSecurity "restricted' <<<"$out" || { echo "FAIL: unexpected error: $out"; exit 1; }
echo "smoke: 3 passed, 0 failed"

import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

/** A port of a network rule. */
export interface NetworkPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** One allow rule: traffic between the selected pods and these peers on these ports. */
export interface NetworkRule {
  /** Peers; an empty list means any source or destination. */
  readonly peers: readonly k8s.NetworkPolicyPeer[];
  readonly ports: readonly NetworkPort[];
}

/** Props of {@link WorkloadNetworkPolicy}. */
export interface WorkloadNetworkPolicyProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /**
   * Labels of the pods the policy applies to (their selector labels); the policy selects them
   * by `app.kubernetes.io/name` alone (see {@link policyPodSelector}).
   */
  readonly podSelector: Record<string, string>;
  /** Allowed ingress. @default none */
  readonly ingress?: readonly NetworkRule[];
  /** Allowed egress, besides DNS. @default none */
  readonly egress?: readonly NetworkRule[];
  /**
   * Allow DNS (UDP and TCP 53) to the cluster DNS pods in kube-system.
   * @default true
   */
  readonly allowDns?: boolean;
}

/** Peer that matches the cluster DNS pods (CoreDNS keeps the `k8s-app: kube-dns` label). */
export const CLUSTER_DNS_PEER: k8s.NetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};

/** Peer that matches pods with these labels in the policy's own namespace. */
export function podPeer(labels: Record<string, string>): k8s.NetworkPolicyPeer {
  return { podSelector: { matchLabels: labels } };
}

/** A caller from another namespace: the namespace and, where known, the labels of its pods. */
export interface NamespacedCaller {
  readonly namespace: string;
  /** @default every pod of the namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The label the API server sets on every Namespace to its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * One peer per caller: its namespace by name (the label the API server sets) and, when known,
 * its pods (both selectors in one peer: pods with those labels in that namespace). Never an
 * empty namespaceSelector: that would match every namespace of the cluster.
 */
export function callerPeers(callers: readonly NamespacedCaller[]): k8s.NetworkPolicyPeer[] {
  return callers.map((caller) => ({
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: caller.namespace } },
    ...(caller.podLabels === undefined
      ? {}
      : { podSelector: { matchLabels: { ...caller.podLabels } } }),
  }));
}

/**
 * The ingress rule that lets these scrapers (Prometheus: the monitoring namespace and, where
 * set, its pods) reach these metrics ports; no rule at all when there is no scraper, never an
 * empty peer list (which would admit every source). The service, the collector and Consul all
 * open their metrics ports through this one function.
 */
export function metricsIngress(
  scrapers: readonly NamespacedCaller[],
  ports: readonly NetworkPort[],
): NetworkRule[] {
  if (scrapers.length === 0) return [];
  if (ports.length === 0) throw new Error('metricsIngress: no metrics port');
  return [{ peers: callerPeers(scrapers), ports: [...ports] }];
}

/** Peers for IP ranges outside the cluster. */
export function cidrPeers(cidrs: readonly string[]): k8s.NetworkPolicyPeer[] {
  return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
}

/** The one label a workload's NetworkPolicy selects its pods by. */
export const POLICY_SELECTOR_LABEL = 'app.kubernetes.io/name';

/**
 * The podSelector of a workload policy: `app.kubernetes.io/name` alone. Polaris v10
 * (checks/missingNetworkPolicy.yaml) counts a policy only when its matchLabels satisfy exactly
 * one (`oneOf`) of "has this pod label with this value": a selector of name and instance
 * matches two and the pod scores as unprotected. Each workload of a namespace has its own
 * name (user-service, consul, otel-collector), so the name alone selects exactly its pods.
 */
export function policyPodSelector(
  policyName: string,
  podLabels: Readonly<Record<string, string>>,
): Record<string, string> {
  const name = podLabels[POLICY_SELECTOR_LABEL];
  if (name === undefined) {
    throw new Error(
      `NetworkPolicy ${policyName}: the pod selector has no ${POLICY_SELECTOR_LABEL}`,
    );
  }
  return { [POLICY_SELECTOR_LABEL]: name };
}

function toPorts(ports: readonly NetworkPort[]): k8s.NetworkPolicyPort[] {
  return ports.map((p) => ({
    port: k8s.IntOrString.fromNumber(p.port),
    protocol: p.protocol ?? 'TCP',
  }));
}

/**
 * The allow-list of one workload, on top of {@link DefaultDenyNetworkPolicy}: it selects the
 * workload's pods for both ingress and egress, and opens only the listed peers and ports.
 */
export class WorkloadNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    const dns: NetworkRule[] =
      (props.allowDns ?? true)
        ? [
            {
              peers: [CLUSTER_DNS_PEER],
              ports: [
                { port: 53, protocol: 'UDP' },
                { port: 53, protocol: 'TCP' },
              ],
            },
          ]
        : [];
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        podSelector: { matchLabels: policyPodSelector(props.name, props.podSelector) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: (props.ingress ?? []).map((r) => ({
          ...(r.peers.length > 0 ? { from: [...r.peers] } : {}),
          ports: toPorts(r.ports),
        })),
        egress: [...dns, ...(props.egress ?? [])].map((r) => ({
          ...(r.peers.length > 0 ? { to: [...r.peers] } : {}),
          ports: toPorts(r.ports),
        })),
      },
    });
  }
}

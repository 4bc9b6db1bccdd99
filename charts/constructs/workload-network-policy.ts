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
  /** Labels of the pods the policy applies to. */
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

/** Peers for a list of namespaces; an empty list matches every namespace. */
export function namespacePeers(namespaces: readonly string[]): k8s.NetworkPolicyPeer[] {
  if (namespaces.length === 0) return [{ namespaceSelector: {} }];
  return namespaces.map((ns) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
  }));
}

/** Peers for IP ranges outside the cluster. */
export function cidrPeers(cidrs: readonly string[]): k8s.NetworkPolicyPeer[] {
  return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
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
        podSelector: { matchLabels: props.podSelector },
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

/** Every pod is isolated for both directions, and pods of a replicated workload spread out. */
import { objectRule } from '../core/define';
import { at, field, list, obj, objects as objectList, str } from '../core/fields';
import { minimumReplicas } from '../core/scaling';
import { labelSelector, matches } from '../core/selectors';
import type { KubeObject, SetRule, SetViolation } from '../core/types';
import { podLabels, podTemplateOf, workloads } from '../core/workloads';
import { podSelectorOf } from './references';

/** The directions a NetworkPolicy isolates (its policyTypes, or what the API defaults them to). */
export function policyTypes(policy: KubeObject): Set<string> {
  const declared = list(at(policy, 'spec', 'policyTypes')).filter(
    (t): t is string => typeof t === 'string',
  );
  if (declared.length > 0) return new Set(declared);
  return new Set(at(policy, 'spec', 'egress') === undefined ? ['Ingress'] : ['Ingress', 'Egress']);
}

export const networkPolicyCoverage: SetRule = {
  id: 'network-policy-coverage',
  severity: 'error',
  description: 'The pods of every workload are selected by NetworkPolicies for Ingress and Egress.',
  remediation:
    'Add a default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress]) and ' +
    'per-workload policies that allow what the pods need.',
  sources: ['kube-score pod-networkpolicy', 'Polaris missingNetworkPolicy'],
  scope: 'set',
  check: (objects) => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    return workloads(objects).flatMap((workload): SetViolation[] => {
      const covered = new Set<string>();
      for (const policy of policies) {
        const selector = podSelectorOf(policy);
        if (policy.metadata.namespace !== workload.metadata.namespace || selector === undefined) {
          continue;
        }
        if (matches(selector, podLabels(workload))) {
          for (const t of policyTypes(policy)) covered.add(t);
        }
      }
      const missing = ['Ingress', 'Egress'].filter((t) => !covered.has(t));
      if (missing.length === 0) return [];
      return [
        {
          object: workload,
          path: field(podTemplateOf(workload)?.metadataPath ?? 'metadata', 'labels'),
          message: `no NetworkPolicy isolates ${missing.join(' and ')} for these pods`,
        },
      ];
    });
  },
};

const HOST_TOPOLOGY_KEY = 'kubernetes.io/hostname';

/** Whether the pod spec spreads the workload's own pods over nodes. */
function spreadsOverNodes(workload: KubeObject): boolean {
  const template = podTemplateOf(workload);
  if (template === undefined) return false;
  const own = podLabels(workload);
  const selects = (selector: unknown) => {
    const s = labelSelector(selector);
    return s !== undefined && matches(s, own);
  };
  const spread = objectList(template.spec.topologySpreadConstraints).some(
    (c) => str(c.topologyKey) === HOST_TOPOLOGY_KEY && selects(c.labelSelector),
  );
  const antiAffinity = at(template.spec, 'affinity', 'podAntiAffinity');
  const required = objectList(at(antiAffinity, 'requiredDuringSchedulingIgnoredDuringExecution'));
  const preferred = objectList(
    at(antiAffinity, 'preferredDuringSchedulingIgnoredDuringExecution'),
  ).map((p) => at(p, 'podAffinityTerm'));
  const affinity = [...required, ...preferred].some(
    (term) =>
      str(at(term, 'topologyKey')) === HOST_TOPOLOGY_KEY && selects(at(term, 'labelSelector')),
  );
  return spread || affinity;
}

export const workloadHostSpread: SetRule = {
  id: 'workload-host-spread',
  severity: 'error',
  description:
    'A workload that runs 2 or more pods spreads them over nodes (a topology spread ' +
    'constraint or pod anti-affinity on kubernetes.io/hostname that selects its own pods).',
  remediation:
    'Add topologySpreadConstraints with topologyKey kubernetes.io/hostname and a ' +
    'labelSelector matching the pod labels.',
  sources: ['kube-score deployment-has-host-podantiaffinity', 'Polaris topologySpreadConstraint'],
  scope: 'set',
  check: (objects) =>
    workloads(objects).flatMap((workload): SetViolation[] => {
      const replicas = minimumReplicas(workload, objects);
      if (replicas === undefined || replicas < 2 || spreadsOverNodes(workload)) return [];
      return [
        {
          object: workload,
          path: field(podTemplateOf(workload)?.specPath ?? 'spec', 'topologySpreadConstraints'),
          message: `runs at least ${replicas} pods but nothing keeps them off a single node`,
        },
      ];
    }),
};

/** Whether a label selector selects everything (no matchLabels, no matchExpressions). */
function selectsEverything(selector: unknown): boolean {
  const s = obj(selector);
  if (s === undefined) return false;
  return (
    Object.keys(obj(s.matchLabels) ?? {}).length === 0 && list(s.matchExpressions).length === 0
  );
}

export const networkPolicyNamespaceWideIngress = objectRule(
  {
    id: 'network-policy-namespace-wide-ingress',
    severity: 'error',
    description:
      'No NetworkPolicy ingress rule admits every namespace of the cluster: no rule without ' +
      '"from" (every source) and no peer with an empty namespaceSelector (every namespace, ' +
      'even combined with a podSelector: any namespace can run pods with those labels).',
    remediation:
      'List the callers: a namespaceSelector on kubernetes.io/metadata.name per calling ' +
      'namespace, with a podSelector where the calling pods are known (ingressCallers and ' +
      'gateway in charts/config/environments.ts).',
    sources: [
      'issue 15: ingressNamespaces [] rendered namespaceSelector {} (any pod reached 50051/8080)',
      'Kubernetes docs: NetworkPolicy (an empty namespaceSelector selects all namespaces)',
    ],
  },
  (object) => {
    if (object.kind !== 'NetworkPolicy' || !object.apiVersion.startsWith('networking.k8s.io/')) {
      return [];
    }
    return objectList(at(object, 'spec', 'ingress')).flatMap((rule, i) => {
      if (rule.from === undefined) {
        return [
          {
            path: field('spec', 'ingress', i),
            message: 'ingress rule without "from" admits every source in every namespace',
          },
        ];
      }
      return objectList(rule.from).flatMap((peer, j) =>
        selectsEverything(peer.namespaceSelector)
          ? [
              {
                path: field('spec', 'ingress', i, 'from', j, 'namespaceSelector'),
                message:
                  'an empty namespaceSelector admits every namespace of the cluster' +
                  (peer.podSelector === undefined ? '' : ' (whoever runs pods with these labels)'),
              },
            ]
          : [],
      );
    });
  },
);

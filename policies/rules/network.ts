/** Every pod is isolated for both directions, and pods of a replicated workload spread out. */
import { at, field, list, objects as objectList, str } from '../core/fields';
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

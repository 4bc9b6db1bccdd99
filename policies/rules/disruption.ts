/** Voluntary disruptions (node drains) never take every pod, and never block forever. */
import { at, field, num, str } from '../core/fields';
import { minimumReplicas } from '../core/scaling';
import { labelSelector, matches } from '../core/selectors';
import type { KubeObject, SetRule, SetViolation } from '../core/types';
import { describe, podLabels, podTemplateOf, workloads } from '../core/workloads';

function isPdb(object: KubeObject): boolean {
  return object.kind === 'PodDisruptionBudget';
}

/** The workloads whose pods a PDB selects. */
export function selectedByPdb(pdb: KubeObject, objects: readonly KubeObject[]): KubeObject[] {
  const selector = labelSelector(at(pdb, 'spec', 'selector'));
  if (selector === undefined) return [];
  return workloads(objects).filter(
    (w) => w.metadata.namespace === pdb.metadata.namespace && matches(selector, podLabels(w)),
  );
}

export const pdbRequired: SetRule = {
  id: 'pdb-required',
  severity: 'error',
  description: 'Every workload that runs 2 or more pods has a PodDisruptionBudget.',
  remediation:
    'Add a PodDisruptionBudget selecting the pods with maxUnavailable: 1, so a node drain ' +
    'takes them down one at a time.',
  sources: ['kube-score deployment-has-poddisruptionbudget', 'Polaris missingPodDisruptionBudget'],
  scope: 'set',
  check: (objects) =>
    workloads(objects).flatMap((workload): SetViolation[] => {
      const replicas = minimumReplicas(workload, objects);
      if (replicas === undefined || replicas < 2) return [];
      const covered = objects.some((o) => isPdb(o) && selectedByPdb(o, objects).includes(workload));
      if (covered) return [];
      const template = podTemplateOf(workload);
      return [
        {
          object: workload,
          path: field(template?.metadataPath ?? 'metadata', 'labels'),
          message: `runs at least ${replicas} pods but no PodDisruptionBudget selects them`,
        },
      ];
    }),
};

/** The pods a PDB demands stay up out of `replicas`, or undefined when it allows none down. */
function minAvailablePods(value: unknown, replicas: number): number | undefined {
  const n = num(value);
  if (n !== undefined) return n;
  const s = str(value);
  if (s?.endsWith('%') === true) return Math.ceil((Number(s.slice(0, -1)) / 100) * replicas);
  return undefined;
}

function blocksAllDisruptions(value: unknown): boolean {
  return value === 0 || value === '0%' || value === '0';
}

export const pdbAllowsDisruption: SetRule = {
  id: 'pdb-allows-disruption',
  severity: 'error',
  description:
    'A PodDisruptionBudget sets minAvailable or maxUnavailable and still lets one pod go ' +
    '(maxUnavailable > 0, or minAvailable below the fewest pods the workload runs).',
  remediation:
    'Prefer maxUnavailable: 1; with minAvailable keep it below the HPA minReplicas, or node ' +
    'drains block forever.',
  sources: [
    'Polaris pdbDisruptionsIsZero, pdbMinAvailableGreaterThanHPAMinReplicas',
    'kube-score poddisruptionbudget-has-policy',
  ],
  scope: 'set',
  check: (objects) =>
    objects.filter(isPdb).flatMap((pdb): SetViolation[] => {
      const minAvailable = at(pdb, 'spec', 'minAvailable');
      const maxUnavailable = at(pdb, 'spec', 'maxUnavailable');
      if (minAvailable === undefined && maxUnavailable === undefined) {
        return [
          { object: pdb, path: 'spec', message: 'sets neither minAvailable nor maxUnavailable' },
        ];
      }
      if (maxUnavailable !== undefined) {
        return blocksAllDisruptions(maxUnavailable)
          ? [
              {
                object: pdb,
                path: 'spec.maxUnavailable',
                message: `maxUnavailable ${JSON.stringify(maxUnavailable)} blocks every drain`,
              },
            ]
          : [];
      }
      return selectedByPdb(pdb, objects).flatMap((workload): SetViolation[] => {
        const replicas = minimumReplicas(workload, objects);
        if (replicas === undefined) return [];
        const needed = minAvailablePods(minAvailable, replicas);
        if (needed !== undefined && needed < replicas) return [];
        return [
          {
            object: pdb,
            path: 'spec.minAvailable',
            message: `minAvailable ${JSON.stringify(minAvailable)} keeps all ${replicas} pods of ${describe(workload)} up: drains block`,
          },
        ];
      });
    }),
};

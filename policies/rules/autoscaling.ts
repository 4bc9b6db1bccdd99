/** The HPA owns the replica count (DESIGN rule 7) and keeps more than one pod outside dev. */
import { objectRule } from '../core/define';
import { at, num } from '../core/fields';
import { hpasOf, hpaMinReplicas, isHpa } from '../core/scaling';
import type { SetRule, SetViolation } from '../core/types';
import { describe, replicasOf, workloads } from '../core/workloads';

export const hpaNoStaticReplicas: SetRule = {
  id: 'hpa-no-static-replicas',
  severity: 'error',
  description: 'A workload that an HPA scales sets no spec.replicas.',
  remediation:
    'Remove spec.replicas: every apply would reset the replica count the HPA chose ' +
    '(set the floor with the HPA minReplicas instead).',
  sources: [
    'kube-score deployment-targeted-by-hpa-does-not-have-replicas-configured',
    'DESIGN rule 7',
  ],
  scope: 'set',
  check: (objects) =>
    workloads(objects).flatMap((workload): SetViolation[] => {
      const hpas = hpasOf(workload, objects);
      if (hpas.length === 0 || replicasOf(workload) === undefined) return [];
      return [
        {
          object: workload,
          path: 'spec.replicas',
          message: `spec.replicas is ${String(replicasOf(workload))} but ${hpas.map(describe).join(', ')} scales this workload`,
        },
      ];
    }),
};

export const hpaReplicaRange = objectRule(
  {
    id: 'hpa-replica-range',
    severity: 'error',
    description:
      'An HPA may scale (maxReplicas > minReplicas) and keeps at least 2 pods outside dev.',
    remediation:
      'Raise maxReplicas above minReplicas; outside dev set minReplicas >= 2 so one pod ' +
      'can be lost (node drain, crash) without an outage.',
    sources: [
      'Polaris hpaMaxAvailability/hpaMinAvailability',
      'kube-score horizontalpodautoscaler-replicas',
    ],
  },
  (object, context) => {
    if (!isHpa(object)) return [];
    const min = hpaMinReplicas(object);
    const max = num(at(object, 'spec', 'maxReplicas'));
    const out = [];
    if (max === undefined || max <= min) {
      out.push({
        path: 'spec.maxReplicas',
        message: `maxReplicas ${String(max)} does not exceed minReplicas ${min}: the HPA cannot scale`,
      });
    }
    if (context.environment !== 'dev' && min < 2) {
      out.push({
        path: 'spec.minReplicas',
        message: `minReplicas ${min} in ${context.environment ?? 'an unknown environment'}: one lost pod is an outage`,
      });
    }
    return out;
  },
);

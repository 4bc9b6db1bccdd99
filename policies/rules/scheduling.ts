/** Hard topology spreads that a cordoned or tainted node cannot stall. */
import { podRule } from '../core/define';
import { field, objects, str } from '../core/fields';

export const topologySpreadTaints = podRule(
  {
    id: 'topology-spread-taints',
    severity: 'error',
    description:
      'A DoNotSchedule topology spread constraint sets nodeTaintsPolicy: Honor, so nodes the ' +
      'pods cannot run on (tainted, cordoned) are no domains of the spread.',
    remediation:
      'Add nodeTaintsPolicy: Honor (and nodeAffinityPolicy: Honor) to every ' +
      'topologySpreadConstraints entry with whenUnsatisfiable: DoNotSchedule.',
    sources: [
      'Kubernetes docs: Pod Topology Spread Constraints (nodeTaintsPolicy, default Ignore)',
      'issue 15: drains stall behind the PDB when a tainted node counts as an empty domain',
    ],
  },
  (template) =>
    objects(template.spec.topologySpreadConstraints).flatMap((constraint, index) => {
      if (str(constraint.whenUnsatisfiable) !== 'DoNotSchedule') return [];
      if (str(constraint.nodeTaintsPolicy) === 'Honor') return [];
      const key = str(constraint.topologyKey) ?? '?';
      return [
        {
          path: field(template.specPath, 'topologySpreadConstraints', index, 'nodeTaintsPolicy'),
          message:
            `the DoNotSchedule spread over ${key} counts tainted and cordoned nodes as empty ` +
            `domains (nodeTaintsPolicy ${str(constraint.nodeTaintsPolicy) ?? 'unset: Ignore'}): ` +
            'pods stay Pending and drains stall',
        },
      ];
    }),
);

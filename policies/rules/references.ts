/** Objects that point at pods or workloads point at something that exists. */
import { at, field, num, obj, objects as objectList, str } from '../core/fields';
import { isHpa, scaleTargetRef, targets } from '../core/scaling';
import {
  isEmptySelector,
  labelSelector,
  mapSelector,
  matches,
  type LabelSelector,
} from '../core/selectors';
import type { KubeObject, SetRule, SetViolation } from '../core/types';
import { containersOf, podLabels, podTemplateOf, workloads } from '../core/workloads';

/** The selector a Service, PDB or NetworkPolicy selects pods with (undefined: it selects none). */
export function podSelectorOf(object: KubeObject): LabelSelector | undefined {
  switch (object.kind) {
    case 'Service': {
      const selector = at(object, 'spec', 'selector');
      return obj(selector) === undefined ? undefined : mapSelector(selector);
    }
    case 'PodDisruptionBudget':
      return labelSelector(at(object, 'spec', 'selector'));
    case 'NetworkPolicy':
      return labelSelector(at(object, 'spec', 'podSelector')) ?? mapSelector({});
    default:
      return undefined;
  }
}

/** The workloads (same namespace) whose pods a selector matches. */
export function selectedWorkloads(
  owner: KubeObject,
  selector: LabelSelector,
  objects: readonly KubeObject[],
): KubeObject[] {
  return workloads(objects).filter(
    (w) => w.metadata.namespace === owner.metadata.namespace && matches(selector, podLabels(w)),
  );
}

/** Services that route to pods: they have a selector and are not ExternalName. */
function routesToPods(service: KubeObject): boolean {
  return (
    service.kind === 'Service' &&
    str(at(service, 'spec', 'type')) !== 'ExternalName' &&
    podSelectorOf(service) !== undefined &&
    !isEmptySelector(podSelectorOf(service) ?? mapSelector({}))
  );
}

const SELECTOR_PATHS: Readonly<Record<string, string>> = {
  Service: 'spec.selector',
  PodDisruptionBudget: 'spec.selector',
  NetworkPolicy: 'spec.podSelector',
};

export const selectorTargetsExist: SetRule = {
  id: 'selector-targets-exist',
  severity: 'error',
  description:
    'Services, PodDisruptionBudgets and NetworkPolicies select the pods of a workload in the ' +
    'same set, and HPAs scale a workload that exists.',
  remediation:
    'Fix the selector (or scaleTargetRef) to match the workload: a typo silently leaves the ' +
    'pods without traffic, protection or scaling.',
  sources: [
    'kube-score service-targets-pod, networkpolicy-targets-pod, horizontalpodautoscaler-has-target',
  ],
  scope: 'set',
  check: (objects) => {
    const out: SetViolation[] = [];
    for (const object of objects) {
      if (isHpa(object)) {
        if (!workloads(objects).some((w) => targets(object, w))) {
          const ref = scaleTargetRef(object);
          out.push({
            object,
            path: 'spec.scaleTargetRef',
            message: `scales ${ref.kind ?? '?'}/${ref.name ?? '?'}, which is not among the objects`,
          });
        }
        continue;
      }
      const path = SELECTOR_PATHS[object.kind];
      const selector = podSelectorOf(object);
      if (path === undefined || selector === undefined) continue;
      if (object.kind === 'Service' && !routesToPods(object)) continue;
      // An empty podSelector is a namespace-wide default (e.g. default-deny): nothing to miss.
      if (object.kind === 'NetworkPolicy' && isEmptySelector(selector)) continue;
      if (selectedWorkloads(object, selector, objects).length === 0) {
        out.push({ object, path, message: 'selects no pod of any workload in its namespace' });
      }
    }
    return out;
  },
};

/** Whether a workload's containers declare a port (a name, or a number). */
function declaresPort(workload: KubeObject, port: unknown): boolean {
  const template = podTemplateOf(workload);
  if (template === undefined) return false;
  return containersOf(template, ['containers']).some((c) =>
    objectList(c.container.ports).some((p) =>
      typeof port === 'string' ? str(p.name) === port : num(p.containerPort) === port,
    ),
  );
}

export const serviceTargetPort: SetRule = {
  id: 'service-target-port',
  severity: 'error',
  description: "A Service's targetPort is a port the selected pods declare (named ports by name).",
  remediation:
    'Set targetPort to the name of a declared containerPort, so the Service follows the ' +
    'container if the number changes.',
  sources: ['kube-score container-ports-check (optional)', 'API semantics of targetPort'],
  scope: 'set',
  check: (objects) =>
    objects.filter(routesToPods).flatMap((service) => {
      const selector = podSelectorOf(service) ?? mapSelector({});
      const selected = selectedWorkloads(service, selector, objects);
      if (selected.length === 0) return [];
      return objectList(at(service, 'spec', 'ports')).flatMap((port, index): SetViolation[] => {
        const target = port.targetPort ?? port.port;
        const missing = selected.filter((w) => !declaresPort(w, target));
        if (missing.length === 0) return [];
        return [
          {
            object: service,
            path: field('spec', 'ports', index, 'targetPort'),
            message: `targetPort ${JSON.stringify(target)} is not a port of ${missing.map((w) => `${w.kind}/${w.metadata.name ?? ''}`).join(', ')}`,
          },
        ];
      });
    }),
};

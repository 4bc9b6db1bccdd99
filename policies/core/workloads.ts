import { at, field, obj, objects, stringMap, str, num, type Obj } from './fields';
import type { KubeObject } from './types';

/** Kinds whose objects carry a pod template, and where it sits in the object. */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
};

/** Kinds that run pods continuously (probes, disruption budgets, spreading apply to them). */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Pod',
]);

/** Kinds an HPA can scale that this rule set understands. */
export const SCALABLE_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
]);

export type ContainerList = 'initContainers' | 'containers' | 'ephemeralContainers';

/** One container of a pod template, with its field path inside the object. */
export interface ContainerRef {
  readonly container: Obj;
  readonly name: string;
  readonly list: ContainerList;
  readonly path: string;
}

/** The pod template of an object: its metadata, spec and their field paths. */
export interface PodTemplate {
  readonly metadata: Obj;
  readonly spec: Obj;
  readonly metadataPath: string;
  readonly specPath: string;
}

/** The pod template of a workload (or the Pod itself), or undefined for other kinds. */
export function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  if (object.kind === 'Pod' && object.apiVersion === 'v1') {
    return {
      metadata: obj(object.metadata) ?? {},
      spec: obj(object.spec) ?? {},
      metadataPath: 'metadata',
      specPath: 'spec',
    };
  }
  const path = TEMPLATE_PATHS[object.kind];
  if (path === undefined) return undefined;
  const template = obj(at(object, ...path)) ?? {};
  return {
    metadata: obj(template.metadata) ?? {},
    spec: obj(template.spec) ?? {},
    metadataPath: field(...path, 'metadata'),
    specPath: field(...path, 'spec'),
  };
}

/** Containers of a pod spec, init and ephemeral ones included (as PSA visits them). */
export function containersOf(
  template: PodTemplate,
  lists: readonly ContainerList[] = ['initContainers', 'containers', 'ephemeralContainers'],
): ContainerRef[] {
  return lists.flatMap((listName) =>
    objects(template.spec[listName]).map((container, index) => ({
      container,
      name: str(container.name) ?? `#${index}`,
      list: listName,
      path: field(template.specPath, listName, index),
    })),
  );
}

/** Labels of the pods a workload creates. */
export function podLabels(object: KubeObject): Readonly<Record<string, string>> {
  const template = podTemplateOf(object);
  return template === undefined ? {} : stringMap(template.metadata.labels);
}

/** The namespace an object lives in ('' when it names none). */
export function namespaceOf(object: KubeObject): string {
  return object.metadata.namespace ?? '';
}

/** `Kind/name`, the way reports and messages name an object. */
export function describe(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name ?? '<unnamed>'}`;
}

/** The static replica count of a workload (`spec.replicas`), or undefined when unset. */
export function replicasOf(object: KubeObject): number | undefined {
  return num(at(object, 'spec', 'replicas'));
}

/** The objects of the set that run pods. */
export function workloads(objectsInSet: readonly KubeObject[]): KubeObject[] {
  return objectsInSet.filter((o) => podTemplateOf(o) !== undefined && o.kind !== 'PodTemplate');
}

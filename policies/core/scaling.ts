/** Who owns a workload's replica count, and how many pods it runs at least. */
import { at, num, obj, str } from './fields';
import type { KubeObject } from './types';
import { replicasOf, SCALABLE_KINDS } from './workloads';

/** The group of an apiVersion: `apps/v1` → `apps`, `v1` → ''. */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The `spec.scaleTargetRef` of an HPA. */
export interface ScaleTargetRef {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
}

export function scaleTargetRef(hpa: KubeObject): ScaleTargetRef {
  const ref = obj(at(hpa, 'spec', 'scaleTargetRef')) ?? {};
  const apiVersion = str(ref.apiVersion);
  const kind = str(ref.kind);
  const name = str(ref.name);
  return {
    ...(apiVersion === undefined ? {} : { apiVersion }),
    ...(kind === undefined ? {} : { kind }),
    ...(name === undefined ? {} : { name }),
  };
}

/** Whether an HPA (in the same namespace) scales the object. */
export function targets(hpa: KubeObject, object: KubeObject): boolean {
  const ref = scaleTargetRef(hpa);
  return (
    object.metadata.namespace === hpa.metadata.namespace &&
    ref.kind === object.kind &&
    ref.name === object.metadata.name &&
    (ref.apiVersion === undefined || groupOf(ref.apiVersion) === groupOf(object.apiVersion))
  );
}

export function isHpa(object: KubeObject): boolean {
  return object.kind === 'HorizontalPodAutoscaler';
}

/** The HPAs among the objects that scale the object. */
export function hpasOf(object: KubeObject, objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((o) => isHpa(o) && targets(o, object));
}

/** `spec.minReplicas` of an HPA (defaults to 1). */
export function hpaMinReplicas(hpa: KubeObject): number {
  return num(at(hpa, 'spec', 'minReplicas')) ?? 1;
}

/**
 * The fewest pods a workload runs: its HPA's minReplicas, else spec.replicas (default 1).
 * Undefined for kinds without a replica count (DaemonSet, Job, CronJob, Pod).
 */
export function minimumReplicas(
  object: KubeObject,
  objects: readonly KubeObject[],
): number | undefined {
  if (!SCALABLE_KINDS.has(object.kind)) return undefined;
  const hpas = hpasOf(object, objects);
  if (hpas.length > 0) return Math.min(...hpas.map(hpaMinReplicas));
  return replicasOf(object) ?? 1;
}

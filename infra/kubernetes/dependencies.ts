import type { KubeObject } from '../../charts/synth/render';
import { asRecord, podSpecOf, resourceName } from './objects';

/** Kinds a pod reads at start: a workload waits for those of its namespace. */
const POD_INPUT_KINDS = new Set(['ConfigMap', 'Secret', 'ServiceAccount']);

/** Kinds that point at a workload through `spec.scaleTargetRef`. */
const SCALER_KINDS = new Set(['HorizontalPodAutoscaler']);

/**
 * What each object waits for, by resource name ({@link resourceName}):
 * - every object of a namespace waits for that Namespace (when it is one of the objects);
 * - a workload (anything with a pod template) waits for the ConfigMaps, Secrets and
 *   ServiceAccounts of its namespace, so its pods never start without their settings;
 * - an autoscaler waits for the workload it scales.
 * Deletion runs in the reverse order. The result lists every object, in the input order.
 */
export function dependencies(objects: readonly KubeObject[]): Map<string, string[]> {
  const namespaces = new Map(
    objects.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, resourceName(o)]),
  );
  const result = new Map<string, string[]>();
  for (const object of objects) {
    const ns = object.metadata.namespace;
    const sameNamespace = objects.filter((o) => o !== object && o.metadata.namespace === ns);
    const waitsFor: string[] = [];
    const namespace = ns === undefined ? undefined : namespaces.get(ns);
    if (namespace !== undefined) waitsFor.push(namespace);
    if (podSpecOf(object) !== undefined) {
      waitsFor.push(...sameNamespace.filter((o) => POD_INPUT_KINDS.has(o.kind)).map(resourceName));
    }
    if (SCALER_KINDS.has(object.kind)) {
      const target = asRecord(asRecord(object.spec)?.scaleTargetRef);
      const scaled = sameNamespace.find(
        (o) => o.kind === target?.kind && o.metadata.name === target.name,
      );
      if (scaled !== undefined) waitsFor.push(resourceName(scaled));
    }
    const name = resourceName(object);
    if (result.has(name)) {
      throw new Error(
        `two objects would be the Pulumi resource ${name}: names must be unique per kind`,
      );
    }
    result.set(name, waitsFor);
  }
  return result;
}

/**
 * The names of {@link dependencies} ordered so that each comes after what it waits for, and
 * otherwise in input order (so the registration order, and the preview, are stable).
 */
export function creationOrder(waits: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < waits.size) {
    const next = [...waits].find(
      ([name, deps]) => !placed.has(name) && deps.every((d) => placed.has(d) || !waits.has(d)),
    );
    if (next === undefined) {
      const stuck = [...waits.keys()].filter((n) => !placed.has(n));
      throw new Error(`objects wait for each other in a cycle: ${stuck.join(', ')}`);
    }
    order.push(next[0]);
    placed.add(next[0]);
  }
  return order;
}

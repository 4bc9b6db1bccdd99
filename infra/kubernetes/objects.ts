import type { KubeObject } from '../../charts/synth/render';

/** A plain JSON record, as the charts render it. */
export type JsonRecord = Record<string, unknown>;

/** The value as a record, or undefined when it is not a plain object. */
export function asRecord(value: unknown): JsonRecord | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonRecord)
    : undefined;
}

/** `<kind>-<name>` in lower case: the Pulumi name of an object, as its dist/ file is named. */
export function resourceName(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}`;
}

/** `Kind namespace/name`, for messages. */
export function describeObject(object: KubeObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns === undefined ? '' : `${ns}/`}${object.metadata.name}`;
}

/**
 * The pod spec inside a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job: at
 * `spec.template.spec`; CronJob: at `spec.jobTemplate.spec.template.spec`; Pod: `spec`).
 */
export function podSpecOf(object: KubeObject): JsonRecord | undefined {
  const spec = asRecord(object.spec);
  if (object.kind === 'Pod') return spec;
  const jobSpec = asRecord(asRecord(spec?.jobTemplate)?.spec);
  const template = asRecord((jobSpec ?? spec)?.template);
  return asRecord(template?.spec);
}

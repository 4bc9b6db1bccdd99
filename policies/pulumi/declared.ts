/**
 * What the program declared, out of a live object. At the end of `pulumi up` (and in every
 * later preview) the engine hands `validateStack` the resources' outputs: the live objects,
 * with everything the API server defaulted (a Deployment's `spec.replicas: 1`, a Service's
 * `targetPort`, ...) and what controllers wrote (the HPA's replica count). Pulumi's analyzer
 * protocol sends no inputs for stack validation (`AnalyzerResource.properties` = outputs,
 * internal keys such as the provider's `__inputs` stripped), so the declared object is rebuilt
 * from the server's own record of ownership: `metadata.managedFields`. Fields owned by an
 * `Apply` manager (the Kubernetes provider's server-side apply, or `kubectl apply
 * --server-side`) were declared; defaults are owned by nobody, and controllers own theirs with
 * `Update` operations. Objects without managedFields (preview of a create: the props are the
 * program's inputs) are judged as they are.
 */
import { obj } from '../core/fields';

type Fields = Readonly<Record<string, unknown>>;

interface ManagedFieldsEntry {
  readonly operation?: unknown;
  readonly fieldsType?: unknown;
  readonly fieldsV1?: unknown;
}

/** Merges two fieldsV1 sets (a union of owned fields). */
function union(a: Fields, b: Fields): Fields {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const left = obj(out[key]);
    const right = obj(value);
    out[key] = left !== undefined && right !== undefined ? union(left, right) : (right ?? value);
  }
  return out;
}

/** Whether a fieldsV1 node owns the value as a whole (a leaf: `{}` or only `.`). */
function ownsWhole(fields: Fields): boolean {
  return Object.keys(fields).every((key) => key === '.');
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether a list item has every field of a `k:{...}` key with the same value. */
function matchesKey(item: unknown, key: Readonly<Record<string, unknown>>): boolean {
  const record = obj(item);
  return record !== undefined && Object.entries(key).every(([k, v]) => sameJson(record[k], v));
}

function pruneList(value: readonly unknown[], fields: Fields): unknown[] {
  const out: unknown[] = [];
  value.forEach((item, index) => {
    for (const [key, sub] of Object.entries(fields)) {
      const subFields = obj(sub) ?? {};
      if (key.startsWith('k:')) {
        if (matchesKey(item, JSON.parse(key.slice(2)) as Record<string, unknown>)) {
          out.push(prune(item, subFields));
          return;
        }
      } else if (key.startsWith('v:')) {
        if (sameJson(item, JSON.parse(key.slice(2)))) {
          out.push(item);
          return;
        }
      } else if (key === `i:${index}`) {
        out.push(prune(item, subFields));
        return;
      }
    }
  });
  return out;
}

/** The parts of `value` that `fields` (a fieldsV1 set) owns. */
function prune(value: unknown, fields: Fields): unknown {
  if (ownsWhole(fields)) return value;
  if (Array.isArray(value)) return pruneList(value, fields);
  const record = obj(value);
  if (record === undefined) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    const sub = obj(fields[`f:${key}`]);
    if (sub !== undefined) out[key] = prune(item, sub);
  }
  return out;
}

/** The union of the fields every `Apply` manager owns, or undefined when none is recorded. */
export function appliedFields(object: Readonly<Record<string, unknown>>): Fields | undefined {
  const entries = obj(object.metadata)?.managedFields;
  if (!Array.isArray(entries)) return undefined;
  let fields: Fields | undefined;
  for (const entry of entries as ManagedFieldsEntry[]) {
    const fieldsV1 = obj(entry.fieldsV1);
    if (entry.operation !== 'Apply' || entry.fieldsType !== 'FieldsV1' || fieldsV1 === undefined)
      continue;
    fields = fields === undefined ? fieldsV1 : union(fields, fieldsV1);
  }
  return fields;
}

/**
 * The object as declared: only the fields an `Apply` manager owns (plus apiVersion, kind,
 * name and namespace, which identify it). Without managedFields, the object itself.
 */
export function declaredObject(
  object: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const fields = appliedFields(object);
  if (fields === undefined) return object;
  const metadata = obj(object.metadata) ?? {};
  const declared = obj(prune(object, fields)) ?? {};
  const declaredMetadata = obj(declared.metadata) ?? {};
  return {
    ...declared,
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      ...declaredMetadata,
      name: metadata.name,
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
    },
  };
}

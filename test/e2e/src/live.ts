/**
 * Live objects of a namespace as comparable JSON: what both delivery paths left in the cluster,
 * without the fields the server or the tools set.
 */
import { kubectlJson } from './exec';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type LiveObject = { kind: string; metadata: { name: string } } & Record<string, Json>;

/** The kinds compared (everything the charts render, plus the Secrets Pulumi makes). */
const KINDS = [
  'deployments.apps',
  'statefulsets.apps',
  'services',
  'horizontalpodautoscalers.autoscaling',
  'configmaps',
  'serviceaccounts',
  'networkpolicies.networking.k8s.io',
  'poddisruptionbudgets.policy',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'secrets',
  'externalsecrets.external-secrets.io',
  'httproutes.gateway.networking.k8s.io',
];

/** Objects the cluster creates in every namespace by itself. */
const CLUSTER_MADE = new Set(['ConfigMap/kube-root-ca.crt', 'ServiceAccount/default']);

const TOOL_ANNOTATION =
  /^(pulumi\.com\/|kubectl\.kubernetes\.io\/last-applied-configuration$|deployment\.kubernetes\.io\/revision$)/;

const SERVER_METADATA = [
  'managedFields',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
];

function strip(object: LiveObject): LiveObject {
  const rest: Record<string, Json> = { ...object };
  Reflect.deleteProperty(rest, 'status');
  const metadata = { ...(rest.metadata as Record<string, Json>) };
  for (const key of SERVER_METADATA) Reflect.deleteProperty(metadata, key);
  const annotations = Object.entries((metadata.annotations ?? {}) as Record<string, string>).filter(
    ([k]) => !TOOL_ANNOTATION.test(k),
  );
  if (annotations.length === 0) Reflect.deleteProperty(metadata, 'annotations');
  else metadata.annotations = Object.fromEntries(annotations);
  const out = { ...rest, metadata } as LiveObject;
  if (object.kind === 'Service') {
    // Allocated by the apiserver: differs between any two creations.
    const spec = { ...(out.spec as Record<string, Json>) };
    Reflect.deleteProperty(spec, 'clusterIP');
    Reflect.deleteProperty(spec, 'clusterIPs');
    out.spec = spec;
  }
  return out;
}

/** `Kind/name` → the stripped live object, for every compared kind in the namespace. */
export async function captureNamespace(namespace: string): Promise<Map<string, LiveObject>> {
  const list = (await kubectlJson(['get', KINDS.join(','), '-n', namespace])) as {
    items: LiveObject[];
  };
  const ns = (await kubectlJson(['get', 'namespace', namespace])) as LiveObject;
  const out = new Map<string, LiveObject>([[`Namespace/${namespace}`, strip(ns)]]);
  for (const item of list.items) {
    const key = `${item.kind}/${item.metadata.name}`;
    if (!CLUSTER_MADE.has(key)) out.set(key, strip(item));
  }
  return out;
}

/** Dotted paths where `a` and `b` differ (at most `limit`). */
export function differences(
  a: Json | undefined,
  b: Json | undefined,
  path = '',
  limit = 20,
): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const bothObjects =
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) return [`${path || '.'}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    const av = (a as Record<string, Json>)[key];
    const bv = (b as Record<string, Json>)[key];
    out.push(...differences(av, bv, `${path}.${key}`, limit));
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

/** The differences between two captures of a namespace: objects only in one, and changed fields. */
export function namespaceChanges(
  before: ReadonlyMap<string, LiveObject>,
  after: ReadonlyMap<string, LiveObject>,
): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].flatMap((key) => {
    const [b, a] = [before.get(key), after.get(key)];
    if (b === undefined || a === undefined)
      return [`${key}: only ${b === undefined ? 'after' : 'before'}`];
    return differences(b, a, key);
  });
}

/** Pulumi resources of the Kubernetes provider as the plain objects the rules judge. */
import { obj, str } from '../core/fields';
import type { KubeObject } from '../core/types';

/** `kubernetes:<group>/<version>:<Kind>`; the core group is spelled `core`. */
const TYPE_TOKEN = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/;

/** Resources of the provider that are not Kubernetes objects (components, patches, lists). */
function isObjectKind(kind: string): boolean {
  return !kind.endsWith('List') && !kind.endsWith('Patch');
}

/** `apiVersion` and `kind` a Pulumi type token stands for, or undefined for other resources. */
export function kindOfType(type: string): { apiVersion: string; kind: string } | undefined {
  const match = TYPE_TOKEN.exec(type);
  if (match === null) return undefined;
  const [, groupVersion = '', kind = ''] = match;
  if (!groupVersion.includes('/') || !isObjectKind(kind)) return undefined;
  const apiVersion = groupVersion.startsWith('core/')
    ? groupVersion.slice('core/'.length)
    : groupVersion;
  // Component resources of the provider (yaml/v2:ConfigGroup, helm.sh/v4:Chart, ...).
  if (['yaml', 'helm.sh', 'kustomize'].includes(apiVersion.split('/')[0] ?? '')) return undefined;
  return { apiVersion, kind };
}

/**
 * The Kubernetes object of a resource: its props are the object's fields (what the charts
 * produced). Undefined for resources that are not Kubernetes objects. A name the props leave
 * out (Pulumi auto-naming) is taken from the resource name.
 */
export function toKubeObject(
  type: string,
  props: Readonly<Record<string, unknown>>,
  resourceName?: string,
): KubeObject | undefined {
  const fromType = kindOfType(type);
  if (fromType === undefined) return undefined;
  const metadata = obj(props.metadata) ?? {};
  const name = str(metadata.name) ?? resourceName;
  return {
    ...props,
    apiVersion: str(props.apiVersion) ?? fromType.apiVersion,
    kind: str(props.kind) ?? fromType.kind,
    metadata: { ...metadata, ...(name === undefined ? {} : { name }) },
  };
}

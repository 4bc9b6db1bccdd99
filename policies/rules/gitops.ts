/** GitOps controllers never delete what holds data: the Namespace, StatefulSets, volume claims. */
import { objectRule } from '../core/define';
import type { KubeObject, Violation } from '../core/types';

/** Flux kustomize-controller skips an object with this annotation in garbage collection. */
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
/** Argo CD sync options of one object (comma-separated `Name=value`). */
export const ARGO_SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/** Kinds whose deletion deletes data: everything in a Namespace, the claims of a StatefulSet. */
const STATEFUL_KINDS: Readonly<Record<string, string>> = {
  Namespace: 'v1',
  PersistentVolumeClaim: 'v1',
  StatefulSet: 'apps/v1',
};

function annotationPath(key: string): string {
  return `metadata.annotations["${key}"]`;
}

/** The Argo CD sync options of an object, by name (`Prune=false` gives Prune -> false). */
function argoSyncOptions(object: KubeObject): Map<string, string> {
  const raw = object.metadata.annotations?.[ARGO_SYNC_OPTIONS_ANNOTATION] ?? '';
  const options = new Map<string, string>();
  for (const part of raw.split(',')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== undefined && name !== '') options.set(name, value.join('=').trim());
  }
  return options;
}

export const gitopsPruneStateful = objectRule(
  {
    id: 'gitops-prune-stateful',
    severity: 'error',
    description:
      'In GitOps output, a Namespace, StatefulSet or PersistentVolumeClaim cannot be deleted by ' +
      "the controllers' prune: Flux `kustomize.toolkit.fluxcd.io/prune: disabled`, Argo CD " +
      'sync options `Prune=false,Delete=false`.',
    remediation:
      'Annotate the object with kustomize.toolkit.fluxcd.io/prune: disabled and ' +
      'argocd.argoproj.io/sync-options: Prune=false,Delete=false (charts/model/gitops.ts ' +
      'PRUNE_PROTECTION_ANNOTATIONS); remove such an object by hand, on purpose.',
    sources: [
      'Flux kustomize-controller: garbage collection, kustomize.toolkit.fluxcd.io/prune',
      'Argo CD sync options: No Prune Resources, No Resource Deletion',
      'issue 15 finding 6',
    ],
  },
  (object, context): Violation[] => {
    if (context.target !== 'gitops') return [];
    if (STATEFUL_KINDS[object.kind] !== object.apiVersion) return [];
    const what =
      object.kind === 'Namespace' ? 'everything in the namespace, volumes included' : 'its data';
    const violations: Violation[] = [];
    const flux = object.metadata.annotations?.[FLUX_PRUNE_ANNOTATION];
    if (flux !== 'disabled') {
      violations.push({
        path: annotationPath(FLUX_PRUNE_ANNOTATION),
        message:
          `Flux prune can delete this ${object.kind} and ${what}` +
          (flux === undefined ? '' : ` (value "${flux}", expected "disabled")`),
      });
    }
    const argo = argoSyncOptions(object);
    const missing = ['Prune', 'Delete'].filter((name) => argo.get(name) !== 'false');
    if (missing.length > 0) {
      violations.push({
        path: annotationPath(ARGO_SYNC_OPTIONS_ANNOTATION),
        message:
          `Argo CD can delete this ${object.kind} and ${what}: sync options lack ` +
          missing.map((name) => `${name}=false`).join(', '),
      });
    }
    return violations;
  },
);

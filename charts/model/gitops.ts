/**
 * Annotations that keep an object when a GitOps controller would delete it: when it disappears
 * from the environment's folder (prune) and when the controller object that applied it is
 * deleted (an environment renamed or removed). Set on the objects whose loss loses data: the
 * Namespace (deleting it deletes everything in it, volumes included) and the StatefulSets
 * with volume claims. Pulumi ignores them; rule `gitops-prune-stateful` requires them.
 *
 * - Flux: `kustomize.toolkit.fluxcd.io/prune: disabled` skips the object in garbage collection,
 *   both on prune and when the Kustomization is deleted.
 * - Argo CD: `Prune=false` skips it on prune (the Application shows it OutOfSync instead);
 *   `Delete=false` keeps it when the Application is deleted (the ApplicationSet's
 *   `preserveResourcesOnDeletion` covers the ApplicationSet path, this covers a hand deletion).
 */
export const PRUNE_PROTECTION_ANNOTATIONS: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
};

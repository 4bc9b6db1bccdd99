/** Name, namespace and labels of one GitOps controller object. */
export interface ControllerObjectMeta {
  readonly name: string;
  /** Namespace the controller runs in (`argocd`, `flux-system`). */
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/** The `metadata` of a controller object. */
export function metadataOf(meta: ControllerObjectMeta): ControllerObjectMeta {
  return { name: meta.name, namespace: meta.namespace, labels: meta.labels };
}

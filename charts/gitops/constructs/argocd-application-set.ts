import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { metadataOf, type ControllerObjectMeta } from './object-meta';
import { ARGOCD_API_VERSION } from './argocd-app-project';

/** One generated Application: the environment, its folder and where it goes. */
export interface ArgoEnvironmentElement {
  /** Environment name; the Application is named `<namePrefix>-<env>`. */
  readonly env: string;
  /** Folder of the environment in the GitOps repository. */
  readonly path: string;
  /** API server of the environment's cluster. */
  readonly server: string;
  /** Namespace of the environment. */
  readonly namespace: string;
}

/** How failed syncs are retried. */
export interface ArgoRetry {
  readonly limit: number;
  /** First wait, e.g. `10s`. */
  readonly backoff: string;
  /** Each wait is the previous one times this. */
  readonly factor: number;
  /** Longest wait, e.g. `3m`. */
  readonly maxBackoff: string;
}

/** Props of {@link ArgoApplicationSet}. */
export interface ArgoApplicationSetProps extends ControllerObjectMeta {
  /** The AppProject of the generated Applications. */
  readonly project: string;
  /** The GitOps repository. */
  readonly repoURL: string;
  /** Branch (or tag, or commit) to follow. */
  readonly targetRevision: string;
  /** One element per environment. */
  readonly elements: readonly ArgoEnvironmentElement[];
  /** Delete objects that disappear from the repository. */
  readonly prune: boolean;
  /** Sync on every new commit. */
  readonly automated: boolean;
  /** Revert changes made in the cluster by hand (automated sync only). */
  readonly selfHeal: boolean;
  readonly retry: ArgoRetry;
  /**
   * Sync options of every Application.
   * @default ['PruneLast=true', 'FailOnSharedResource=true']: prune once everything else is
   * synced and healthy, and never take over an object another Application manages
   */
  readonly syncOptions?: readonly string[];
}

/**
 * An Argo CD ApplicationSet with a list generator: one Application per environment, each
 * syncing the environment's folder (plain YAML with a kustomization.yaml) to its namespace.
 * Deleting the ApplicationSet leaves the workloads running (`preserveResourcesOnDeletion`).
 */
export class ArgoApplicationSet extends Construct {
  constructor(scope: Construct, id: string, props: ArgoApplicationSetProps) {
    super(scope, id);
    if (props.elements.length === 0) throw new Error(`ApplicationSet ${props.name}: no elements`);
    const r = props.retry;
    new ApiObject(this, 'Resource', {
      apiVersion: ARGOCD_API_VERSION,
      kind: 'ApplicationSet',
      metadata: metadataOf(props),
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ list: { elements: props.elements.map((e) => ({ ...e })) } }],
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          metadata: {
            name: `${props.name}-{{.env}}`,
            labels: { ...props.labels, environment: '{{.env}}' },
          },
          spec: {
            project: props.project,
            source: {
              repoURL: props.repoURL,
              targetRevision: props.targetRevision,
              path: '{{.path}}',
            },
            destination: { server: '{{.server}}', namespace: '{{.namespace}}' },
            syncPolicy: {
              ...(props.automated
                ? { automated: { prune: props.prune, selfHeal: props.selfHeal } }
                : {}),
              syncOptions: [
                ...(props.syncOptions ?? ['PruneLast=true', 'FailOnSharedResource=true']),
              ],
              retry: {
                limit: r.limit,
                backoff: { duration: r.backoff, factor: r.factor, maxDuration: r.maxBackoff },
              },
            },
          },
        },
      },
    });
  }
}

import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { metadataOf, type ControllerObjectMeta } from './object-meta';

/** Argo CD API group and version of AppProject, Application and ApplicationSet. */
export const ARGOCD_API_VERSION = 'argoproj.io/v1alpha1';

/** A cluster and namespace the project may deploy to. */
export interface ArgoDestination {
  /** API server URL of the cluster. */
  readonly server: string;
  /** Namespace inside that cluster. */
  readonly namespace: string;
}

/** A kind, by API group (`''` for the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Props of {@link ArgoAppProject}. */
export interface ArgoAppProjectProps extends ControllerObjectMeta {
  /** @default 'Deploys user-service' */
  readonly description?: string;
  /** The only repositories the project's Applications may read. */
  readonly sourceRepos: readonly string[];
  /** The only clusters and namespaces they may deploy to. */
  readonly destinations: readonly ArgoDestination[];
  /**
   * Cluster-scoped kinds they may create.
   * @default only core Namespace (the environments create their own namespace)
   */
  readonly clusterResourceWhitelist?: readonly GroupKind[];
}

/**
 * An Argo CD AppProject that confines the generated Applications to one repository, the
 * environment namespaces and, cluster-wide, Namespace objects only.
 */
export class ArgoAppProject extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: ArgoAppProjectProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: ARGOCD_API_VERSION,
      kind: 'AppProject',
      metadata: metadataOf(props),
      spec: {
        description: props.description ?? 'Deploys user-service',
        sourceRepos: [...props.sourceRepos],
        destinations: props.destinations.map((d) => ({ server: d.server, namespace: d.namespace })),
        clusterResourceWhitelist: (
          props.clusterResourceWhitelist ?? [{ group: '', kind: 'Namespace' }]
        ).map((g) => ({ group: g.group, kind: g.kind })),
      },
    });
    this.name = props.name;
  }
}

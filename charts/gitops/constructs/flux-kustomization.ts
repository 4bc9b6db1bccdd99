import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { metadataOf, type ControllerObjectMeta } from './object-meta';

/** Flux kustomize-controller API group and version of Kustomization. */
export const FLUX_KUSTOMIZE_API_VERSION = 'kustomize.toolkit.fluxcd.io/v1';

/** Props of {@link FluxKustomization}. */
export interface FluxKustomizationProps extends ControllerObjectMeta {
  /** Name of the GitRepository (same namespace) to read. */
  readonly sourceName: string;
  /** Folder inside the repository, e.g. `apps/user-service/prod` (written as `./...`). */
  readonly path: string;
  /** How often to re-apply, e.g. `10m`. */
  readonly interval: string;
  /** How soon to retry a failed reconciliation, e.g. `1m`. */
  readonly retryInterval: string;
  /** Limit for apply plus health checks, e.g. `5m`. */
  readonly timeout: string;
  /** Delete objects that disappear from the folder. */
  readonly prune: boolean;
  /**
   * Health-check every applied object (Deployments rolled out, ExternalSecrets Ready, ...)
   * before the reconciliation counts as ready.
   * @default true
   */
  readonly wait?: boolean;
  /** Kustomizations (same namespace) that must be ready first. @default none */
  readonly dependsOn?: readonly string[];
}

/**
 * A Flux Kustomization that applies one environment's folder. The kustomize controller applies
 * cluster-wide definitions (CRDs, Namespaces) before the namespaced objects on its own.
 */
export class FluxKustomization extends Construct {
  constructor(scope: Construct, id: string, props: FluxKustomizationProps) {
    super(scope, id);
    const dependsOn = props.dependsOn ?? [];
    new ApiObject(this, 'Resource', {
      apiVersion: FLUX_KUSTOMIZE_API_VERSION,
      kind: 'Kustomization',
      metadata: metadataOf(props),
      spec: {
        interval: props.interval,
        retryInterval: props.retryInterval,
        timeout: props.timeout,
        path: `./${props.path}`,
        prune: props.prune,
        wait: props.wait ?? true,
        sourceRef: { kind: 'GitRepository', name: props.sourceName },
        ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((name) => ({ name })) } : {}),
      },
    });
  }
}

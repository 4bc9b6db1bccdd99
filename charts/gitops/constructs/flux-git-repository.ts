import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { metadataOf, type ControllerObjectMeta } from './object-meta';

/** Flux source-controller API group and version of GitRepository. */
export const FLUX_SOURCE_API_VERSION = 'source.toolkit.fluxcd.io/v1';

/** Props of {@link FluxGitRepository}. */
export interface FluxGitRepositoryProps extends ControllerObjectMeta {
  /** http(s):// or ssh:// URL of the GitOps repository. */
  readonly url: string;
  readonly branch: string;
  /** How often to fetch, e.g. `1m`. */
  readonly interval: string;
  /** Secret with the credentials of a private repository. @default none (a public repository) */
  readonly secretRef?: string;
  /**
   * Only this folder of the repository is kept in the artifact (`.sourceignore` syntax), so
   * commits elsewhere in the repository do not trigger a reconciliation.
   * @default the whole repository
   */
  readonly onlyFolder?: string;
}

/** A Flux GitRepository: the source the Kustomizations of every environment read. */
export class FluxGitRepository extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: FluxGitRepositoryProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: FLUX_SOURCE_API_VERSION,
      kind: 'GitRepository',
      metadata: metadataOf(props),
      spec: {
        interval: props.interval,
        url: props.url,
        ref: { branch: props.branch },
        ...(props.secretRef === undefined ? {} : { secretRef: { name: props.secretRef } }),
        ...(props.onlyFolder === undefined ? {} : { ignore: `/*\n!/${props.onlyFolder}/\n` }),
      },
    });
    this.name = props.name;
  }
}

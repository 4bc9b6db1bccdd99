import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../../config/schema';
import { APP_NAME } from '../../model/contract';
import { FluxGitRepository } from '../constructs/flux-git-repository';
import { FluxKustomization } from '../constructs/flux-kustomization';
import { deliveryLabels } from '../labels';
import { ENV_PLACEHOLDER, environmentPath, type GitOpsSettings } from '../schema';

/** Name of the GitRepository every environment's Kustomization reads. */
export const FLUX_SOURCE_NAME = APP_NAME;

/** Props of {@link FluxSourceChart}. */
export interface FluxSourceChartProps {
  readonly settings: GitOpsSettings;
}

/**
 * The GitRepository of the GitOps repository, defined once for every environment: a cluster
 * that syncs several environments from one folder applies it once (kustomize refuses the same
 * object twice).
 */
export class FluxSourceChart extends Chart {
  constructor(scope: Construct, id: string, props: FluxSourceChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const s = props.settings;
    // The fixed part of envPath before "{env}" (e.g. apps/user-service) is all Flux needs to fetch.
    const prefix = s.envPath.split(ENV_PLACEHOLDER)[0]?.replace(/\/$/, '') ?? '';
    new FluxGitRepository(this, 'Source', {
      name: FLUX_SOURCE_NAME,
      namespace: s.flux.namespace,
      labels: deliveryLabels(),
      url: s.repoURL,
      branch: s.branch,
      interval: s.flux.sourceInterval,
      ...(s.flux.secretRef === null ? {} : { secretRef: s.flux.secretRef }),
      ...(prefix === '' ? {} : { onlyFolder: prefix }),
    });
  }
}

/** Props of {@link FluxChart}. */
export interface FluxChartProps {
  /** The environment whose cluster applies this chart. */
  readonly environment: Environment;
  readonly settings: GitOpsSettings;
}

/**
 * What Flux needs on the cluster of one environment besides the source: a Kustomization that
 * applies the environment's folder from the GitRepository of {@link FluxSourceChart}.
 */
export class FluxChart extends Chart {
  constructor(scope: Construct, id: string, props: FluxChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { settings: s, environment: env } = props;
    new FluxKustomization(this, 'Kustomization', {
      name: `${APP_NAME}-${env.name}`,
      namespace: s.flux.namespace,
      labels: deliveryLabels(),
      sourceName: FLUX_SOURCE_NAME,
      path: environmentPath(s, env.name),
      interval: s.flux.interval,
      retryInterval: s.flux.retryInterval,
      timeout: s.flux.timeout,
      prune: s.prune,
      dependsOn: s.flux.dependsOn,
    });
  }
}

import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../../config/schema';
import { APP_NAME } from '../../model/contract';
import { FluxGitRepository } from '../constructs/flux-git-repository';
import { FluxKustomization } from '../constructs/flux-kustomization';
import { deliveryLabels } from '../labels';
import { ENV_PLACEHOLDER, environmentPath, type GitOpsSettings } from '../schema';

/** Props of {@link FluxChart}. */
export interface FluxChartProps {
  /** The environment whose cluster applies this chart. */
  readonly environment: Environment;
  readonly settings: GitOpsSettings;
}

/**
 * What Flux needs on the cluster of one environment: the GitRepository (the same in every
 * environment) and a Kustomization that applies the environment's folder.
 */
export class FluxChart extends Chart {
  constructor(scope: Construct, id: string, props: FluxChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { settings: s, environment: env } = props;
    const labels = deliveryLabels();
    // The fixed part of envPath before "{env}" (e.g. apps/user-service) is all Flux needs to fetch.
    const prefix = s.envPath.split(ENV_PLACEHOLDER)[0]?.replace(/\/$/, '') ?? '';
    const source = new FluxGitRepository(this, 'Source', {
      name: APP_NAME,
      namespace: s.flux.namespace,
      labels,
      url: s.repoURL,
      branch: s.branch,
      interval: s.flux.sourceInterval,
      ...(s.flux.secretRef === null ? {} : { secretRef: s.flux.secretRef }),
      ...(prefix === '' ? {} : { onlyFolder: prefix }),
    });
    new FluxKustomization(this, 'Kustomization', {
      name: `${APP_NAME}-${env.name}`,
      namespace: s.flux.namespace,
      labels,
      sourceName: source.name,
      path: environmentPath(s, env.name),
      interval: s.flux.interval,
      retryInterval: s.flux.retryInterval,
      timeout: s.flux.timeout,
      prune: s.prune,
      dependsOn: s.flux.dependsOn,
    });
  }
}

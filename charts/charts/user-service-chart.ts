import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../config/schema';
import { ENVIRONMENT_LABEL } from '../model/contract';
import { componentLabels } from '../model/labels';
import { DefaultDenyNetworkPolicy } from '../constructs/default-deny-network-policy';
import { RestrictedNamespace } from '../constructs/restricted-namespace';
import { UserService } from '../constructs/user-service';

/** Props of {@link UserServiceChart}. */
export interface UserServiceChartProps {
  /** The validated settings of the environment this chart renders. */
  readonly environment: Environment;
}

/**
 * Everything one environment runs: its restricted namespace, the namespace-wide default deny,
 * and the user service with its optional parts.
 */
export class UserServiceChart extends Chart {
  readonly environment: Environment;

  constructor(scope: Construct, id: string, props: UserServiceChartProps) {
    const env = props.environment;
    super(scope, id, { disableResourceNameHashes: true });
    this.environment = env;
    const platformLabels = componentLabels({ version: env.version, component: 'platform' });

    new RestrictedNamespace(this, 'Namespace', {
      name: env.namespace,
      // The policies judge the namespace's objects by the rules of the environment it names.
      labels: { ...platformLabels, [ENVIRONMENT_LABEL]: env.name },
    });
    new DefaultDenyNetworkPolicy(this, 'DefaultDeny', {
      namespace: env.namespace,
      labels: platformLabels,
    });
    new UserService(this, 'UserService', { environment: env });
  }
}

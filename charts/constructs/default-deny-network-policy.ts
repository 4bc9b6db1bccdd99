import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

/** Props of {@link DefaultDenyNetworkPolicy}. */
export interface DefaultDenyNetworkPolicyProps {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** @default 'default-deny-all' */
  readonly name?: string;
}

/**
 * Denies all ingress and egress to every pod of the namespace. Workloads then open exactly
 * what they need with their own policies (see {@link WorkloadNetworkPolicy}).
 */
export class DefaultDenyNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: DefaultDenyNetworkPolicyProps) {
    super(scope, id);
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: {
        name: props.name ?? 'default-deny-all',
        namespace: props.namespace,
        labels: props.labels,
      },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }
}

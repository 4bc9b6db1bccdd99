import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

/** Props of {@link DisruptionBudget}. */
export interface DisruptionBudgetProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Labels of the pods it protects (the workload's selector). */
  readonly selector: Record<string, string>;
  /**
   * Pods that may be down at once during voluntary disruptions. An absolute count, so a drain
   * can always proceed whatever the replica count (never a PDB that blocks every eviction).
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * Whether pods that are running but not ready may be evicted when the budget is used up.
   * `AlwaysAllow` (stateless workloads): a crash-looping pod never blocks a drain.
   * `IfHealthyBudget` (quorum-based workloads such as Consul servers): a not-ready pod may go
   * only while the budget still has room, so a drain cannot take a member that is catching
   * up while another one is down.
   * @default 'AlwaysAllow'
   */
  readonly unhealthyPodEvictionPolicy?: 'AlwaysAllow' | 'IfHealthyBudget';
}

/**
 * A policy/v1 PodDisruptionBudget that always allows at least one voluntary disruption.
 */
export class DisruptionBudget extends Construct {
  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    const maxUnavailable = props.maxUnavailable ?? 1;
    if (!Number.isInteger(maxUnavailable) || maxUnavailable < 1) {
      throw new Error(`PodDisruptionBudget ${props.name}: maxUnavailable must be >= 1`);
    }
    new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable),
        selector: { matchLabels: props.selector },
        unhealthyPodEvictionPolicy: props.unhealthyPodEvictionPolicy ?? 'AlwaysAllow',
      },
    });
  }
}

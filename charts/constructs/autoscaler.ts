import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';

/** Props of {@link Autoscaler}. */
export interface AutoscalerProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** The workload it scales; from now on the HPA owns its replica count. */
  readonly target: kplus.IScalable;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Target average CPU utilization, percent of requests. */
  readonly cpuUtilization: number;
  /** Target average memory utilization, percent of requests. */
  readonly memoryUtilization: number;
  /**
   * How long the HPA waits for a lower recommendation to hold before it scales down.
   * @default Duration.minutes(5)
   */
  readonly scaleDownStabilization?: Duration;
}

/**
 * An autoscaling/v2 HorizontalPodAutoscaler on CPU and memory. Targeting a Deployment marks it
 * as autoscaled, so the Deployment is synthesized without `spec.replicas` (DESIGN rule 7).
 */
export class Autoscaler extends Construct {
  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    if (props.maxReplicas <= props.minReplicas) {
      throw new Error(
        `HPA ${props.name}: maxReplicas (${props.maxReplicas}) must exceed minReplicas (${props.minReplicas})`,
      );
    }
    new kplus.HorizontalPodAutoscaler(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      target: props.target,
      minReplicas: props.minReplicas,
      maxReplicas: props.maxReplicas,
      metrics: [
        kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.cpuUtilization)),
        kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(props.memoryUtilization)),
      ],
      scaleDown: {
        stabilizationWindow: props.scaleDownStabilization ?? Duration.minutes(5),
      },
    });
  }
}

import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import {
  OTEL_CONFIG_PATH,
  OTEL_NAMES,
  OTEL_POD_IP_ENV,
  OTEL_PORT_NAMES,
  OTEL_PORTS,
  OTEL_UID,
} from '../model/otel';
import {
  componentPodBasics,
  componentPodMetadata,
  containerResources,
  downwardEnv,
  restrictedContainerSecurityContext,
  spreadConstraint,
  type ComponentWorkloadProps,
  type SpreadMode,
} from './pod-defaults';

const API_ACCESS_VOLUME = 'kube-api-access';
/** Where client-go's in-cluster config looks for the token, CA and namespace. */
const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The volume the kubelet would inject with automount, declared explicitly. */
function apiAccessVolume(): k8s.Volume {
  return {
    name: API_ACCESS_VOLUME,
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardApi: {
            items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

/** Props of {@link OtelCollectorDeployment}. */
export interface OtelCollectorDeploymentProps extends ComponentWorkloadProps {
  /** @default 'otel-collector' */
  readonly name?: string;
  readonly replicas: number;
  /**
   * Mount a ServiceAccount token: only when a component reads the Kubernetes API. It is an
   * explicit projected volume (short-lived token, cluster CA, namespace) at the path client-go
   * reads, never the automount.
   */
  readonly kubernetesApiAccess: boolean;
  /** GOMEMLIMIT, derived from the memory limit (see collectorMemory). */
  readonly goMemLimit: string;
  /** @default { zone: 'ScheduleAnyway', hostname: 'ScheduleAnyway' } */
  readonly topologySpread?: { readonly zone: SpreadMode; readonly hostname: SpreadMode };
}

/**
 * The collector in gateway mode: a Deployment with the restricted security context and a
 * read-only root, GOMEMLIMIT from the memory limit, probes on the health_check extension and
 * zero-unavailable rollouts.
 */
export class OtelCollectorDeployment extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: OtelCollectorDeploymentProps) {
    super(scope, id);
    this.name = props.name ?? OTEL_NAMES.deployment;
    const health = k8s.IntOrString.fromString(OTEL_PORT_NAMES.healthCheck);
    const spread = props.topologySpread ?? { zone: 'ScheduleAnyway', hostname: 'ScheduleAnyway' };

    const container: k8s.Container = {
      name: OTEL_NAMES.container,
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? 'Always',
      // The image's entrypoint is the collector binary; only its config flag changes.
      args: [`--config=${OTEL_CONFIG_PATH.dir}/${OTEL_CONFIG_PATH.file}`],
      env: [
        ...downwardEnv({ podIp: OTEL_POD_IP_ENV }),
        { name: 'GOMEMLIMIT', value: props.goMemLimit },
      ],
      ports: [
        { name: OTEL_PORT_NAMES.otlpGrpc, containerPort: OTEL_PORTS.otlpGrpc, protocol: 'TCP' },
        { name: OTEL_PORT_NAMES.otlpHttp, containerPort: OTEL_PORTS.otlpHttp, protocol: 'TCP' },
        {
          name: OTEL_PORT_NAMES.healthCheck,
          containerPort: OTEL_PORTS.healthCheck,
          protocol: 'TCP',
        },
        // The collector's own metrics (service.telemetry.metrics), scraped by a PodMonitor.
        { name: OTEL_PORT_NAMES.metrics, containerPort: OTEL_PORTS.metrics, protocol: 'TCP' },
      ],
      resources: containerResources(props.requests, props.limits),
      // health_check answers 200 once every pipeline has started and 503 while starting or
      // shutting down: that is readiness. Liveness only asks whether the extension's listener
      // accepts connections, so a collector that is briefly not ready (a slow start, a
      // shutdown) is taken out of the Service but not restarted.
      readinessProbe: {
        httpGet: { path: '/', port: health },
        periodSeconds: 5,
        timeoutSeconds: 2,
        successThreshold: 1,
        failureThreshold: 2,
      },
      livenessProbe: {
        tcpSocket: { port: health },
        initialDelaySeconds: 10,
        periodSeconds: 10,
        timeoutSeconds: 3,
        failureThreshold: 3,
      },
      securityContext: restrictedContainerSecurityContext(OTEL_UID),
      volumeMounts: [
        { name: 'config', mountPath: OTEL_CONFIG_PATH.dir, readOnly: true },
        ...(props.kubernetesApiAccess
          ? [{ name: API_ACCESS_VOLUME, mountPath: SERVICE_ACCOUNT_PATH, readOnly: true }]
          : []),
      ],
    };

    new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: props.labels },
      spec: {
        replicas: props.replicas,
        selector: { matchLabels: props.selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxSurge: k8s.IntOrString.fromNumber(1),
            maxUnavailable: k8s.IntOrString.fromNumber(0),
          },
        },
        progressDeadlineSeconds: 600,
        template: {
          metadata: componentPodMetadata(props),
          spec: {
            ...componentPodBasics(props, OTEL_UID),
            // The exporter's queue is flushed on SIGTERM within this period.
            terminationGracePeriodSeconds: 30,
            topologySpreadConstraints: [
              spreadConstraint('topology.kubernetes.io/zone', spread.zone, props.selector),
              spreadConstraint('kubernetes.io/hostname', spread.hostname, props.selector),
            ],
            containers: [container],
            volumes: [
              { name: 'config', configMap: { name: props.configMapName } },
              ...(props.kubernetesApiAccess ? [apiAccessVolume()] : []),
            ],
          },
        },
      },
    });
  }
}

import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ENV_VARS } from '../model/contract';
import { componentLabels, selectorLabels } from '../model/labels';
import {
  OTEL_APP_NAME,
  OTEL_COMPONENT,
  OTEL_CONFIG_PATH,
  OTEL_METRICS_PATH,
  OTEL_NAMES,
  OTEL_PORT_NAMES,
  OTEL_PORTS,
} from '../model/otel';
import { DisruptionBudget } from './disruption-budget';
import {
  collectorConfig,
  collectorConfigYaml,
  collectorMemory,
  pipelineErrors,
  type DebugExporterConfig,
} from './otel-collector-config';
import { OtelCollectorDeployment } from './otel-collector-deployment';
import type { ResourceAmounts, SpreadMode } from './pod-defaults';
import { namedServicePort } from './service-port';
import { SettingsConfigMap } from './settings-config-map';
import type { ScrapeTarget } from './service-monitoring';
import {
  cidrPeers,
  metricsIngress,
  podPeer,
  WorkloadNetworkPolicy,
  type NamespacedCaller,
  type NetworkRule,
} from './workload-network-policy';

/** An endpoint outside the cluster. */
export interface ExternalEndpoint {
  readonly port: number;
  /** Where it lives, for the NetworkPolicy egress rule. */
  readonly egressCidrs: readonly string[];
}

/** Where the collector sends spans. */
export type OtelExporterProps =
  | { readonly type: 'debug'; readonly verbosity: DebugExporterConfig['verbosity'] }
  | {
      readonly type: 'otlp';
      readonly backend: ExternalEndpoint & { readonly host: string; readonly insecure: boolean };
    };

/** Props of {@link OtelCollector}. */
export interface OtelCollectorProps {
  readonly namespace: string;
  /** `app.kubernetes.io/version`: the collector version. */
  readonly version: string;
  /** Full image reference, `repository@sha256:...` or `repository:tag`. */
  readonly image: string;
  /** @default 'Always' */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent';
  readonly replicas: number;
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
  readonly exporter: OtelExporterProps;
  /**
   * Turn on the k8s_attributes processor: it reads pods and ReplicaSets of the namespace
   * through the API server at this address, so it brings a Role, a token and an egress rule.
   * @default off
   */
  readonly kubernetesAttributes?: { readonly apiServer: ExternalEndpoint };
  /** Pods that may send telemetry (the applications in the namespace). */
  readonly clientSelector: Record<string, string>;
  /** @default { zone: 'ScheduleAnyway', hostname: 'ScheduleAnyway' } */
  readonly topologySpread?: { readonly zone: SpreadMode; readonly hostname: SpreadMode };
  /**
   * Who scrapes the collector's own metrics (the `metrics` port): the NetworkPolicy admits
   * them there, and {@link OtelCollector.scrapeTarget} is set for a PodMonitor.
   * @default nobody: the port is served but closed by the policy, and there is no scrape target
   */
  readonly metricsScrapers?: readonly NamespacedCaller[];
}

/**
 * An OpenTelemetry Collector gateway for the namespace: ServiceAccount, configuration (typed,
 * checked, serialized with the yaml library), Deployment, Service for OTLP gRPC and HTTP, a
 * PodDisruptionBudget from 2 replicas, a NetworkPolicy that admits only the application pods,
 * and RBAC only when the k8s_attributes processor needs the API.
 */
export class OtelCollector extends Construct {
  /** Labels of the collector pods. */
  readonly selector: Record<string, string>;
  /** Settings a client needs: `OTEL_EXPORTER_OTLP_ENDPOINT` (OTLP/gRPC, plaintext in-cluster). */
  readonly clientSettings: Record<string, string>;
  /** The egress a client needs: OTLP/gRPC to the collector pods. */
  readonly clientEgress: NetworkRule;
  /** The collector's own metrics, for a PodMonitor; undefined without scrapers. */
  readonly scrapeTarget: ScrapeTarget | undefined;

  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const { namespace } = props;
    const identity = { name: OTEL_APP_NAME, instance: OTEL_NAMES.deployment };
    const labels = componentLabels({
      ...identity,
      version: props.version,
      component: OTEL_COMPONENT,
    });
    this.selector = selectorLabels(identity);
    const k8sApi = props.kubernetesAttributes;
    const scrapers = props.metricsScrapers ?? [];

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: OTEL_NAMES.serviceAccount, namespace, labels },
      automountServiceAccountToken: false,
    });
    if (k8sApi !== undefined) this.addRbac(namespace, labels);

    const exporter = props.exporter;
    const config = collectorConfig({
      memoryLimit: props.limits.memory,
      exporter:
        exporter.type === 'debug'
          ? exporter
          : {
              type: 'otlp',
              endpoint: `${exporter.backend.host}:${exporter.backend.port}`,
              insecure: exporter.backend.insecure,
            },
      ...(k8sApi === undefined ? {} : { kubernetesAttributesNamespace: namespace }),
    });
    const errors = pipelineErrors(config);
    if (errors.length > 0) {
      throw new Error(`OtelCollector ${OTEL_NAMES.configMap}: ${errors.join('; ')}`);
    }
    const configMap = new SettingsConfigMap(this, 'Config', {
      name: OTEL_NAMES.configMap,
      namespace,
      labels,
      settings: { [OTEL_CONFIG_PATH.file]: collectorConfigYaml(config) },
    });

    new OtelCollectorDeployment(this, 'Deployment', {
      namespace,
      labels,
      selector: this.selector,
      podLabels: labels,
      replicas: props.replicas,
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? 'Always',
      serviceAccountName: OTEL_NAMES.serviceAccount,
      kubernetesApiAccess: k8sApi !== undefined,
      configMapName: OTEL_NAMES.configMap,
      configChecksum: configMap.checksum,
      requests: props.requests,
      limits: props.limits,
      goMemLimit: collectorMemory(props.limits.memory).goMemLimit,
      ...(props.topologySpread === undefined ? {} : { topologySpread: props.topologySpread }),
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: OTEL_NAMES.service, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [
          namedServicePort(
            OTEL_PORT_NAMES.otlpGrpc,
            OTEL_PORTS.otlpGrpc,
            'TCP',
            'kubernetes.io/h2c',
          ),
          namedServicePort(OTEL_PORT_NAMES.otlpHttp, OTEL_PORTS.otlpHttp, 'TCP', 'http'),
        ],
      },
    });

    if (props.replicas >= 2) {
      new DisruptionBudget(this, 'DisruptionBudget', {
        name: OTEL_NAMES.pdb,
        namespace,
        labels,
        selector: this.selector,
        maxUnavailable: 1,
      });
    }

    const egress: NetworkRule[] = [];
    if (exporter.type === 'otlp') {
      egress.push({
        peers: cidrPeers(exporter.backend.egressCidrs),
        ports: [{ port: exporter.backend.port }],
      });
    }
    if (k8sApi !== undefined) {
      egress.push({
        peers: cidrPeers(k8sApi.apiServer.egressCidrs),
        ports: [{ port: k8sApi.apiServer.port }],
      });
    }
    new WorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: OTEL_NAMES.networkPolicy,
      namespace,
      labels,
      podSelector: this.selector,
      ingress: [
        {
          peers: [podPeer(props.clientSelector)],
          ports: [{ port: OTEL_PORTS.otlpGrpc }, { port: OTEL_PORTS.otlpHttp }],
        },
        ...metricsIngress(scrapers, [{ port: OTEL_PORTS.metrics }]),
      ],
      egress,
    });
    this.scrapeTarget =
      scrapers.length === 0
        ? undefined
        : {
            name: OTEL_NAMES.podMonitor,
            labels,
            selector: this.selector,
            endpoint: { port: OTEL_PORT_NAMES.metrics, path: OTEL_METRICS_PATH },
          };

    this.clientSettings = {
      [ENV_VARS.otelEndpoint]: `http://${OTEL_NAMES.service}.${namespace}.svc:${OTEL_PORTS.otlpGrpc}`,
    };
    this.clientEgress = {
      peers: [podPeer(this.selector)],
      ports: [{ port: OTEL_PORTS.otlpGrpc }],
    };
  }

  /** Read access to pods and ReplicaSets of the namespace, for k8s_attributes. */
  private addRbac(namespace: string, labels: Record<string, string>): void {
    const verbs = ['get', 'list', 'watch'];
    new k8s.KubeRole(this, 'Role', {
      metadata: { name: OTEL_NAMES.role, namespace, labels },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: OTEL_NAMES.roleBinding, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: OTEL_NAMES.role },
      subjects: [{ kind: 'ServiceAccount', name: OTEL_NAMES.serviceAccount, namespace }],
    });
  }
}

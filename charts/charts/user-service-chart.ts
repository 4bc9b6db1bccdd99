import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../config/schema';
import { ENVIRONMENT_LABEL } from '../model/contract';
import { componentLabels } from '../model/labels';
import { ConsulCluster } from '../constructs/consul-cluster';
import { DefaultDenyNetworkPolicy } from '../constructs/default-deny-network-policy';
import { OtelCollector } from '../constructs/otel-collector';
import { ServiceMonitoring } from '../constructs/service-monitoring';
import { RestrictedNamespace } from '../constructs/restricted-namespace';
import type { ScrapeTarget } from '../constructs/service-monitoring';
import {
  imageReference,
  metricsScrapers,
  tracingSettings,
  UserService,
  userServiceSelector,
} from '../constructs/user-service';

/** Props of {@link UserServiceChart}. */
export interface UserServiceChartProps {
  /** The validated settings of the environment this chart renders. */
  readonly environment: Environment;
}

/**
 * Everything one environment runs: its restricted namespace, the namespace-wide default deny,
 * the Consul servers and the OpenTelemetry Collector where they are on, and the user service
 * wired to exactly the parts that run (settings, secret, egress and ingress rules).
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
    const consul = env.consul.enabled ? consulCluster(this, env) : undefined;
    const otel = env.otel.enabled ? otelCollector(this, env) : undefined;

    new UserService(this, 'UserService', {
      environment: env,
      extraSettings: {
        ...(otel === undefined ? {} : { ...tracingSettings(env), ...otel.clientSettings }),
        ...consul?.clientSettings,
      },
      extraEgress: [
        ...(otel === undefined ? [] : [otel.clientEgress]),
        ...(consul === undefined ? [] : [consul.clientEgress]),
      ],
      extraIngress: consul?.clientIngress === undefined ? [] : [consul.clientIngress],
      extraSecretEnv: consul?.clientSecretEnv ?? [],
    });
    if (env.monitoring.enabled) {
      // The collector's own telemetry and Consul's agent metrics, where they run.
      const extraTargets = [otel?.scrapeTarget, consul?.scrapeTarget].filter(
        (t): t is ScrapeTarget => t !== undefined,
      );
      new ServiceMonitoring(this, 'Monitoring', { environment: env, extraTargets });
    }
  }
}

function consulCluster(scope: Construct, env: Environment): ConsulCluster {
  const c = env.consul;
  return new ConsulCluster(scope, 'Consul', {
    namespace: env.namespace,
    servers: c.servers,
    datacenter: c.datacenter,
    image: imageReference(c.image),
    imagePullPolicy: c.image.pullPolicy,
    version: required(c.image.tag, `${env.name}: consul.image.tag`),
    requests: c.resources.requests,
    limits: c.resources.limits,
    storage: c.storage,
    podAntiAffinity: c.podAntiAffinity,
    zoneSpread: env.topologySpread.zone,
    tls: c.tls,
    acl: c.acl,
    secretStore: {
      storeName: env.secrets.storeName,
      storeKind: env.secrets.storeKind,
      refreshInterval: env.secrets.refreshInterval,
      remoteKey: c.secretsRemoteKey,
    },
    leaveSeconds: c.leaveSeconds,
    clientSelector: userServiceSelector(),
    // The service registers a gRPC health check that the servers call on its gRPC port.
    healthCheckPorts: [env.ports.grpc],
    metricsScrapers: metricsScrapers(env),
    metricsScrapeInterval: env.monitoring.scrapeInterval,
  });
}

function otelCollector(scope: Construct, env: Environment): OtelCollector {
  const o = env.otel;
  return new OtelCollector(scope, 'OtelCollector', {
    namespace: env.namespace,
    version: required(o.image.tag, `${env.name}: otel.image.tag`),
    image: imageReference(o.image),
    imagePullPolicy: o.image.pullPolicy,
    replicas: o.replicas,
    requests: o.resources.requests,
    limits: o.resources.limits,
    exporter:
      o.exporter === 'debug'
        ? { type: 'debug', verbosity: o.debugVerbosity }
        : { type: 'otlp', backend: required(o.backend, `${env.name}: otel.backend`) },
    ...(o.kubernetesAttributes.enabled
      ? { kubernetesAttributes: { apiServer: o.kubernetesAttributes.apiServer } }
      : {}),
    clientSelector: userServiceSelector(),
    topologySpread: env.topologySpread,
    metricsScrapers: metricsScrapers(env),
  });
}

/** A setting the schema guarantees; fails loudly should it ever be missing. */
function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`${field} is required`);
  return value;
}

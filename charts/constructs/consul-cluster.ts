import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import {
  CONSUL_APP_NAME,
  CONSUL_CLIENT_TOKEN_PROPERTY,
  CONSUL_COMPONENT,
  CONSUL_FILES,
  CONSUL_METRICS,
  CONSUL_METRICS_TOKEN_KEY,
  CONSUL_NAMES,
  CONSUL_PORT_NAMES,
  CONSUL_PORTS,
  CONSUL_SECRET_PROPERTIES,
} from '../model/consul';
import { ENV_VARS } from '../model/contract';
import { componentLabels, selectorLabels } from '../model/labels';
import {
  assertOddServerCount,
  consulSecretMaterial,
  consulServerConfig,
  failureTolerance,
} from './consul-server-config';
import { ConsulServerStatefulSet } from './consul-server-statefulset';
import { DisruptionBudget } from './disruption-budget';
import { ExternalSecret } from './external-secret';
import type { ResourceAmounts, SpreadMode } from './pod-defaults';
import { namedServicePort } from './service-port';
import { SettingsConfigMap } from './settings-config-map';
import type { ScrapeTarget } from './service-monitoring';
import {
  metricsIngress,
  podPeer,
  WorkloadNetworkPolicy,
  type NamespacedCaller,
  type NetworkRule,
} from './workload-network-policy';

/** Where the servers' secrets come from (an external-secrets.io store). */
export interface ConsulSecretStore {
  readonly storeName: string;
  /** @default 'ClusterSecretStore' */
  readonly storeKind?: 'SecretStore' | 'ClusterSecretStore';
  /** @default '1h' */
  readonly refreshInterval?: string;
  /** Key of the Consul entry in the store. */
  readonly remoteKey: string;
}

/** A secret environment variable a client reads from its own store entry. */
export interface ClientSecretEnv {
  /** Environment variable (and Secret key) name. */
  readonly name: string;
  /** Property of the client's store entry. */
  readonly property: string;
}

/** Props of {@link ConsulCluster}. */
export interface ConsulClusterProps {
  readonly namespace: string;
  /** Number of servers: 1, 3 or 5. */
  readonly servers: number;
  /** @default 'dc1' */
  readonly datacenter?: string;
  /** Full image reference, `repository@sha256:...` or `repository:tag`. */
  readonly image: string;
  /** @default 'Always' */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent';
  /** `app.kubernetes.io/version`: the Consul version. */
  readonly version: string;
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
  readonly storage: { readonly size: string; readonly storageClassName?: string };
  /** @default 'required' */
  readonly podAntiAffinity?: 'required' | 'preferred';
  /** @default 'ScheduleAnyway' */
  readonly zoneSpread?: SpreadMode;
  /** TLS on server RPC. */
  readonly tls: boolean;
  /** ACLs, default deny. */
  readonly acl: boolean;
  readonly secretStore: ConsulSecretStore;
  /** Grace period of a server's shutdown (terminationGracePeriodSeconds). @default 30 */
  readonly leaveSeconds?: number;
  /** Pods that may use the HTTP API and DNS (the applications in the namespace). */
  readonly clientSelector: Record<string, string>;
  /**
   * Ports on the client pods that the servers call for the health checks the clients
   * register (the user service registers a gRPC check on its gRPC port).
   * @default none
   */
  readonly healthCheckPorts?: readonly number[];
  /**
   * Who scrapes the servers' `/v1/agent/metrics?format=prometheus`. Consul serves it on the
   * HTTP API port, so the NetworkPolicy admits them there (the API's ACLs still apply), and
   * {@link ConsulCluster.scrapeTarget} is set for a PodMonitor. With ACLs on, the scrape needs
   * a token with `agent:read`: an ExternalSecret copies it from property `acl-metrics-token`
   * of the store entry into Secret `consul-metrics-token`.
   * @default nobody: no ingress on the HTTP port beyond the clients, no scrape target
   */
  readonly metricsScrapers?: readonly NamespacedCaller[];
  /**
   * How often they scrape; must be shorter than the agent's `prometheus_retention_time`
   * (CONSUL_METRICS.retention), or gauges vanish between scrapes.
   * @default '30s'
   */
  readonly metricsScrapeInterval?: string;
}

/**
 * A Consul server cluster in the namespace: ServiceAccount, configuration, secrets by
 * reference, the servers' StatefulSet, a headless Service for peers and a client Service for
 * the HTTP API and DNS, a PodDisruptionBudget that keeps quorum and a NetworkPolicy that opens
 * exactly the gossip, RPC, HTTP and DNS ports. No Helm hook, no Job: every secret comes from
 * the store, the cluster bootstraps itself through `bootstrap_expect`.
 */
export class ConsulCluster extends Construct {
  /** Labels of the server pods. */
  readonly selector: Record<string, string>;
  /** Settings a client needs: `CONSUL_HTTP_ADDR`. */
  readonly clientSettings: Record<string, string>;
  /** Secret settings a client needs from its own store entry (its ACL token). */
  readonly clientSecretEnv: readonly ClientSecretEnv[];
  /** The egress a client needs: the HTTP API, nothing else. */
  readonly clientEgress: NetworkRule;
  /** The ingress a client needs for its health checks, when it has health check ports. */
  readonly clientIngress: NetworkRule | undefined;
  /** The servers' metrics, for a PodMonitor; undefined without scrapers. */
  readonly scrapeTarget: ScrapeTarget | undefined;

  constructor(scope: Construct, id: string, props: ConsulClusterProps) {
    super(scope, id);
    const { namespace } = props;
    assertOddServerCount(CONSUL_NAMES.statefulSet, props.servers);
    const identity = { name: CONSUL_APP_NAME, instance: CONSUL_NAMES.statefulSet };
    const labels = componentLabels({
      ...identity,
      version: props.version,
      component: CONSUL_COMPONENT,
    });
    this.selector = selectorLabels(identity);

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: CONSUL_NAMES.serviceAccount, namespace, labels },
      automountServiceAccountToken: false,
    });

    const serverConfig = consulServerConfig({
      servers: props.servers,
      datacenter: props.datacenter ?? 'dc1',
      joinAddress: `${CONSUL_NAMES.headlessService}.${namespace}.svc`,
      tls: props.tls,
      acl: props.acl,
    });
    const config = new SettingsConfigMap(this, 'Config', {
      name: CONSUL_NAMES.configMap,
      namespace,
      labels,
      settings: { [CONSUL_FILES.serverConfig]: JSON.stringify(serverConfig, null, 2) + '\n' },
    });

    const material = consulSecretMaterial(props.secretStore.remoteKey, props);
    const secret = new ExternalSecret(this, 'Secrets', {
      name: CONSUL_NAMES.secret,
      namespace,
      labels,
      storeName: props.secretStore.storeName,
      storeKind: props.secretStore.storeKind ?? 'ClusterSecretStore',
      refreshInterval: props.secretStore.refreshInterval ?? '1h',
      data: material.data,
      template: material.template,
    });

    this.addServices(namespace, labels);

    const scrapers = props.metricsScrapers ?? [];
    if (scrapers.length > 0) {
      assertScrapeInterval(props.metricsScrapeInterval ?? '30s');
    }
    const metricsToken =
      scrapers.length > 0 && props.acl
        ? new ExternalSecret(this, 'MetricsToken', {
            name: CONSUL_NAMES.metricsTokenSecret,
            namespace,
            labels,
            storeName: props.secretStore.storeName,
            storeKind: props.secretStore.storeKind ?? 'ClusterSecretStore',
            refreshInterval: props.secretStore.refreshInterval ?? '1h',
            data: [
              {
                secretKey: CONSUL_METRICS_TOKEN_KEY,
                remoteKey: props.secretStore.remoteKey,
                property: CONSUL_SECRET_PROPERTIES.metricsToken,
              },
            ],
          })
        : undefined;
    this.scrapeTarget =
      scrapers.length === 0
        ? undefined
        : {
            name: CONSUL_NAMES.podMonitor,
            labels,
            selector: this.selector,
            endpoint: {
              port: CONSUL_PORT_NAMES.http,
              path: CONSUL_METRICS.path,
              params: CONSUL_METRICS.params,
              ...(metricsToken === undefined
                ? {}
                : {
                    bearerTokenSecret: {
                      name: metricsToken.secretName,
                      key: CONSUL_METRICS_TOKEN_KEY,
                    },
                  }),
            },
          };

    new ConsulServerStatefulSet(this, 'StatefulSet', {
      namespace,
      labels,
      selector: this.selector,
      podLabels: labels,
      servers: props.servers,
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? 'Always',
      serviceName: CONSUL_NAMES.headlessService,
      serviceAccountName: CONSUL_NAMES.serviceAccount,
      configMapName: CONSUL_NAMES.configMap,
      secretName: secret.secretName,
      configChecksum: config.checksum,
      requests: props.requests,
      limits: props.limits,
      storage: props.storage,
      podAntiAffinity: props.podAntiAffinity ?? 'required',
      zoneSpread: props.zoneSpread ?? 'ScheduleAnyway',
      leaveSeconds: props.leaveSeconds ?? 30,
    });

    const maxUnavailable = consulMaxUnavailable(props.servers);
    if (maxUnavailable > 0) {
      new DisruptionBudget(this, 'DisruptionBudget', {
        name: CONSUL_NAMES.pdb,
        namespace,
        labels,
        selector: this.selector,
        maxUnavailable,
        // Not AlwaysAllow: a server that is running but not ready (restarting, catching up on
        // the Raft log, no leader yet) still counts towards quorum once it is back. With
        // AlwaysAllow a drain could evict it while another server is down and break quorum;
        // IfHealthyBudget evicts a not-ready server only while the budget has room.
        unhealthyPodEvictionPolicy: 'IfHealthyBudget',
      });
    }

    const servers = [podPeer(this.selector)];
    const clients = [podPeer(props.clientSelector)];
    const peering: NetworkRule = {
      peers: servers,
      ports: [
        { port: CONSUL_PORTS.server },
        { port: CONSUL_PORTS.serfLan },
        { port: CONSUL_PORTS.serfLan, protocol: 'UDP' },
      ],
    };
    const checkPorts = (props.healthCheckPorts ?? []).map((port) => ({ port }));
    new WorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: CONSUL_NAMES.networkPolicy,
      namespace,
      labels,
      podSelector: this.selector,
      ingress: [
        peering,
        {
          peers: clients,
          ports: [
            { port: CONSUL_PORTS.http },
            { port: CONSUL_PORTS.dns },
            { port: CONSUL_PORTS.dns, protocol: 'UDP' },
          ],
        },
        // The metrics live on the HTTP API port; Consul has no separate metrics listener.
        ...metricsIngress(scrapers, [{ port: CONSUL_PORTS.http }]),
      ],
      egress: [peering, ...(checkPorts.length > 0 ? [{ peers: clients, ports: checkPorts }] : [])],
    });

    this.clientSettings = {
      [ENV_VARS.consulAddr]: `${CONSUL_NAMES.clientService}.${namespace}.svc:${CONSUL_PORTS.http}`,
    };
    this.clientSecretEnv = props.acl
      ? [{ name: ENV_VARS.consulToken, property: CONSUL_CLIENT_TOKEN_PROPERTY }]
      : [];
    this.clientEgress = { peers: servers, ports: [{ port: CONSUL_PORTS.http }] };
    this.clientIngress = checkPorts.length > 0 ? { peers: servers, ports: checkPorts } : undefined;
  }

  private addServices(namespace: string, labels: Record<string, string>): void {
    new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: CONSUL_NAMES.headlessService, namespace, labels },
      spec: {
        clusterIp: 'None',
        // Peers must resolve each other before any of them is ready: no leader, no readiness.
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [
          namedServicePort(CONSUL_PORT_NAMES.server, CONSUL_PORTS.server),
          namedServicePort(CONSUL_PORT_NAMES.serfLanTcp, CONSUL_PORTS.serfLan),
          namedServicePort(CONSUL_PORT_NAMES.serfLanUdp, CONSUL_PORTS.serfLan, 'UDP'),
        ],
      },
    });
    new k8s.KubeService(this, 'ClientService', {
      metadata: { name: CONSUL_NAMES.clientService, namespace, labels },
      spec: {
        type: 'ClusterIP',
        // Only servers that know a leader get traffic.
        selector: this.selector,
        ports: [
          namedServicePort(CONSUL_PORT_NAMES.http, CONSUL_PORTS.http, 'TCP', 'http'),
          namedServicePort(CONSUL_PORT_NAMES.dnsTcp, CONSUL_PORTS.dns),
          namedServicePort(CONSUL_PORT_NAMES.dnsUdp, CONSUL_PORTS.dns, 'UDP'),
        ],
      },
    });
  }
}

/** Seconds of a duration of whole seconds or minutes (`30s`, `1m`); undefined otherwise. */
function durationSeconds(d: string): number | undefined {
  const m = /^([0-9]+)(s|m)$/.exec(d);
  if (m === null) return undefined;
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

/** Throws unless the scrape interval is shorter than the agent's Prometheus retention. */
function assertScrapeInterval(interval: string): void {
  const seconds = durationSeconds(interval);
  const retention = durationSeconds(CONSUL_METRICS.retention) ?? 0;
  if (seconds === undefined || seconds <= 0 || seconds >= retention) {
    throw new Error(
      `ConsulCluster ${CONSUL_NAMES.statefulSet}: metrics scrape interval "${interval}" must be ` +
        `a duration like 30s, shorter than telemetry.prometheus_retention_time ` +
        `(${CONSUL_METRICS.retention}), or the agent drops its gauges between scrapes`,
    );
  }
}

/**
 * Servers a voluntary disruption (a node drain) may take down at once: one, and only while the
 * rest still form a quorum with a failure to spare where the count allows it (5 servers: one
 * down leaves 4, one more failure still leaves the quorum of 3). A single server cannot keep
 * quorum through any disruption, so it gets 0: no budget (one that allowed no eviction would
 * block every drain).
 */
export function consulMaxUnavailable(servers: number): number {
  const tolerance = failureTolerance(servers);
  return tolerance === 0 ? 0 : Math.max(1, tolerance - 1);
}

/**
 * The Consul server cluster: every name, port and path its objects, the user service wiring,
 * the policies and the tests agree on, once.
 */

/** `app.kubernetes.io/name` of every Consul object. */
export const CONSUL_APP_NAME = 'consul';

/** `app.kubernetes.io/component` of the servers. */
export const CONSUL_COMPONENT = 'server';

/** Stable object names (DESIGN rule 4). */
export const CONSUL_NAMES = {
  statefulSet: 'consul-server',
  /** The headless Service the StatefulSet names as `serviceName` (peer discovery). */
  headlessService: 'consul-server',
  /** The ClusterIP Service applications use for the HTTP API and DNS. */
  clientService: 'consul',
  serviceAccount: 'consul-server',
  configMap: 'consul-server-config',
  secret: 'consul-server-secrets',
  pdb: 'consul-server-pdb',
  networkPolicy: 'consul-server',
  container: 'consul',
  /** Name of the volumeClaimTemplate (PVCs are `data-consul-server-<ordinal>`). */
  dataVolume: 'data',
  podMonitor: 'consul-server',
  /** Secret with the ACL token Prometheus scrapes the servers' metrics with (ACLs on). */
  metricsTokenSecret: 'consul-metrics-token',
} as const;

/** Consul's ports (its defaults). WAN gossip and gRPC are switched off in the server config. */
export const CONSUL_PORTS = {
  /** Server RPC (Raft, forwarding between servers). */
  server: 8300,
  /** LAN gossip, TCP and UDP. */
  serfLan: 8301,
  /** HTTP API. */
  http: 8500,
  /** DNS interface, TCP and UDP. */
  dns: 8600,
} as const;

/** Port names on the container and the Services (at most 15 characters). */
export const CONSUL_PORT_NAMES = {
  server: 'server',
  serfLanTcp: 'serflan-tcp',
  serfLanUdp: 'serflan-udp',
  http: 'http',
  dnsTcp: 'dns-tcp',
  dnsUdp: 'dns-udp',
} as const;

/**
 * The uid and gid the servers run as. The official image's `consul` user is uid 100; any
 * non-root uid works because the data volume is made writable through fsGroup. 10100 keeps
 * clear of host users (kube-score wants >= 10000).
 */
export const CONSUL_UID = 10100;

/** Paths inside the container. The root filesystem is read-only; only data and /tmp are writable. */
export const CONSUL_PATHS = {
  data: '/consul/data',
  config: '/consul/config',
  secrets: '/consul/secrets',
  tmp: '/tmp',
} as const;

/** File names in the config ConfigMap and in the Secret the ExternalSecret produces. */
export const CONSUL_FILES = {
  serverConfig: 'server.json',
  secretConfig: 'secrets.json',
  tlsCa: 'tls-ca.pem',
  tlsCert: 'tls-server.pem',
  tlsKey: 'tls-server-key.pem',
} as const;

/** Properties of the Consul entry in the secret store (`consul.secretsRemoteKey`). */
export const CONSUL_SECRET_PROPERTIES = {
  gossipKey: 'gossip-key',
  initialManagementToken: 'acl-initial-management-token',
  agentToken: 'acl-agent-token',
  tlsCa: 'tls-ca-cert',
  tlsCert: 'tls-server-cert',
  tlsKey: 'tls-server-key',
  /** A token whose policy grants `agent_prefix "" { policy = "read" }` (the metrics endpoint). */
  metricsToken: 'acl-metrics-token',
} as const;

/**
 * Key of the metrics token in the {@link CONSUL_NAMES.metricsTokenSecret} Secret (and the
 * ExternalSecret's store key; the Pulumi path fills it from `secrets.consulAclMetricsToken`).
 */
export const CONSUL_METRICS_TOKEN_KEY = 'aclMetricsToken';

/**
 * The agent's metrics in Prometheus format: served on the HTTP API port, only when the agent
 * config sets `telemetry.prometheus_retention_time`, and (ACLs on) only with a token that can
 * read the agent.
 */
export const CONSUL_METRICS = {
  path: '/v1/agent/metrics',
  params: { format: ['prometheus'] },
  /** `telemetry.prometheus_retention_time` of the server config. */
  retention: '60s',
} as const;

/** Property of the user service's store entry that holds its Consul ACL token. */
export const CONSUL_CLIENT_TOKEN_PROPERTY = 'consul-token';

/**
 * Seconds a server must be healthy before autopilot counts it as stable (and before it
 * promotes a new server to voter); the StatefulSet's minReadySeconds uses the same value, so a
 * rolling update stops the next server only once the restarted one has been stable that long.
 */
export const CONSUL_STABILIZATION_SECONDS = 10;

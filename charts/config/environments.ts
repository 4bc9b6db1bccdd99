import type { DeepPartial } from './merge';
import type { EnvironmentInput, EnvironmentName } from './schema';

/**
 * Digests of the upstream multi-arch image indexes for the tags below, as pinned in public
 * repositories (this machine cannot reach a registry to check them): verify with
 * `crane digest docker.io/hashicorp/consul:1.21.5` (and the collector's tag) before a release.
 */
const CONSUL_DIGEST = 'sha256:6126c30072690cb3173a450ff5bde120c3a01e11c9dccab83b1b2314d4c828bd';
const OTEL_COLLECTOR_DIGEST =
  'sha256:2fed8ff024bdb42473890724fa0833bd31e16197aa4790d8e0be3829f87f0de1';

/**
 * Settings shared by every environment. Each environment below overrides what differs.
 * Sizes and autoscaling come from the article: HPA 3..20 at 70 % CPU and 80 % memory,
 * requests 100m/64Mi, limits 500m/256Mi.
 */
export const defaults: Omit<EnvironmentInput, 'name' | 'namespace'> = {
  version: '1.0.0',
  image: {
    repository: 'registry.example.com/platform/user-service',
    tag: '1.0.0',
    requireDigest: true,
    // A digest never changes: pods start from the node's copy when the registry is down.
    pullPolicy: 'IfNotPresent',
  },
  ports: { grpc: 50051, http: 8080, metrics: 9464 },
  autoscaling: { minReplicas: 3, maxReplicas: 20, cpuUtilization: 70, memoryUtilization: 80 },
  resources: {
    requests: { cpu: '100m', memory: '64Mi', ephemeralStorage: '64Mi' },
    limits: { cpu: '500m', memory: '256Mi', ephemeralStorage: '256Mi' },
  },
  logLevel: 'info',
  tracing: { samplingRatio: 0.1 },
  shutdown: { drainSeconds: 10 },
  database: {
    host: 'postgres.internal.example.com',
    port: 5432,
    name: 'users',
    user: 'user_service',
    sslMode: 'verify-full',
    // Per replica. A replica is capped at 500m CPU: 10 connections keep it busy, and the
    // HPA maximum of 20 (+1 surge) then needs 215 of prod's 300 (the article's 25 would need 530).
    maxConns: 10,
    minConns: 2,
    // The database's max_connections share for this service; checked against
    // (autoscaling.maxReplicas + 1) x maxConns + reservedConnections when synth starts.
    connectionBudget: 300,
    // Kept free for migrations (one session holds the advisory lock) and operators.
    reservedConnections: 5,
    egressCidrs: ['10.20.0.0/16'],
  },
  redis: {
    host: 'redis.internal.example.com',
    port: 6379,
    db: 0,
    egressCidrs: ['10.30.0.0/16'],
  },
  cacheTtl: '5m',
  secrets: {
    storeName: 'platform-secrets',
    storeKind: 'ClusterSecretStore',
    remoteKey: 'user-service',
    refreshInterval: '1h',
  },
  // Callers of the gRPC and REST ports: set per environment below (never every namespace).
  ingressCallers: [],
  topologySpread: { zone: 'ScheduleAnyway', hostname: 'ScheduleAnyway' },
  consul: {
    enabled: true,
    image: {
      repository: 'docker.io/hashicorp/consul',
      tag: '1.21.5',
      requireDigest: true,
      pullPolicy: 'Always',
    },
    servers: 3,
    datacenter: 'dc1',
    resources: {
      requests: { cpu: '100m', memory: '128Mi', ephemeralStorage: '64Mi' },
      limits: { cpu: '500m', memory: '512Mi', ephemeralStorage: '256Mi' },
    },
    storage: { size: '10Gi' },
    podAntiAffinity: 'required',
    tls: true,
    acl: true,
    secretsRemoteKey: 'consul',
    leaveSeconds: 30,
  },
  monitoring: {
    enabled: true,
    namespace: 'monitoring',
    runbookBaseUrl: 'https://runbooks.example.com/user-service',
    releaseLabel: 'kube-prometheus-stack',
    scrapeInterval: '30s',
    slo: {
      availability: 0.999,
      latency: { method: 'user.v1.UserService/GetUser', thresholdSeconds: 0.1, objective: 0.99 },
    },
  },
  otel: {
    enabled: true,
    image: {
      repository: 'docker.io/otel/opentelemetry-collector-k8s',
      tag: '0.161.0',
      requireDigest: true,
      pullPolicy: 'Always',
    },
    replicas: 2,
    resources: {
      requests: { cpu: '100m', memory: '256Mi', ephemeralStorage: '32Mi' },
      limits: { cpu: '1', memory: '512Mi', ephemeralStorage: '128Mi' },
    },
    exporter: 'otlp',
    debugVerbosity: 'basic',
    kubernetesAttributes: { enabled: true, apiServer: { port: 443, egressCidrs: ['10.0.0.0/28'] } },
  },
};

/** What each environment changes. Keys are the environment names; there are no others. */
export const environments: Record<
  EnvironmentName,
  DeepPartial<EnvironmentInput> & { namespace: string }
> = {
  dev: {
    namespace: 'user-service-dev',
    version: '1.1.0-dev',
    image: { tag: '1.1.0-dev', requireDigest: false, pullPolicy: 'Always' },
    autoscaling: { minReplicas: 1, maxReplicas: 3 },
    resources: {
      requests: { cpu: '50m', memory: '64Mi', ephemeralStorage: '32Mi' },
      limits: { cpu: '250m', memory: '128Mi', ephemeralStorage: '128Mi' },
    },
    logLevel: 'debug',
    tracing: { samplingRatio: 1 },
    shutdown: { drainSeconds: 2 },
    database: {
      host: 'postgres.dev.internal.example.com',
      sslMode: 'require',
      maxConns: 5,
      minConns: 1,
      connectionBudget: 30,
      reservedConnections: 2,
    },
    redis: { host: 'redis.dev.internal.example.com' },
    secrets: { remoteKey: 'dev/user-service' },
    ingressCallers: [
      { namespace: 'frontend-dev', podLabels: { 'app.kubernetes.io/name': 'web-bff' } },
      { namespace: 'orders-dev', podLabels: { 'app.kubernetes.io/name': 'order-service' } },
    ],
    consul: {
      image: { requireDigest: false },
      servers: 1,
      resources: {
        requests: { cpu: '50m', memory: '64Mi', ephemeralStorage: '32Mi' },
        limits: { cpu: '250m', memory: '256Mi', ephemeralStorage: '128Mi' },
      },
      storage: { size: '1Gi' },
      podAntiAffinity: 'preferred',
      tls: false,
      acl: false,
      secretsRemoteKey: 'dev/consul',
    },
    otel: {
      image: { requireDigest: false },
      replicas: 1,
      resources: {
        requests: { cpu: '50m', memory: '128Mi', ephemeralStorage: '32Mi' },
        limits: { cpu: '250m', memory: '256Mi', ephemeralStorage: '64Mi' },
      },
      exporter: 'debug',
      debugVerbosity: 'detailed',
      kubernetesAttributes: { enabled: false },
    },
  },
  staging: {
    namespace: 'user-service-staging',
    version: '1.0.0',
    image: {
      tag: '1.0.0',
      digest: 'sha256:a67ad41718ad646c1c6c2b58314262888cd1ca661441f5249c6e5d481e867e96',
    },
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
    database: { host: 'postgres.staging.internal.example.com', connectionBudget: 100 },
    redis: { host: 'redis.staging.internal.example.com' },
    secrets: { remoteKey: 'staging/user-service' },
    ingressCallers: [
      { namespace: 'frontend-staging', podLabels: { 'app.kubernetes.io/name': 'web-bff' } },
      { namespace: 'orders-staging', podLabels: { 'app.kubernetes.io/name': 'order-service' } },
    ],
    gateway: {
      name: 'public',
      namespace: 'gateway-system',
      sectionName: 'https',
      hostnames: ['users.staging.example.com'],
      pathPrefix: '/v1',
    },
    topologySpread: { zone: 'ScheduleAnyway', hostname: 'DoNotSchedule' },
    consul: {
      image: { digest: CONSUL_DIGEST },
      secretsRemoteKey: 'staging/consul',
    },
    otel: {
      image: { digest: OTEL_COLLECTOR_DIGEST },
      backend: {
        host: 'otlp.tracing.staging.internal.example.com',
        port: 4317,
        egressCidrs: ['10.40.0.0/16'],
        insecure: false,
      },
    },
  },
  prod: {
    namespace: 'user-service-prod',
    version: '1.0.0',
    image: {
      tag: '1.0.0',
      digest: 'sha256:a67ad41718ad646c1c6c2b58314262888cd1ca661441f5249c6e5d481e867e96',
    },
    shutdown: { drainSeconds: 15 },
    database: { host: 'postgres.prod.internal.example.com', connectionBudget: 300 },
    redis: { host: 'redis.prod.internal.example.com' },
    secrets: { remoteKey: 'prod/user-service' },
    ingressCallers: [
      { namespace: 'frontend-prod', podLabels: { 'app.kubernetes.io/name': 'web-bff' } },
      { namespace: 'orders-prod', podLabels: { 'app.kubernetes.io/name': 'order-service' } },
    ],
    gateway: {
      name: 'public',
      namespace: 'gateway-system',
      sectionName: 'https',
      hostnames: ['users.example.com'],
      pathPrefix: '/v1',
    },
    topologySpread: { zone: 'DoNotSchedule', hostname: 'DoNotSchedule' },
    consul: {
      image: { digest: CONSUL_DIGEST },
      servers: 5,
      resources: {
        requests: { cpu: '250m', memory: '256Mi', ephemeralStorage: '64Mi' },
        limits: { cpu: '1', memory: '1Gi', ephemeralStorage: '256Mi' },
      },
      storage: { size: '20Gi' },
      secretsRemoteKey: 'prod/consul',
    },
    otel: {
      image: { digest: OTEL_COLLECTOR_DIGEST },
      replicas: 3,
      resources: { limits: { memory: '1Gi' } },
      backend: {
        host: 'otlp.tracing.prod.internal.example.com',
        port: 4317,
        egressCidrs: ['10.40.0.0/16'],
        insecure: false,
      },
    },
  },
};

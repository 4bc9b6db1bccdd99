import type { DeepPartial } from './merge';
import type { EnvironmentInput, EnvironmentName } from './schema';

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
    pullPolicy: 'Always',
  },
  ports: { grpc: 50051, http: 8080 },
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
    maxConns: 25,
    minConns: 5,
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
  ingressNamespaces: [],
  topologySpread: { zone: 'ScheduleAnyway', hostname: 'ScheduleAnyway' },
  consul: { enabled: true },
  otel: { enabled: true },
};

/** What each environment changes. Keys are the environment names; there are no others. */
export const environments: Record<
  EnvironmentName,
  DeepPartial<EnvironmentInput> & { namespace: string }
> = {
  dev: {
    namespace: 'user-service-dev',
    version: '1.1.0-dev',
    image: { tag: '1.1.0-dev', requireDigest: false },
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
    },
    redis: { host: 'redis.dev.internal.example.com' },
    secrets: { remoteKey: 'dev/user-service' },
  },
  staging: {
    namespace: 'user-service-staging',
    version: '1.0.0',
    image: {
      tag: '1.0.0',
      digest: 'sha256:a67ad41718ad646c1c6c2b58314262888cd1ca661441f5249c6e5d481e867e96',
    },
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
    database: { host: 'postgres.staging.internal.example.com' },
    redis: { host: 'redis.staging.internal.example.com' },
    secrets: { remoteKey: 'staging/user-service' },
    topologySpread: { zone: 'ScheduleAnyway', hostname: 'DoNotSchedule' },
  },
  prod: {
    namespace: 'user-service-prod',
    version: '1.0.0',
    image: {
      tag: '1.0.0',
      digest: 'sha256:a67ad41718ad646c1c6c2b58314262888cd1ca661441f5249c6e5d481e867e96',
    },
    shutdown: { drainSeconds: 15 },
    database: { host: 'postgres.prod.internal.example.com' },
    redis: { host: 'redis.prod.internal.example.com' },
    secrets: { remoteKey: 'prod/user-service' },
    topologySpread: { zone: 'DoNotSchedule', hostname: 'DoNotSchedule' },
  },
};

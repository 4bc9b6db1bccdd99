/**
 * The service contract: every fact about the user service that the manifests, the Pulumi
 * program, the policies and the Go service must agree on lives here, once.
 */

/** The application name: object names, `app.kubernetes.io/name` and the container name. */
export const APP_NAME = 'user-service';

/** The system the service belongs to (`app.kubernetes.io/part-of`). */
export const PART_OF = 'user-platform';

/** The tool that generated the objects (`app.kubernetes.io/managed-by`). */
export const MANAGED_BY = 'cdk8s';

/** Default container ports, as the Go service listens by default (GRPC_PORT, HTTP_PORT). */
export const DEFAULT_PORTS = { grpc: 50051, http: 8080 } as const;

/** Port names on the container and the Service (probes and policies refer to them). */
export const PORT_NAMES = { grpc: 'grpc', http: 'http' } as const;

/**
 * gRPC health service names the Go service registers (grpc.health.v1).
 * Readiness follows the database circuit breaker; liveness stays SERVING until shutdown.
 */
export const HEALTH_SERVICES = {
  readiness: 'user.v1.UserService',
  liveness: 'liveness',
} as const;

/** The distroless `nonroot` user and group. */
export const NONROOT_UID = 65532;

/**
 * Seconds the service gets, after its drain period, to finish in-flight calls and close its
 * pools before the kubelet sends SIGKILL (DESIGN rule 9).
 */
export const SHUTDOWN_STOP_SECONDS = 15;

/** Stable object names (DESIGN rule 4). */
export const NAMES = {
  deployment: APP_NAME,
  service: APP_NAME,
  serviceAccount: APP_NAME,
  configMap: `${APP_NAME}-config`,
  secret: `${APP_NAME}-secrets`,
  hpa: `${APP_NAME}-hpa`,
  pdb: `${APP_NAME}-pdb`,
  defaultDenyPolicy: 'default-deny-all',
  networkPolicy: APP_NAME,
} as const;

/** Keys of the Secret `user-service-secrets` (produced by the ExternalSecret or by Pulumi). */
export const SECRET_KEYS = {
  dbPassword: 'DB_PASSWORD',
  redisPassword: 'REDIS_PASSWORD',
} as const;

/** Environment variable names the Go service reads (services/user-service/README.md). */
export const ENV_VARS = {
  grpcPort: 'GRPC_PORT',
  httpPort: 'HTTP_PORT',
  dbHost: 'DB_HOST',
  dbPort: 'DB_PORT',
  dbName: 'DB_NAME',
  dbUser: 'DB_USER',
  dbSslMode: 'DB_SSLMODE',
  dbMaxConns: 'DB_MAX_CONNS',
  dbMinConns: 'DB_MIN_CONNS',
  dbPassword: 'DB_PASSWORD',
  redisAddr: 'REDIS_ADDR',
  redisDb: 'REDIS_DB',
  redisPassword: 'REDIS_PASSWORD',
  cacheTtl: 'CACHE_TTL',
  logLevel: 'LOG_LEVEL',
  drainSeconds: 'SHUTDOWN_DRAIN_SECONDS',
  otelServiceName: 'OTEL_SERVICE_NAME',
  otelSampler: 'OTEL_TRACES_SAMPLER',
  otelSamplerArg: 'OTEL_TRACES_SAMPLER_ARG',
  otelEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  consulAddr: 'CONSUL_HTTP_ADDR',
  /** Read by the Consul API client (api.DefaultConfig) when ACLs are on. */
  consulToken: 'CONSUL_HTTP_TOKEN',
} as const;

/**
 * Label of each environment's Namespace that names the environment (`dev`, `staging`, `prod`).
 * The policies read it to judge the objects of that namespace by the environment's rules
 * (digest-pinned images and at least two replicas outside dev).
 */
export const ENVIRONMENT_LABEL = 'user-platform.example.com/environment';

/**
 * The service contract: every fact about the user service that the manifests, the Pulumi
 * program, the policies and the Go service must agree on lives here, once.
 */
import { z } from 'zod';
import envContractJson from '../../services/user-service/configs/env-contract.json';

/** The application name: object names, `app.kubernetes.io/name` and the container name. */
export const APP_NAME = 'user-service';

/** The system the service belongs to (`app.kubernetes.io/part-of`). */
export const PART_OF = 'user-platform';

/** The tool that generated the objects (`app.kubernetes.io/managed-by`). */
export const MANAGED_BY = 'cdk8s';

/** Default container ports, as the Go service listens by default (GRPC_PORT, HTTP_PORT). */
export const DEFAULT_PORTS = { grpc: 50051, http: 8080, metrics: 9464 } as const;

/** Port names on the container and the Service (probes and policies refer to them). */
export const PORT_NAMES = { grpc: 'grpc', http: 'http', metrics: 'metrics' } as const;

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
  httpRoute: APP_NAME,
  podMonitor: APP_NAME,
  prometheusRule: APP_NAME,
  dashboard: `${APP_NAME}-dashboard`,
} as const;

/**
 * Annotations of the Deployment that state the database's connection budget for the service
 * and the connections kept free (migrations, operators): policy db-connection-budget checks
 * that every pod that can run at once, at DB_MAX_CONNS each, fits into the budget.
 */
export const DB_CONNECTION_ANNOTATIONS = {
  budget: 'user-platform.example.com/db-connection-budget',
  reserved: 'user-platform.example.com/db-connections-reserved',
} as const;

/**
 * Where the Secret `user-service-secrets` is mounted read-only: one file per key, named as the
 * variable (`/var/run/secrets/user-service/DB_PASSWORD`); the service reads `<NAME>_FILE`.
 */
export const SECRETS_MOUNT_PATH = '/var/run/secrets/user-service';

/** One variable of services/user-service/configs/env-contract.json. */
export interface ContractVariable {
  readonly name: string;
  /** The value comes from a Secret, as the file that {@link fileVariable} names. */
  readonly secret: boolean;
  /** The service refuses to start without it. */
  readonly required: boolean;
  /** For a secret: the variable that names the file holding the value (`<NAME>_FILE`). */
  readonly fileVariable?: string;
  /** Read by the Go runtime rather than the service's configuration. */
  readonly runtime: boolean;
  readonly default?: string;
  readonly description: string;
}

const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_SNAKE_CASE variable name');

const contractSchema = z.strictObject({
  $comment: z.string().optional(),
  shutdownStopSeconds: z.number().int().min(1).max(300),
  variables: z
    .array(
      z
        .strictObject({
          name: envName,
          secret: z.boolean(),
          required: z.boolean(),
          fileVariable: envName.optional(),
          runtime: z.boolean().default(false),
          default: z.string().optional(),
          description: z.string().min(1),
        })
        .superRefine((v, ctx) => {
          if (v.secret && v.fileVariable !== `${v.name}_FILE`) {
            ctx.addIssue({
              code: 'custom',
              path: ['fileVariable'],
              message: `secret ${v.name} must name its file as ${v.name}_FILE`,
            });
          }
          if (!v.secret && v.fileVariable !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['fileVariable'],
              message: `${v.name} is not secret: it has no file variable`,
            });
          }
        }),
    )
    .min(1),
});

/**
 * Parses the contract file; throws naming the field on a malformed contract (a duplicate name,
 * a secret without its `_FILE` variable, an unknown key).
 */
export function parseEnvContract(json: unknown): readonly ContractVariable[] {
  const parsed = contractSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `env-contract.json: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const seen = new Set<string>();
  for (const v of parsed.data.variables) {
    for (const n of [v.name, v.fileVariable]) {
      if (n === undefined) continue;
      if (seen.has(n)) throw new Error(`env-contract.json: variable ${n} is listed twice`);
      seen.add(n);
    }
  }
  return parsed.data.variables;
}

/** Every variable the service (or its Go runtime) reads, from the one contract file. */
export const ENV_CONTRACT: readonly ContractVariable[] = parseEnvContract(envContractJson);

/**
 * Seconds the service gets, after its drain period, to finish in-flight calls and close its
 * pools before the kubelet sends SIGKILL (DESIGN rule 9). From env-contract.json, where the Go
 * service's internal/app is tested against the same number.
 */
export const SHUTDOWN_STOP_SECONDS: number = contractSchema.shape.shutdownStopSeconds.parse(
  envContractJson.shutdownStopSeconds,
);

const BY_NAME = new Map(ENV_CONTRACT.map((v) => [v.name, v]));

/** The contract entry of a variable; throws for a name the service does not read. */
export function contractVariable(name: string): ContractVariable {
  const v = BY_NAME.get(name);
  if (v === undefined) {
    throw new Error(`${name} is not in services/user-service/configs/env-contract.json`);
  }
  return v;
}

/** A variable name, checked against the contract when this module loads. */
function declared<N extends string>(name: N): N {
  return contractVariable(name).name as N;
}

/** Names of the variables the charts refer to; each is checked against the contract. */
export const ENV_VARS = {
  grpcPort: declared('GRPC_PORT'),
  httpPort: declared('HTTP_PORT'),
  metricsPort: declared('METRICS_PORT'),
  dbHost: declared('DB_HOST'),
  dbPort: declared('DB_PORT'),
  dbName: declared('DB_NAME'),
  dbUser: declared('DB_USER'),
  dbSslMode: declared('DB_SSLMODE'),
  dbMaxConns: declared('DB_MAX_CONNS'),
  dbMinConns: declared('DB_MIN_CONNS'),
  dbPassword: declared('DB_PASSWORD'),
  redisAddr: declared('REDIS_ADDR'),
  redisDb: declared('REDIS_DB'),
  redisPassword: declared('REDIS_PASSWORD'),
  cacheTtl: declared('CACHE_TTL'),
  logLevel: declared('LOG_LEVEL'),
  drainSeconds: declared('SHUTDOWN_DRAIN_SECONDS'),
  otelServiceName: declared('OTEL_SERVICE_NAME'),
  otelSampler: declared('OTEL_TRACES_SAMPLER'),
  otelSamplerArg: declared('OTEL_TRACES_SAMPLER_ARG'),
  otelEndpoint: declared('OTEL_EXPORTER_OTLP_ENDPOINT'),
  consulAddr: declared('CONSUL_HTTP_ADDR'),
  /** Read by the Consul API client when ACLs are on; delivered as a file. */
  consulToken: declared('CONSUL_HTTP_TOKEN'),
  pageTokenSecret: declared('PAGE_TOKEN_SECRET'),
  podIp: declared('POD_IP'),
  goMemLimit: declared('GOMEMLIMIT'),
} as const;

/** The variables whose values come from a Secret. */
export const SECRET_VARIABLES: readonly ContractVariable[] = ENV_CONTRACT.filter((v) => v.secret);

/** The `_FILE` variable of a secret variable; throws for a variable that is not secret. */
export function fileVariableOf(name: string): string {
  const v = contractVariable(name);
  if (!v.secret || v.fileVariable === undefined) {
    throw new Error(`${name} is not a secret variable of the contract`);
  }
  return v.fileVariable;
}

/** Where the file of a secret variable is mounted (file name = variable name). */
export function secretFilePath(name: string): string {
  fileVariableOf(name);
  return `${SECRETS_MOUNT_PATH}/${name}`;
}

/**
 * Keys of the Secret `user-service-secrets` (produced by the ExternalSecret or by Pulumi):
 * the names of the secret variables, so each key is mounted as the file of its variable.
 */
export const SECRET_KEYS = {
  dbPassword: ENV_VARS.dbPassword,
  redisPassword: ENV_VARS.redisPassword,
  pageTokenSecret: ENV_VARS.pageTokenSecret,
  consulToken: ENV_VARS.consulToken,
} as const;

/**
 * Label of each environment's Namespace that names the environment (`dev`, `staging`, `prod`).
 * The policies read it to judge the objects of that namespace by the environment's rules
 * (digest-pinned images and at least two replicas outside dev).
 */
export const ENVIRONMENT_LABEL = 'user-platform.example.com/environment';

import { z } from 'zod';
import { bytes, cpuMillis, isByteQuantity, isCpuQuantity } from './quantity';

/** The environments this repository ships to. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 label (a-z, 0-9, "-")');

const labelValue = z
  .string()
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, 'must be a valid label value');

const cpu = z.string().refine(isCpuQuantity, {
  message: 'must be a CPU quantity such as "250m" or "0.5" (no sign, no exponent)',
});
const byteQuantity = z.string().refine(isByteQuantity, {
  message: 'must be a byte quantity such as "128Mi" or "1Gi" (no sign, no exponent)',
});

const port = z
  .number()
  .int()
  .min(1024, 'must be >= 1024 (the container runs as non-root)')
  .max(65535);

const cidr = z
  .string()
  .regex(
    /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/,
    'must be an IPv4 CIDR such as "10.0.0.0/16"',
  );

/** A Go duration as the service parses it, e.g. `30s`, `5m`, `1h30m`. */
const goDuration = z.string().regex(/^(\d+(ns|us|ms|s|m|h))+$/, 'must be a duration like "5m"');

const imageSchema = z
  .strictObject({
    /** Registry and repository, e.g. `registry.example.com/platform/user-service`. */
    repository: z
      .string()
      .regex(
        /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
        'must be an image repository such as "registry.example.com/team/user-service"',
      ),
    /** A human tag (also the `app.kubernetes.io/version` label when set). */
    tag: z
      .string()
      .regex(/^[\w][\w.-]{0,127}$/, 'must be a valid image tag')
      .refine((t) => t !== 'latest', { message: '"latest" is a mutable tag and never allowed' })
      .optional(),
    /** An immutable content digest; required where `requireDigest` is true. */
    digest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, 'must be "sha256:" followed by 64 hex digits')
      .optional(),
    /** Reject a tag-only reference (DESIGN rule 6: staging and prod deploy by digest). */
    requireDigest: z.boolean(),
    /** `Always` satisfies kube-score; with a digest the node still reuses its cached layers. */
    pullPolicy: z.enum(['Always', 'IfNotPresent']),
  })
  .superRefine((image, ctx) => {
    if (image.tag === undefined && image.digest === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tag'], message: 'set a tag or a digest' });
    }
    if (image.requireDigest && image.digest === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['digest'],
        message: 'required: this environment deploys images by digest, never by a mutable tag',
      });
    }
  });

/** An image of a third-party component: its tag is also the `app.kubernetes.io/version` label. */
const componentImageSchema = imageSchema.refine((image) => image.tag !== undefined, {
  path: ['tag'],
  message: 'required: the tag is the app.kubernetes.io/version label of the component',
});

const resourceAmounts = z.strictObject({
  cpu,
  memory: byteQuantity,
  ephemeralStorage: byteQuantity,
});

const resourcesSchema = z
  .strictObject({ requests: resourceAmounts, limits: resourceAmounts })
  .superRefine((r, ctx) => {
    if (!isCpuQuantity(r.requests.cpu) || !isCpuQuantity(r.limits.cpu)) return;
    if (cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu)) {
      ctx.addIssue({
        code: 'custom',
        path: ['requests', 'cpu'],
        message: `${r.requests.cpu} exceeds limits.cpu ${r.limits.cpu}`,
      });
    }
    for (const key of ['memory', 'ephemeralStorage'] as const) {
      const request = r.requests[key];
      const limit = r.limits[key];
      if (isByteQuantity(request) && isByteQuantity(limit) && bytes(request) > bytes(limit)) {
        ctx.addIssue({
          code: 'custom',
          path: ['requests', key],
          message: `${request} exceeds limits.${key} ${limit}`,
        });
      }
    }
    if (cpuMillis(r.requests.cpu) === 0) {
      ctx.addIssue({ code: 'custom', path: ['requests', 'cpu'], message: 'must be above 0' });
    }
  });

const autoscalingSchema = z
  .strictObject({
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1).max(1000),
    cpuUtilization: z.number().int().min(1).max(100),
    memoryUtilization: z.number().int().min(1).max(100),
  })
  .superRefine((a, ctx) => {
    if (a.maxReplicas <= a.minReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxReplicas'],
        message: `must be greater than minReplicas (${a.minReplicas}), got ${a.maxReplicas}`,
      });
    }
  });

/** Any TCP port (servers outside the cluster, the API server). */
const anyPort = z.number().int().min(1).max(65535);

const endpointSchema = z.strictObject({
  host: z.string().min(1),
  port: anyPort,
  /** Where the server lives, for the NetworkPolicy egress rule. */
  egressCidrs: z.array(cidr).min(1),
});

/** Raft needs a majority: an odd count tolerates as many failures as the next even one. */
export const CONSUL_SERVER_COUNTS = [1, 3, 5] as const;

const consulSchema = z.strictObject({
  enabled: z.boolean(),
  image: componentImageSchema,
  /** Number of servers: 1 in dev, 3 or 5 elsewhere (checked per environment below). */
  servers: z
    .number()
    .int()
    .refine((n) => (CONSUL_SERVER_COUNTS as readonly number[]).includes(n), {
      message: `must be one of ${CONSUL_SERVER_COUNTS.join(', ')} (an odd count keeps a Raft quorum)`,
    }),
  datacenter: dnsLabel,
  resources: resourcesSchema,
  storage: z.strictObject({
    /** Size of each server's data volume. */
    size: byteQuantity,
    /** StorageClass of the data volumes; unset uses the cluster default. */
    storageClassName: dnsLabel.optional(),
  }),
  /** Servers on distinct nodes: `required` outside dev (a node loss must not cost quorum). */
  podAntiAffinity: z.enum(['required', 'preferred']),
  /** TLS on server RPC (certificates from the secret store); required outside dev. */
  tls: z.boolean(),
  /** ACLs with default deny (tokens from the secret store); required outside dev. */
  acl: z.boolean(),
  /** Key of the Consul entry in the environment's secret store (`secrets.storeName`). */
  secretsRemoteKey: z.string().min(1),
  /** Grace period for a server to leave the cluster on SIGTERM. */
  leaveSeconds: z.number().int().min(5).max(300),
});

const otelSchema = z.strictObject({
  enabled: z.boolean(),
  image: componentImageSchema,
  /** Collector replicas (no HPA); 2 or more also get a PodDisruptionBudget. */
  replicas: z.number().int().min(1).max(20),
  resources: resourcesSchema,
  /** `debug` logs spans (dev); `otlp` sends them to `backend` over OTLP/gRPC. */
  exporter: z.enum(['debug', 'otlp']),
  /** Verbosity of the debug exporter. */
  debugVerbosity: z.enum(['basic', 'normal', 'detailed']),
  /** The tracing backend (required with the otlp exporter). */
  backend: endpointSchema
    .extend({
      /** Plaintext gRPC; false verifies the backend's certificate against the system roots. */
      insecure: z.boolean(),
    })
    .optional(),
  /**
   * The k8s_attributes processor (pod, deployment and node names on every span). It is the
   * only part that reads the Kubernetes API, so RBAC and the API egress exist only with it.
   */
  kubernetesAttributes: z.strictObject({
    enabled: z.boolean(),
    /** Where the API server's endpoints live (after the Service DNAT: e.g. 443 or 6443). */
    apiServer: z.strictObject({ port: anyPort, egressCidrs: z.array(cidr).min(1) }),
  }),
});

/** The validated settings of one environment. */
export const environmentSchema = z
  .strictObject({
    name: z.enum(ENVIRONMENT_NAMES),
    namespace: dnsLabel,
    /** `app.kubernetes.io/version` of the service. */
    version: labelValue.min(1),
    image: imageSchema,
    ports: z.strictObject({ grpc: port, http: port }),
    autoscaling: autoscalingSchema,
    resources: resourcesSchema,
    logLevel: z.enum(['debug', 'info', 'warn', 'error']),
    tracing: z.strictObject({ samplingRatio: z.number().min(0).max(1) }),
    shutdown: z.strictObject({ drainSeconds: z.number().int().min(0).max(300) }),
    database: endpointSchema.extend({
      name: z.string().min(1),
      user: z.string().min(1),
      sslMode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']),
      maxConns: z.number().int().min(1).max(500),
      minConns: z.number().int().min(0),
    }),
    redis: endpointSchema.extend({ db: z.number().int().min(0).max(15) }),
    cacheTtl: goDuration,
    secrets: z.strictObject({
      /** The external-secrets.io store that holds this environment's secrets. */
      storeName: dnsLabel,
      storeKind: z.enum(['SecretStore', 'ClusterSecretStore']),
      /** Key of the secret in the store (a path in Vault, a name in AWS/GCP secret managers). */
      remoteKey: z.string().min(1),
      refreshInterval: goDuration,
    }),
    /** Namespaces allowed to call the service; empty allows every namespace of the cluster. */
    ingressNamespaces: z.array(dnsLabel),
    topologySpread: z.strictObject({
      zone: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
      hostname: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
    }),
    consul: consulSchema,
    otel: otelSchema,
  })
  .superRefine((env, ctx) => {
    if (env.ports.grpc === env.ports.http) {
      ctx.addIssue({
        code: 'custom',
        path: ['ports', 'http'],
        message: `port clash: grpc and http both use ${env.ports.http}`,
      });
    }
    if (env.database.minConns > env.database.maxConns) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'minConns'],
        message: `must not exceed database.maxConns (${env.database.maxConns})`,
      });
    }
    refineConsul(env.name, env.consul, ctx);
    refineOtel(env.name, env.otel, ctx);
  });

function refineConsul(
  name: EnvironmentName,
  consul: z.infer<typeof consulSchema>,
  ctx: z.RefinementCtx,
): void {
  if (name === 'dev') {
    if (consul.servers !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['consul', 'servers'],
        message: `dev runs a single Consul server, got ${consul.servers}`,
      });
    }
    return;
  }
  if (consul.servers < 3) {
    ctx.addIssue({
      code: 'custom',
      path: ['consul', 'servers'],
      message: `must be 3 or 5 outside dev (one server cannot survive a failure), got ${consul.servers}`,
    });
  }
  for (const key of ['tls', 'acl'] as const) {
    if (!consul[key]) {
      ctx.addIssue({
        code: 'custom',
        path: ['consul', key],
        message: 'must be true outside dev',
      });
    }
  }
  if (consul.podAntiAffinity !== 'required') {
    ctx.addIssue({
      code: 'custom',
      path: ['consul', 'podAntiAffinity'],
      message: 'must be "required" outside dev: two servers on one node share its failure',
    });
  }
}

function refineOtel(
  name: EnvironmentName,
  otel: z.infer<typeof otelSchema>,
  ctx: z.RefinementCtx,
): void {
  if (otel.exporter === 'otlp' && otel.backend === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['otel', 'backend'],
      message: 'required with the otlp exporter',
    });
  }
  if (name !== 'dev' && otel.exporter === 'debug') {
    ctx.addIssue({
      code: 'custom',
      path: ['otel', 'exporter'],
      message: 'must be "otlp" outside dev: the debug exporter only logs spans',
    });
  }
}

/** Settings of one environment after validation. */
export type Environment = z.infer<typeof environmentSchema>;
/** Settings of one environment as written in environments.ts (before validation). */
export type EnvironmentInput = z.input<typeof environmentSchema>;

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

const endpointSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** Where the server lives, for the NetworkPolicy egress rule. */
  egressCidrs: z.array(cidr).min(1),
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
    consul: z.strictObject({ enabled: z.boolean() }),
    otel: z.strictObject({ enabled: z.boolean() }),
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
  });

/** Settings of one environment after validation. */
export type Environment = z.infer<typeof environmentSchema>;
/** Settings of one environment as written in environments.ts (before validation). */
export type EnvironmentInput = z.input<typeof environmentSchema>;

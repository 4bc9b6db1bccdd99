import { z } from 'zod';
import { CONSUL_METRICS } from '../model/consul';
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

/** A label key: an optional DNS-subdomain prefix and a name (`app.kubernetes.io/name`). */
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    'must be a label key such as "app.kubernetes.io/name"',
  );

/** Pod labels of a peer: at least one label, or leave the field out. */
const podLabels = z
  .record(labelKey, labelValue)
  .refine((labels) => Object.keys(labels).length > 0, {
    message: 'must name at least one label (leave the field out to allow every pod)',
  });

/** A DNS-1123 subdomain (hostnames of an HTTPRoute, Gateway names). */
const dnsSubdomain = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a DNS-1123 subdomain (lower case, "." and "-")',
  );

/** A hostname of an HTTPRoute: a DNS name, optionally with a leading `*.` wildcard label. */
const routeHostname = z
  .string()
  .max(253)
  .regex(
    /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a DNS hostname such as "users.example.com" (a leading "*." is allowed, no IP)',
  );

/** One caller of the service: a namespace and, where known, the labels of its pods. */
const callerSchema = z.strictObject({
  namespace: dnsLabel,
  /** Labels of the calling pods; unset allows every pod of the namespace. */
  podLabels: podLabels.optional(),
});

/**
 * The Gateway API Gateway the REST API is published through (an HTTPRoute attaches to it).
 * The Gateway itself belongs to the cluster's operators; its listener must allow routes from
 * this environment's namespace (`allowedRoutes.namespaces`).
 */
const gatewaySchema = z.strictObject({
  /** parentRef: the Gateway's name and namespace, and optionally its listener. */
  name: dnsSubdomain,
  namespace: dnsLabel,
  sectionName: dnsLabel.optional(),
  /** Hostnames the route answers for (at least one). */
  hostnames: z.array(routeHostname).min(1).max(16),
  /** Path prefix of the REST API. */
  pathPrefix: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be an absolute path such as "/v1"')
    .max(1024)
    .default('/v1'),
  /**
   * Labels of the gateway's proxy pods in its namespace, where known; unset allows every pod of
   * the gateway's namespace to reach the http port.
   */
  podLabels: podLabels.optional(),
});

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

/**
 * Service level objectives: the PrometheusRule's multi-window multi-burn-rate alerts are
 * generated from these (charts/model/slo-rules.ts).
 */
const sloSchema = z.strictObject({
  /** Share of gRPC calls that must not fail with UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS or DEADLINE_EXCEEDED. */
  availability: z.number().gt(0.9).lt(1),
  latency: z.strictObject({
    /** Full gRPC method, e.g. `user.v1.UserService/GetUser`. */
    method: z.string().regex(/^[A-Za-z0-9_.]+\/[A-Za-z0-9_]+$/),
    /** Upper bound in seconds: one of the histogram's bucket bounds (an `le` value). */
    thresholdSeconds: z.number().positive(),
    /** Share of calls of that method that must finish under the threshold. */
    objective: z.number().gt(0.5).lt(1),
  }),
});

/** Metrics scraping, alerts and the dashboard (Prometheus Operator and Grafana's sidecar). */
const monitoringSchema = z.strictObject({
  enabled: z.boolean(),
  /**
   * The namespace Prometheus runs in: the only one whose pods may reach the metrics ports (the
   * service's, the collector's and Consul's HTTP port, which serves Consul's metrics).
   */
  namespace: dnsLabel,
  /**
   * Labels of the Prometheus pods in that namespace, to admit only them; unset: every pod of
   * the namespace (kube-prometheus-stack's pods carry `app.kubernetes.io/name: prometheus`).
   */
  podLabels: podLabels.optional(),
  /** Alerts link to `<runbookBaseUrl>/<alert name>`. */
  runbookBaseUrl: z.url({ protocol: /^https$/ }),
  /** `release` label the Prometheus Operator's selectors match (kube-prometheus-stack). */
  releaseLabel: labelValue.min(1),
  scrapeInterval: z.string().regex(/^[0-9]+s$/),
  slo: sloSchema,
});

/** The validated settings of one environment. */
export const environmentSchema = z
  .strictObject({
    name: z.enum(ENVIRONMENT_NAMES),
    namespace: dnsLabel,
    /** `app.kubernetes.io/version` of the service. */
    version: labelValue.min(1),
    image: imageSchema,
    ports: z.strictObject({ grpc: port, http: port, metrics: port }),
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
      /**
       * Connections the database grants this service (its share of `max_connections`). Every
       * pod that can run at once (HPA maximum plus the rollout surge) may open `maxConns`, and
       * `reservedConnections` stay free for migrations and operators.
       */
      connectionBudget: z.number().int().min(1).max(100000),
      reservedConnections: z.number().int().min(0).max(100),
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
    /**
     * Who may call the service (gRPC and REST): namespaces and, where known, their pods. Empty
     * means nobody besides the gateway (and Consul's health checks); staging and prod refuse
     * an empty list unless a gateway is set.
     */
    ingressCallers: z.array(callerSchema).max(50),
    /** Publish the REST API through this Gateway with an HTTPRoute; unset: not published. */
    gateway: gatewaySchema.optional(),
    topologySpread: z.strictObject({
      zone: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
      hostname: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
    }),
    consul: consulSchema,
    otel: otelSchema,
    monitoring: monitoringSchema,
  })
  .superRefine((env, ctx) => {
    if (env.ports.grpc === env.ports.http) {
      ctx.addIssue({
        code: 'custom',
        path: ['ports', 'http'],
        message: `port clash: grpc and http both use ${env.ports.http}`,
      });
    }
    if (env.ports.metrics === env.ports.grpc || env.ports.metrics === env.ports.http) {
      ctx.addIssue({
        code: 'custom',
        path: ['ports', 'metrics'],
        message: `port clash: metrics uses ${env.ports.metrics}, which grpc or http uses`,
      });
    }
    if (env.database.minConns > env.database.maxConns) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'minConns'],
        message: `must not exceed database.maxConns (${env.database.maxConns})`,
      });
    }
    if (env.name !== 'dev' && env.ingressCallers.length === 0 && env.gateway === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingressCallers'],
        message:
          'must list the callers (namespace and, where known, podLabels) outside dev, ' +
          'unless a gateway is the only caller (set gateway)',
      });
    }
    const seenCallers = new Set<string>();
    env.ingressCallers.forEach((caller, i) => {
      const key = JSON.stringify([caller.namespace, caller.podLabels ?? {}]);
      if (seenCallers.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ingressCallers', i],
          message: `duplicate caller ${caller.namespace}`,
        });
      }
      seenCallers.add(key);
    });
    if (env.image.digest !== undefined && env.image.pullPolicy === 'Always') {
      ctx.addIssue({
        code: 'custom',
        path: ['image', 'pullPolicy'],
        message:
          'must be "IfNotPresent" with a digest: a digest never changes, and "Always" makes ' +
          'every pod start depend on the registry',
      });
    }
    refineConnectionBudget(env, ctx);
    refineConsul(env.name, env.consul, ctx);
    refineOtel(env.name, env.otel, ctx);
    if (env.monitoring.enabled && env.consul.enabled) {
      const interval = Number(env.monitoring.scrapeInterval.slice(0, -1));
      const retention = Number(CONSUL_METRICS.retention.slice(0, -1));
      if (interval >= retention) {
        ctx.addIssue({
          code: 'custom',
          path: ['monitoring', 'scrapeInterval'],
          message:
            `must be shorter than Consul's telemetry.prometheus_retention_time ` +
            `(${CONSUL_METRICS.retention}), or its gauges vanish between scrapes`,
        });
      }
    }
  });

/** Pods that can run at once during a rollout beyond the HPA's count (the Deployment's maxSurge). */
export const ROLLOUT_MAX_SURGE = 1;

/** The connections the service may open at most: every pod at its pool size, plus the reserve. */
export function peakConnections(env: {
  readonly autoscaling: { readonly maxReplicas: number };
  readonly database: { readonly maxConns: number; readonly reservedConnections: number };
}): number {
  return (
    (env.autoscaling.maxReplicas + ROLLOUT_MAX_SURGE) * env.database.maxConns +
    env.database.reservedConnections
  );
}

function refineConnectionBudget(
  env: {
    readonly autoscaling: { readonly maxReplicas: number };
    readonly database: {
      readonly maxConns: number;
      readonly reservedConnections: number;
      readonly connectionBudget: number;
    };
  },
  ctx: z.RefinementCtx,
): void {
  const peak = peakConnections(env);
  if (peak > env.database.connectionBudget) {
    const { maxReplicas } = env.autoscaling;
    const { maxConns, reservedConnections, connectionBudget } = env.database;
    ctx.addIssue({
      code: 'custom',
      path: ['database', 'connectionBudget'],
      message:
        `(autoscaling.maxReplicas ${maxReplicas} + rollout surge ${ROLLOUT_MAX_SURGE}) x ` +
        `database.maxConns ${maxConns} + database.reservedConnections ${reservedConnections} = ` +
        `${peak} connections exceed the budget of ${connectionBudget}: lower ` +
        'autoscaling.maxReplicas or database.maxConns, or raise database.connectionBudget',
    });
  }
}

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

import { stringify } from 'yaml';
import { bytes } from '../config/quantity';
import { OTEL_POD_IP_ENV, OTEL_PORTS } from '../model/otel';
import { goMemLimit, goMemLimitMib } from './pod-defaults';

/*
 * Component IDs are the snake_case names of collector 0.160+ (`otlp_grpc`, `k8s_attributes`);
 * the old names (`otlp`, `k8sattributes`) are only deprecated aliases there.
 */

/** The `otlp` receiver. */
export interface OtlpReceiverConfig {
  readonly protocols: {
    readonly grpc: { readonly endpoint: string };
    readonly http: { readonly endpoint: string };
  };
}

/** The `memory_limiter` processor. */
export interface MemoryLimiterConfig {
  readonly check_interval: string;
  readonly limit_mib: number;
  readonly spike_limit_mib: number;
}

/** The `batch` processor. */
export interface BatchConfig {
  readonly timeout: string;
  readonly send_batch_size: number;
  readonly send_batch_max_size: number;
}

/** The `k8s_attributes` processor. */
export interface K8sAttributesConfig {
  readonly auth_type: 'serviceAccount';
  readonly passthrough: false;
  readonly filter: { readonly namespace: string };
  readonly extract: { readonly metadata: readonly string[] };
  readonly pod_association: readonly {
    readonly sources: readonly { readonly from: string; readonly name?: string }[];
  }[];
}

/** The `otlp_grpc` exporter. */
export interface OtlpGrpcExporterConfig {
  readonly endpoint: string;
  readonly tls: { readonly insecure: boolean };
  readonly retry_on_failure: { readonly enabled: boolean };
  readonly sending_queue: { readonly enabled: boolean };
}

/** The `debug` exporter. */
export interface DebugExporterConfig {
  readonly verbosity: 'basic' | 'normal' | 'detailed';
}

/** The `health_check` extension. */
export interface HealthCheckConfig {
  readonly endpoint: string;
}

/** One pipeline: component IDs, in order. */
export interface PipelineConfig {
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/** The collector configuration file. */
export interface CollectorConfig {
  readonly extensions: Readonly<Record<string, HealthCheckConfig>>;
  readonly receivers: Readonly<Record<string, OtlpReceiverConfig>>;
  readonly processors: Readonly<
    Record<string, MemoryLimiterConfig | BatchConfig | K8sAttributesConfig>
  >;
  readonly exporters: Readonly<Record<string, OtlpGrpcExporterConfig | DebugExporterConfig>>;
  readonly service: {
    readonly extensions: readonly string[];
    readonly pipelines: Readonly<Record<string, PipelineConfig>>;
    readonly telemetry: {
      readonly logs: { readonly level: string; readonly encoding: string };
      readonly metrics: TelemetryMetricsConfig;
    };
  };
}

/** The Prometheus pull exporter of the collector's own metrics (otelconf schema v0.3). */
export interface PrometheusPullExporterConfig {
  readonly host: string;
  readonly port: number;
  readonly without_scope_info: boolean;
  readonly without_units: boolean;
  readonly without_type_suffix: boolean;
}

/** `service.telemetry.metrics`: the collector's own metrics. */
export interface TelemetryMetricsConfig {
  readonly level: 'none' | 'basic' | 'normal' | 'detailed';
  readonly readers: readonly {
    readonly pull: { readonly exporter: { readonly prometheus: PrometheusPullExporterConfig } };
  }[];
}

/** Where the collector sends spans. */
export type CollectorExporter =
  | { readonly type: 'debug'; readonly verbosity: DebugExporterConfig['verbosity'] }
  | {
      readonly type: 'otlp';
      /** `host:port` of the backend's OTLP/gRPC endpoint. */
      readonly endpoint: string;
      readonly insecure: boolean;
    };

/** Settings the configuration is derived from. */
export interface CollectorConfigProps {
  /** The container memory limit (a quantity): memory_limiter and GOMEMLIMIT follow it. */
  readonly memoryLimit: string;
  readonly exporter: CollectorExporter;
  /** Add Kubernetes metadata of the pods in this namespace. @default off */
  readonly kubernetesAttributesNamespace?: string;
}

/** Memory settings derived from the container memory limit. */
export interface CollectorMemory {
  /** GOMEMLIMIT: the Go runtime collects garbage hard before it reaches this. */
  readonly goMemLimit: string;
  /** memory_limiter hard limit; it refuses data above `limitMib - spikeLimitMib`. */
  readonly limitMib: number;
  readonly spikeLimitMib: number;
}

const MIB = 2 ** 20;
/** Below this the collector cannot hold a single batch with headroom. */
const MIN_MEMORY_MIB = 64;

/**
 * GOMEMLIMIT and the memory_limiter at 80 % of the container limit, spikes up to 25 % (the
 * upstream Helm chart's proportions): the collector refuses data at 55 %, the runtime
 * collects garbage hard at 80 %, and the kernel kills it only at 100 %.
 */
export function collectorMemory(memoryLimit: string): CollectorMemory {
  const limitMib = Math.floor(bytes(memoryLimit) / MIB);
  if (limitMib < MIN_MEMORY_MIB) {
    throw new Error(
      `OtelCollector: memory limit ${memoryLimit} is below ${MIN_MEMORY_MIB}Mi, too small for the memory_limiter`,
    );
  }
  const hard = goMemLimitMib(memoryLimit);
  return {
    goMemLimit: goMemLimit(memoryLimit),
    limitMib: hard,
    spikeLimitMib: Math.floor(limitMib * 0.25),
  };
}

const POD_IP = `\${env:${OTEL_POD_IP_ENV}}`;
const onPodIp = (port: number) => `${POD_IP}:${port}`;

/**
 * The collector's own metrics, in Prometheus format on the pod IP (the upstream default listens
 * on localhost only, out of Prometheus' reach). The three `without_*` flags are the upstream
 * defaults, repeated because a `readers` list replaces the default reader: metric names stay
 * those of the collector's documentation (`otelcol_receiver_accepted_spans`, ...).
 */
export function telemetryMetrics(port: number): TelemetryMetricsConfig {
  return {
    level: 'normal',
    readers: [
      {
        pull: {
          exporter: {
            prometheus: {
              host: POD_IP,
              port,
              without_scope_info: true,
              without_units: true,
              without_type_suffix: true,
            },
          },
        },
      },
    ],
  };
}

/**
 * The gateway configuration: OTLP in on gRPC and HTTP, memory_limiter first, then (when on)
 * Kubernetes metadata, then batch; out to the debug exporter or an OTLP/gRPC backend; the
 * health_check extension for the probes. Two pipelines share these components: traces, and
 * metrics pushed over OTLP (by workloads that push; the user service is scraped instead, see
 * the service README). The collector's own metrics are served for Prometheus on
 * {@link OTEL_PORTS.metrics}. Everything listens on the pod IP only.
 */
export function collectorConfig(props: CollectorConfigProps): CollectorConfig {
  const memory = collectorMemory(props.memoryLimit);
  const exporterId = props.exporter.type === 'debug' ? 'debug' : 'otlp_grpc';
  const exporter: OtlpGrpcExporterConfig | DebugExporterConfig =
    props.exporter.type === 'debug'
      ? { verbosity: props.exporter.verbosity }
      : {
          endpoint: props.exporter.endpoint,
          tls: { insecure: props.exporter.insecure },
          retry_on_failure: { enabled: true },
          sending_queue: { enabled: true },
        };
  const k8sNamespace = props.kubernetesAttributesNamespace;
  const k8sAttributes: Record<string, K8sAttributesConfig> =
    k8sNamespace === undefined
      ? {}
      : {
          k8s_attributes: {
            auth_type: 'serviceAccount',
            passthrough: false,
            // Watch this namespace only, so a namespaced Role is enough.
            filter: { namespace: k8sNamespace },
            extract: {
              metadata: [
                'k8s.namespace.name',
                'k8s.pod.name',
                'k8s.pod.uid',
                'k8s.deployment.name',
                'k8s.node.name',
              ],
            },
            pod_association: [
              { sources: [{ from: 'resource_attribute', name: 'k8s.pod.ip' }] },
              { sources: [{ from: 'connection' }] },
            ],
          },
        };
  const pipeline: PipelineConfig = {
    receivers: ['otlp'],
    processors: ['memory_limiter', ...Object.keys(k8sAttributes), 'batch'],
    exporters: [exporterId],
  };
  return {
    extensions: { health_check: { endpoint: onPodIp(OTEL_PORTS.healthCheck) } },
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: onPodIp(OTEL_PORTS.otlpGrpc) },
          http: { endpoint: onPodIp(OTEL_PORTS.otlpHttp) },
        },
      },
    },
    processors: {
      memory_limiter: {
        check_interval: '1s',
        limit_mib: memory.limitMib,
        spike_limit_mib: memory.spikeLimitMib,
      },
      ...k8sAttributes,
      batch: { timeout: '1s', send_batch_size: 1024, send_batch_max_size: 2048 },
    },
    exporters: { [exporterId]: exporter },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: pipeline,
        metrics: pipeline,
      },
      telemetry: {
        logs: { level: 'info', encoding: 'json' },
        metrics: telemetryMetrics(OTEL_PORTS.metrics),
      },
    },
  };
}

/** The configuration as the YAML file the collector reads. */
export function collectorConfigYaml(config: CollectorConfig): string {
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

const SIGNALS = ['traces', 'metrics', 'logs'];
const SECTIONS = ['receivers', 'processors', 'exporters'] as const;

/**
 * What is wrong with a configuration's wiring, as messages (empty when nothing is): a pipeline
 * or extension that refers to a component the file does not define, a defined component no
 * pipeline uses, a pipeline without receivers or exporters, or one whose first processor is
 * not memory_limiter (it must see data before anything else buffers it).
 */
export function pipelineErrors(config: CollectorConfig): string[] {
  const errors: string[] = [];
  const used = new Set<string>();
  for (const id of config.service.extensions) {
    if (!(id in config.extensions)) errors.push(`service.extensions: "${id}" is not defined`);
  }
  for (const id of Object.keys(config.extensions)) {
    if (!config.service.extensions.includes(id)) errors.push(`extensions.${id}: not enabled`);
  }
  for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
    if (!SIGNALS.includes(name.split('/')[0] ?? '')) {
      errors.push(`pipelines.${name}: the signal must be one of ${SIGNALS.join(', ')}`);
    }
    for (const section of SECTIONS) {
      for (const id of pipeline[section]) {
        used.add(`${section}.${id}`);
        if (!(id in config[section])) {
          errors.push(`pipelines.${name}.${section}: "${id}" is not defined in ${section}`);
        }
      }
    }
    if (pipeline.receivers.length === 0) errors.push(`pipelines.${name}: no receivers`);
    if (pipeline.exporters.length === 0) errors.push(`pipelines.${name}: no exporters`);
    if (pipeline.processors[0] !== 'memory_limiter') {
      errors.push(`pipelines.${name}.processors: memory_limiter must come first`);
    }
  }
  for (const section of SECTIONS) {
    for (const id of Object.keys(config[section])) {
      if (!used.has(`${section}.${id}`)) errors.push(`${section}.${id}: used by no pipeline`);
    }
  }
  return errors;
}

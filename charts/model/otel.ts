/**
 * The OpenTelemetry Collector (gateway): names, ports and paths its objects, the user service
 * wiring and the tests agree on, once.
 */

/** `app.kubernetes.io/name` of every collector object. */
export const OTEL_APP_NAME = 'otel-collector';

/** `app.kubernetes.io/component` of the collector. */
export const OTEL_COMPONENT = 'collector';

/** Stable object names (DESIGN rule 4). */
export const OTEL_NAMES = {
  deployment: 'otel-collector',
  service: 'otel-collector',
  serviceAccount: 'otel-collector',
  configMap: 'otel-collector-config',
  pdb: 'otel-collector-pdb',
  networkPolicy: 'otel-collector',
  role: 'otel-collector',
  roleBinding: 'otel-collector',
  container: 'otel-collector',
  podMonitor: 'otel-collector',
} as const;

/**
 * OTLP receiver ports, the health_check extension port and the port of the collector's own
 * metrics (service.telemetry.metrics, Prometheus format): the upstream defaults.
 */
export const OTEL_PORTS = {
  otlpGrpc: 4317,
  otlpHttp: 4318,
  healthCheck: 13133,
  metrics: 8888,
} as const;

/** Port names on the container and the Service. */
export const OTEL_PORT_NAMES = {
  otlpGrpc: 'otlp-grpc',
  otlpHttp: 'otlp-http',
  healthCheck: 'health',
  metrics: 'metrics',
} as const;

/** Path of the collector's own metrics (the Prometheus pull exporter serves only this one). */
export const OTEL_METRICS_PATH = '/metrics';

/** The uid and gid of the upstream collector images (>= 10000, as kube-score wants). */
export const OTEL_UID = 10001;

/** Where the configuration is mounted. */
export const OTEL_CONFIG_PATH = { dir: '/conf', file: 'config.yaml' } as const;

/** Environment variable with the pod IP; the receivers and extensions listen on it. */
export const OTEL_POD_IP_ENV = 'MY_POD_IP';

import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** Prometheus Operator group and version of PodMonitor, ServiceMonitor and PrometheusRule. */
export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';

/** A key of a Secret in the PodMonitor's namespace. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** One endpoint Prometheus scrapes on each selected pod. */
export interface PodMetricsEndpoint {
  /** Name of the container port (an IANA service name: at most 15 characters). */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** A Prometheus duration, e.g. `30s`. */
  readonly interval: string;
  /** @default 'http' */
  readonly scheme?: 'http' | 'https';
  /** Query parameters, e.g. `{ format: ['prometheus'] }` for Consul. @default none */
  readonly params?: Readonly<Record<string, readonly string[]>>;
  /**
   * Send `Authorization: Bearer <token>` with the token in this Secret (the Prometheus
   * Operator reads it; it must live in the PodMonitor's namespace).
   * @default no Authorization header
   */
  readonly bearerTokenSecret?: SecretKeyRef;
}

/** Props of {@link PodMonitor}. */
export interface PodMonitorProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** Labels of the pods to scrape (their selector labels). */
  readonly selector: Record<string, string>;
  readonly endpoints: readonly PodMetricsEndpoint[];
}

/** The defaults of {@link PodMetricsEndpoint}, in one place. */
export const POD_METRICS_ENDPOINT_DEFAULTS = { path: '/metrics', scheme: 'http' } as const;

/** IANA_SVC_NAME, what Kubernetes allows as a container port name. */
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;
/** Prometheus durations as the CRD's pattern allows them. */
const DURATION =
  /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/** What is wrong with an endpoint, as messages (empty when nothing is). */
export function podMetricsEndpointErrors(e: PodMetricsEndpoint): string[] {
  const errors: string[] = [];
  if (!PORT_NAME.test(e.port)) {
    errors.push(`port "${e.port}" is not a container port name (IANA_SVC_NAME, 1-15 characters)`);
  }
  const path = e.path ?? POD_METRICS_ENDPOINT_DEFAULTS.path;
  if (!path.startsWith('/') || path.includes('?')) {
    errors.push(`path "${path}" must start with / and carry no query (use params)`);
  }
  if (e.interval === '' || e.interval === '0' || !DURATION.test(e.interval)) {
    errors.push(`interval "${e.interval}" is not a Prometheus duration like 30s`);
  }
  const token = e.bearerTokenSecret;
  if (token !== undefined && (token.name === '' || token.key === '')) {
    errors.push('bearerTokenSecret needs a Secret name and key');
  }
  return errors;
}

/**
 * A PodMonitor (monitoring.coreos.com/v1): the Prometheus Operator scrapes the named container
 * port of every selected pod of this namespace. Pods, not a Service: the metrics port stays off
 * the Service, and each pod is its own target. Bad endpoints fail at synth, naming the monitor.
 */
export class PodMonitor extends Construct {
  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    if (props.endpoints.length === 0) throw new Error(`PodMonitor ${props.name}: no endpoint`);
    if (Object.keys(props.selector).length === 0) {
      // An empty selector would scrape every pod of the namespace.
      throw new Error(`PodMonitor ${props.name}: empty pod selector`);
    }
    const errors = props.endpoints.flatMap(podMetricsEndpointErrors);
    if (errors.length > 0) throw new Error(`PodMonitor ${props.name}: ${errors.join('; ')}`);
    new ApiObject(this, 'Resource', {
      apiVersion: MONITORING_API_VERSION,
      kind: 'PodMonitor',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        namespaceSelector: { matchNames: [props.namespace] },
        podMetricsEndpoints: props.endpoints.map((e) => ({
          port: e.port,
          path: e.path ?? POD_METRICS_ENDPOINT_DEFAULTS.path,
          interval: e.interval,
          scheme: e.scheme ?? POD_METRICS_ENDPOINT_DEFAULTS.scheme,
          ...(e.params === undefined
            ? {}
            : {
                params: Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, [...v]])),
              }),
          ...(e.bearerTokenSecret === undefined
            ? {}
            : {
                authorization: {
                  type: 'Bearer',
                  credentials: { name: e.bearerTokenSecret.name, key: e.bearerTokenSecret.key },
                },
              }),
        })),
      },
    });
  }
}

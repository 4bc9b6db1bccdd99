/**
 * The metrics the user service exports: services/user-service/configs/metrics.json, the one list
 * (the Go black-box test holds a scrape of the real binary equal to it). The alerts and the
 * dashboard take every metric name from here.
 */
import { z } from 'zod';
import metricsJson from '../../services/user-service/configs/metrics.json';

const metricSchema = z.strictObject({
  key: z.string().min(1),
  otel: z.string().min(1),
  prometheus: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
  type: z.enum(['counter', 'gauge', 'histogram']),
  unit: z.string(),
  labels: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)),
  source: z.string(),
  description: z.string().min(1),
});

/** One exported metric. */
export type ServiceMetric = z.infer<typeof metricSchema>;

const listSchema = z.strictObject({ $comment: z.string(), metrics: z.array(metricSchema).min(1) });

/** Every metric of metrics.json, validated when this module loads. */
export const SERVICE_METRICS: readonly ServiceMetric[] = listSchema.parse(metricsJson).metrics;

function byKey(key: string): ServiceMetric {
  const m = SERVICE_METRICS.find((x) => x.key === key);
  if (m === undefined)
    throw new Error(`${key} is not in services/user-service/configs/metrics.json`);
  return m;
}

/** Prometheus names of the metrics the charts refer to, each checked against metrics.json. */
export const METRIC = {
  grpcServerDuration: byKey('grpcServerDuration').prometheus,
  httpServerDuration: byKey('httpServerDuration').prometheus,
  dbConnections: byKey('dbConnections').prometheus,
  dbConnectionsMax: byKey('dbConnectionsMax').prometheus,
  dbEmptyAcquires: byKey('dbEmptyAcquires').prometheus,
  cacheLookups: byKey('cacheLookups').prometheus,
  breakerState: byKey('breakerState').prometheus,
  breakerTransitions: byKey('breakerTransitions').prometheus,
  buildInfo: byKey('buildInfo').prometheus,
} as const;

/** The series names a scrape shows for the metric (a histogram's _bucket, _sum and _count). */
export function seriesNames(m: ServiceMetric): string[] {
  return m.type === 'histogram'
    ? [`${m.prometheus}_bucket`, `${m.prometheus}_sum`, `${m.prometheus}_count`]
    : [m.prometheus];
}

/** Every series name the service exports. */
export const SERVICE_SERIES: ReadonlySet<string> = new Set(SERVICE_METRICS.flatMap(seriesNames));

/**
 * Series of other exporters the alerts use: kube-state-metrics (ships with kube-prometheus-stack),
 * and the recording rules the alerts define themselves (checked apart).
 */
export const KUBE_STATE_SERIES: ReadonlySet<string> = new Set([
  'kube_deployment_status_replicas_available',
]);

/**
 * The metric names a PromQL expression refers to: identifiers that are not function calls, once
 * strings, label matchers, range selectors and `by (...)`-style label lists are taken out.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const operators = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on']);
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\(|[\w:])/g)) {
    const name = m[1] ?? '';
    if (!operators.has(name)) names.add(name);
  }
  return [...names].sort();
}

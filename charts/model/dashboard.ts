/**
 * The Grafana dashboard of the user service, as JSON, built from the metric names of metrics.ts
 * (never typed twice): rate, errors and latency percentiles per method, breaker, pool, cache and
 * pods. `$namespace` is a dashboard variable, so one dashboard serves every environment.
 */
import { METRIC } from './metrics';
import { ERROR_CODES, GRPC_SERVICE } from './slo-rules';

interface Panel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat';
  readonly unit: string;
  readonly exprs: readonly { readonly expr: string; readonly legend: string }[];
}

const NS = 'namespace="$namespace"';
const CALLS = `${METRIC.grpcServerDuration}_count{${NS},rpc_method=~"${GRPC_SERVICE.replace(/\./g, '\\\\.')}/.*"`;

/** The panels, in order. */
export const PANELS: readonly Panel[] = [
  {
    title: 'gRPC requests per second by method',
    type: 'timeseries',
    unit: 'reqps',
    exprs: [{ expr: `sum by (rpc_method) (rate(${CALLS}}[5m]))`, legend: '{{rpc_method}}' }],
  },
  {
    title: 'gRPC errors per second by method and code',
    type: 'timeseries',
    unit: 'reqps',
    exprs: [
      {
        expr: `sum by (rpc_method, rpc_response_status_code) (rate(${CALLS},rpc_response_status_code=~"${ERROR_CODES.join('|')}"}[5m]))`,
        legend: '{{rpc_method}} {{rpc_response_status_code}}',
      },
    ],
  },
  ...[0.5, 0.95, 0.99].map((q): Panel => ({
    title: `gRPC latency p${q * 100} by method`,
    type: 'timeseries',
    unit: 's',
    exprs: [
      {
        expr: `histogram_quantile(${q}, sum by (le, rpc_method) (rate(${METRIC.grpcServerDuration}_bucket{${NS}}[5m])))`,
        legend: '{{rpc_method}}',
      },
    ],
  })),
  {
    title: 'REST requests per second by route and status',
    type: 'timeseries',
    unit: 'reqps',
    exprs: [
      {
        expr: `sum by (http_route, http_response_status_code) (rate(${METRIC.httpServerDuration}_count{${NS}}[5m]))`,
        legend: '{{http_route}} {{http_response_status_code}}',
      },
    ],
  },
  {
    title: 'Circuit breakers open (pods)',
    type: 'timeseries',
    unit: 'short',
    exprs: [
      {
        expr: `sum by (breaker) (${METRIC.breakerState}{${NS},state="open"})`,
        legend: '{{breaker}} open',
      },
      {
        expr: `sum by (breaker) (increase(${METRIC.breakerTransitions}{${NS}}[5m]))`,
        legend: '{{breaker}} transitions / 5m',
      },
    ],
  },
  {
    title: 'Postgres pool: used / max connections',
    type: 'timeseries',
    unit: 'percentunit',
    exprs: [
      {
        expr: `sum by (pod) (${METRIC.dbConnections}{${NS},db_client_connection_state="used"}) / sum by (pod) (${METRIC.dbConnectionsMax}{${NS}})`,
        legend: '{{pod}}',
      },
      {
        expr: `sum by (pod) (rate(${METRIC.dbEmptyAcquires}{${NS}}[5m]))`,
        legend: '{{pod}} waits/s',
      },
    ],
  },
  {
    title: 'Cache hit ratio',
    type: 'timeseries',
    unit: 'percentunit',
    exprs: [
      {
        expr: `sum(rate(${METRIC.cacheLookups}{${NS},cache_result="hit"}[5m])) / sum(rate(${METRIC.cacheLookups}{${NS}}[5m]))`,
        legend: 'hit ratio',
      },
    ],
  },
  {
    title: 'Pods by version',
    type: 'stat',
    unit: 'short',
    exprs: [{ expr: `count by (version) (${METRIC.buildInfo}{${NS}})`, legend: '{{version}}' }],
  },
];

/** The dashboard JSON model (Grafana schema 39), deterministic. */
export function dashboardJson(title: string, uid: string): Record<string, unknown> {
  return {
    uid,
    title,
    tags: ['user-service', 'generated'],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus' },
        {
          name: 'namespace',
          type: 'query',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          query: `label_values(${METRIC.buildInfo}, namespace)`,
          refresh: 2,
        },
      ],
    },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      title: p.title,
      type: p.type,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.exprs.map((e, j) => ({
        refId: String.fromCharCode(65 + j),
        expr: e.expr,
        legendFormat: e.legend,
      })),
    })),
  };
}

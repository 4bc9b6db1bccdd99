/**
 * The alerting rules of one environment, generated from its typed SLO settings: multi-window
 * multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs": page at 14.4x the budget burn
 * over 1h confirmed over 5m, ticket at 6x over 6h confirmed over 30m), plus the database breaker
 * open, Postgres pool exhaustion and no ready pods. Every metric name comes from metrics.ts.
 */
import type { Environment } from '../config/schema';
import { METRIC } from './metrics';
import { NAMES } from './contract';

/** One alerting rule of a PrometheusRule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' };
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

/** A rule group. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** The two burn-rate windows of the SRE workbook. */
export const BURN_WINDOWS = [
  { long: '1h', short: '5m', factor: 14.4, for: '2m', severity: 'critical', speed: 'Fast' },
  { long: '6h', short: '30m', factor: 6, for: '15m', severity: 'warning', speed: 'Slow' },
] as const;

/** gRPC codes that count against availability: the service failed, not the caller. */
export const ERROR_CODES = ['UNKNOWN', 'DEADLINE_EXCEEDED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS'];

/** The gRPC service whose calls the SLOs cover (health checks are not). */
export const GRPC_SERVICE = 'user.v1.UserService';

const escape = (s: string): string => s.replace(/\./g, '\\\\.');

/** Share of gRPC calls that failed over `window`. */
export function errorRatio(namespace: string, window: string): string {
  const calls = `${METRIC.grpcServerDuration}_count{namespace="${namespace}",rpc_method=~"${escape(GRPC_SERVICE)}/.*"`;
  return (
    `(sum(rate(${calls},rpc_response_status_code=~"${ERROR_CODES.join('|')}"}[${window}]))` +
    ` / sum(rate(${calls}}[${window}])))`
  );
}

/** Share of calls of `method` slower than the threshold over `window`. */
export function slowRatio(namespace: string, method: string, le: number, window: string): string {
  const sel = `namespace="${namespace}",rpc_method="${method}"`;
  return (
    `(1 - sum(rate(${METRIC.grpcServerDuration}_bucket{${sel},le="${le}"}[${window}]))` +
    ` / sum(rate(${METRIC.grpcServerDuration}_count{${sel}}[${window}])))`
  );
}

const round = (x: number): string => String(Number(x.toPrecision(6)));

/** The rule groups of an environment. */
export function alertRuleGroups(env: Environment): RuleGroup[] {
  const m = env.monitoring;
  const ns = env.namespace;
  const runbook = (alert: string) => `${m.runbookBaseUrl}/${alert}`;
  const budget = 1 - m.slo.availability;
  const lat = m.slo.latency;
  const latencyBudget = 1 - lat.objective;
  const pct = (x: number) => `${round(x * 100)}%`;

  const availability: AlertRule[] = BURN_WINDOWS.map((w) => {
    const alert = `UserServiceErrorBudgetBurn${w.speed}`;
    const threshold = round(w.factor * budget);
    return {
      alert,
      expr:
        `${errorRatio(ns, w.long)} > ${threshold}\n` +
        `and\n${errorRatio(ns, w.short)} > ${threshold}`,
      for: w.for,
      labels: { severity: w.severity },
      annotations: {
        summary: `user-service in ${ns} burns its availability error budget ${w.factor}x too fast`,
        description:
          `More than ${pct(w.factor * budget)} of gRPC calls failed (${ERROR_CODES.join(', ')}) over ` +
          `${w.long} and ${w.short}; the objective is ${pct(m.slo.availability)} over 30 days.`,
        runbook_url: runbook(alert),
      },
    };
  });
  const latency: AlertRule[] = BURN_WINDOWS.map((w) => {
    const alert = `UserServiceLatencyBudgetBurn${w.speed}`;
    const threshold = round(w.factor * latencyBudget);
    return {
      alert,
      expr:
        `${slowRatio(ns, lat.method, lat.thresholdSeconds, w.long)} > ${threshold}\n` +
        `and\n${slowRatio(ns, lat.method, lat.thresholdSeconds, w.short)} > ${threshold}`,
      for: w.for,
      labels: { severity: w.severity },
      annotations: {
        summary: `user-service in ${ns} burns its ${lat.method} latency budget ${w.factor}x too fast`,
        description:
          `More than ${pct(w.factor * latencyBudget)} of ${lat.method} calls took over ` +
          `${lat.thresholdSeconds}s over ${w.long} and ${w.short}; the objective is ` +
          `${pct(lat.objective)} under ${lat.thresholdSeconds}s.`,
        runbook_url: runbook(alert),
      },
    };
  });
  const pod = `namespace="${ns}"`;
  const health: AlertRule[] = [
    {
      alert: 'UserServiceDatabaseBreakerOpen',
      expr: `max by (namespace, pod) (${METRIC.breakerState}{${pod},breaker="postgres",state="open"}) == 1`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'the Postgres circuit breaker of a user-service pod is open',
        description:
          'Pod {{ $labels.pod }} fails database calls fast and is not ready: Postgres kept failing or timing out.',
        runbook_url: runbook('UserServiceDatabaseBreakerOpen'),
      },
    },
    {
      alert: 'UserServiceDatabasePoolExhausted',
      expr:
        `sum by (namespace, pod) (${METRIC.dbConnections}{${pod},db_client_connection_state="used"})\n` +
        `/ sum by (namespace, pod) (${METRIC.dbConnectionsMax}{${pod}}) >= 0.9\n` +
        `and\nsum by (namespace, pod) (rate(${METRIC.dbEmptyAcquires}{${pod}}[5m])) > 0`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'the Postgres pool of a user-service pod is exhausted',
        description:
          'Pod {{ $labels.pod }} uses 90% or more of DB_MAX_CONNS and callers wait for connections.',
        runbook_url: runbook('UserServiceDatabasePoolExhausted'),
      },
    },
    {
      alert: 'UserServiceNoReadyPods',
      expr: `max(kube_deployment_status_replicas_available{${pod},deployment="${NAMES.deployment}"}) == 0`,
      for: '2m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `no user-service pod in ${ns} is ready`,
        description: 'The Deployment has no available replica: every call fails.',
        runbook_url: runbook('UserServiceNoReadyPods'),
      },
    },
  ];
  return [
    { name: 'user-service-slo', rules: [...availability, ...latency] },
    { name: 'user-service-health', rules: health },
  ];
}

/**
 * promtool unit tests (`promtool test rules`) of every alert of alert rule groups: for each alert
 * one case where its input series make it fire and one where they keep it quiet. The series are
 * named from metrics.ts; the thresholds follow the environment's SLO settings.
 */
import type { Environment } from '../config/schema';
import { NAMES } from './contract';
import { METRIC } from './metrics';
import { BURN_WINDOWS, GRPC_SERVICE, type AlertRule, type RuleGroup } from './slo-rules';

interface Series {
  readonly series: string;
  readonly values: string;
}
interface ExpectedAlert {
  readonly exp_labels: Record<string, string>;
  readonly exp_annotations: Record<string, string>;
}
interface TestCase {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly Series[];
  readonly alert_rule_test: readonly {
    readonly eval_time: string;
    readonly alertname: string;
    readonly exp_alerts: readonly ExpectedAlert[];
  }[];
}

/** The promtool test file (rule_files is filled in by the caller). */
export interface PromtoolTests {
  readonly rule_files: readonly string[];
  readonly evaluation_interval: string;
  readonly tests: readonly TestCase[];
}

const labelString = (labels: Record<string, string>): string =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

/** The scenario of an alert: series that fire it, series that do not, when to look. */
interface Scenario {
  readonly firing: readonly Series[];
  readonly quiet: readonly Series[];
  readonly evalTime: string;
  /** Labels the alert carries besides severity (those of its expression's result). */
  readonly labels: Record<string, string>;
}

function scenarios(env: Environment): Record<string, Scenario> {
  const ns = env.namespace;
  const pod = 'user-service-0';
  const method = env.monitoring.slo.latency.method;
  const le = String(env.monitoring.slo.latency.thresholdSeconds);
  const call = (rpcMethod: string, code: string) =>
    `${METRIC.grpcServerDuration}_count${labelString({ namespace: ns, pod, rpc_method: rpcMethod, rpc_response_status_code: code, rpc_system_name: 'grpc' })}`;
  const getUser = `${GRPC_SERVICE}/GetUser`;
  // 100 calls a minute; 10 more fail (9 % of calls) or 1 in 100 000 does.
  const errors: Scenario = {
    firing: [
      { series: call(getUser, 'OK'), values: '0+100x400' },
      { series: call(getUser, 'UNAVAILABLE'), values: '0+10x400' },
    ],
    quiet: [
      { series: call(getUser, 'OK'), values: '0+100000x400' },
      { series: call(getUser, 'UNAVAILABLE'), values: '0+1x400' },
    ],
    evalTime: '380m',
    labels: {},
  };
  const bucket = (bound: string) =>
    `${METRIC.grpcServerDuration}_bucket${labelString({ namespace: ns, pod, rpc_method: method, rpc_response_status_code: 'OK', rpc_system_name: 'grpc', le: bound })}`;
  const count = call(method, 'OK');
  // Half the calls over the threshold, or none.
  const latency: Scenario = {
    firing: [
      { series: bucket(le), values: '0+50x400' },
      { series: count, values: '0+100x400' },
    ],
    quiet: [
      { series: bucket(le), values: '0+100x400' },
      { series: count, values: '0+100x400' },
    ],
    evalTime: '380m',
    labels: {},
  };
  const podLabels = { namespace: ns, pod };
  const state = (v: string) => ({
    series: `${METRIC.breakerState}${labelString({ ...podLabels, breaker: 'postgres', state: 'open' })}`,
    values: v,
  });
  const poolName = { db_client_connection_pool_name: 'user-service' };
  const pool = (used: string, waits: string): Series[] => [
    {
      series: `${METRIC.dbConnections}${labelString({ ...podLabels, ...poolName, db_client_connection_state: 'used' })}`,
      values: used,
    },
    {
      series: `${METRIC.dbConnectionsMax}${labelString({ ...podLabels, ...poolName })}`,
      values: '10x30',
    },
    {
      series: `${METRIC.dbEmptyAcquires}${labelString({ ...podLabels, ...poolName })}`,
      values: waits,
    },
  ];
  const available = (v: string) => ({
    series: `kube_deployment_status_replicas_available${labelString({ namespace: ns, deployment: NAMES.deployment })}`,
    values: v,
  });
  const out: Record<string, Scenario> = {
    UserServiceDatabaseBreakerOpen: {
      firing: [state('1x10')],
      quiet: [state('0x10')],
      evalTime: '5m',
      labels: podLabels,
    },
    UserServiceDatabasePoolExhausted: {
      firing: pool('10x30', '0+5x30'),
      quiet: pool('2x30', '0x30'),
      evalTime: '15m',
      labels: podLabels,
    },
    UserServiceNoReadyPods: {
      firing: [available('0x10')],
      quiet: [available('3x10')],
      evalTime: '5m',
      labels: {},
    },
  };
  for (const w of BURN_WINDOWS) {
    out[`UserServiceErrorBudgetBurn${w.speed}`] = errors;
    out[`UserServiceLatencyBudgetBurn${w.speed}`] = latency;
  }
  return out;
}

/** The annotations promtool expands: `{{ $labels.x }}` from the alert's labels. */
function expand(text: string, labels: Record<string, string>): string {
  return text.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, k: string) => labels[k] ?? '');
}

/** The unit tests of every alert in groups; throws for an alert without a scenario. */
export function alertTests(env: Environment, groups: readonly RuleGroup[]): PromtoolTests {
  const byName = scenarios(env);
  const rules: AlertRule[] = groups.flatMap((g) => [...g.rules]);
  const tests: TestCase[] = rules.flatMap((rule) => {
    const s = byName[rule.alert];
    if (s === undefined) throw new Error(`no promtool test scenario for alert ${rule.alert}`);
    const labels = { ...s.labels, severity: rule.labels.severity };
    const annotations = {
      summary: expand(rule.annotations.summary, labels),
      description: expand(rule.annotations.description, labels),
      runbook_url: rule.annotations.runbook_url,
    };
    return [
      {
        name: `${rule.alert} fires`,
        interval: '1m',
        input_series: s.firing,
        alert_rule_test: [
          {
            eval_time: s.evalTime,
            alertname: rule.alert,
            exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }],
          },
        ],
      },
      {
        name: `${rule.alert} stays quiet`,
        interval: '1m',
        input_series: s.quiet,
        alert_rule_test: [{ eval_time: s.evalTime, alertname: rule.alert, exp_alerts: [] }],
      },
    ];
  });
  return { rule_files: [], evaluation_interval: '1m', tests };
}

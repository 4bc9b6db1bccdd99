import { environment } from '../../test/support/objects';
import { alertTests } from '../model/alert-tests';
import { METRIC, metricNamesIn, SERVICE_SERIES } from '../model/metrics';
import { alertRuleGroups, type RuleGroup } from '../model/slo-rules';
import { main, ruleGroupsOf, scrapedSeries, unknownMetrics } from './check-alert-rules';
import { renderEnvironment } from './render';

const prod = environment('prod');
const groups = alertRuleGroups(prod);

describe('the metric names of an expression', () => {
  it('are the series, not functions, labels, ranges or by-lists', () => {
    expect(
      metricNamesIn(
        'sum by (pod) (rate(foo_total{a="b",c=~"x|y"}[5m])) / on(pod) sum(bar) > 0.9\n' +
          'and max(baz{state="open"}) == 1 unless histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))',
      ),
    ).toEqual(['bar', 'baz', 'foo_total', 'h_bucket']);
  });
});

describe('the alerts of an environment', () => {
  it('are in its PrometheusRule, each with a severity, summary and runbook', () => {
    const rendered = ruleGroupsOf(renderEnvironment(prod));
    expect(rendered).toEqual(JSON.parse(JSON.stringify(groups)));
    const alerts = groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual([
      'UserServiceErrorBudgetBurnFast',
      'UserServiceErrorBudgetBurnSlow',
      'UserServiceLatencyBudgetBurnFast',
      'UserServiceLatencyBudgetBurnSlow',
      'UserServiceDatabaseBreakerOpen',
      'UserServiceDatabasePoolExhausted',
      'UserServiceNoReadyPods',
    ]);
    for (const a of alerts) {
      expect(a.annotations.runbook_url).toBe(
        `https://runbooks.example.com/user-service/${a.alert}`,
      );
      expect(['critical', 'warning']).toContain(a.labels.severity);
    }
  });

  it('burn the budget of the settings at 14.4x over 1h/5m and 6x over 6h/30m', () => {
    const [fast, slow] = groups[0]?.rules ?? [];
    // 99.9 %: a budget of 0.1 %.
    expect(fast?.expr).toContain('[1h]))) > 0.0144');
    expect(fast?.expr).toContain('[5m]))) > 0.0144');
    expect(slow?.expr).toContain('[6h]))) > 0.006');
    expect(slow?.expr).toContain('[30m]))) > 0.006');
  });

  it('name only metrics the service exports (configs/metrics.json) or kube-state-metrics', () => {
    expect(unknownMetrics(groups, SERVICE_SERIES)).toEqual([]);
  });

  it('are refused when an expression names a metric the service does not export', () => {
    const renamed: RuleGroup[] = groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => ({
        ...r,
        expr: r.expr.replaceAll(METRIC.breakerState, 'user_service_circuit_state'),
      })),
    }));
    expect(unknownMetrics(renamed, SERVICE_SERIES)).toEqual([
      'UserServiceDatabaseBreakerOpen: user_service_circuit_state is not exported by the service',
    ]);
    // And against a scrape that lacks the breaker.
    const scrape = scrapedSeries(
      '# TYPE db_client_connection_max gauge\ndb_client_connection_max{p="x"} 4\n',
    );
    expect(unknownMetrics(groups, scrape)).toContain(
      `UserServiceDatabaseBreakerOpen: ${METRIC.breakerState} is not exported by the service`,
    );
  });

  it('each have a promtool test that fires them and one that does not', () => {
    const tests = alertTests(prod, groups).tests;
    expect(tests).toHaveLength(14);
    const fires = tests.filter((t) => t.name.endsWith(' fires'));
    expect(fires.every((t) => t.alert_rule_test[0]?.exp_alerts.length === 1)).toBe(true);
  });
});

describe('check-alert-rules', () => {
  it('runs check rules and test rules per environment and fails when promtool does', () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const code = main(
      [process.execPath, '--env', 'prod'],
      (l) => lines.push(l),
      (_bin, args) => {
        calls.push(args.slice(0, 2).join(' '));
        return args[0] === 'test'
          ? { status: 1, output: 'FAILED: expected alert' }
          : { status: 0, output: '' };
      },
    );
    expect(calls).toEqual(['check rules', 'test rules']);
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('prod: promtool test rules: FAILED (exit 1)');
  });
});

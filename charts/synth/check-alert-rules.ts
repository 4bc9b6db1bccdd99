/**
 * `node scripts/check-alert-rules.mjs <promtool> [--scrape <file>] [--env <name>]...`: for every
 * environment where monitoring is on, writes the rule groups of its PrometheusRule to a rule
 * file, runs `promtool check rules` on it and `promtool test rules` on the generated unit tests
 * (charts/model/alert-tests.ts: each alert fires on its scenario and stays quiet on another).
 * Then every metric an alert expression names must be one the service exports: in the scrape
 * of the real binary (`--scrape`, written by cmd/server/metrics_test.go with
 * METRICS_SCRAPE_OUT), else in configs/metrics.json, or a kube-state-metrics series.
 * Exit 0 when all pass; 1 naming what failed; 2 on usage.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadEnvironments, selectEnvironments } from '../config/load';
import { alertTests } from '../model/alert-tests';
import { KUBE_STATE_SERIES, metricNamesIn, SERVICE_SERIES } from '../model/metrics';
import type { RuleGroup } from '../model/slo-rules';
import { parseCheckArgs } from './check-args';
import { renderEnvironments, type KubeObject } from './render';

/** The rule groups of the environment's PrometheusRule, or undefined when it has none. */
export function ruleGroupsOf(objects: readonly KubeObject[]): RuleGroup[] | undefined {
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  if (rule === undefined) return undefined;
  return (rule.spec as { groups: RuleGroup[] }).groups;
}

/** Series names in a Prometheus text exposition. */
export function scrapedSeries(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (m?.[1] !== undefined) names.add(m[1]);
  }
  return names;
}

/** `alert: metric` for every metric an alert names that `exported` does not have. */
export function unknownMetrics(
  groups: readonly RuleGroup[],
  exported: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  for (const g of groups) {
    for (const r of g.rules) {
      for (const name of metricNamesIn(r.expr)) {
        if (!exported.has(name) && !KUBE_STATE_SERIES.has(name)) {
          problems.push(`${r.alert}: ${name} is not exported by the service`);
        }
      }
    }
  }
  return problems;
}

type Run = (bin: string, args: readonly string[]) => { status: number | null; output: string };

const spawnRun: Run = (bin, args) => {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
  return {
    status: r.status,
    output: [r.error?.message, r.stdout, r.stderr].filter((s) => s !== undefined).join('\n'),
  };
};

/** The CLI: returns the exit code and writes its report to `log`. */
export function main(
  argv: readonly string[],
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  run: Run = spawnRun,
): number {
  const args = parseCheckArgs(argv, { program: 'the path of promtool', scrape: true });
  if (typeof args === 'string') return usage(log, args);
  const { program: promtool, environments: names, scrape } = args;
  const exported =
    scrape === undefined ? SERVICE_SERIES : scrapedSeries(readFileSync(scrape, 'utf8'));
  log(
    scrape === undefined
      ? 'metric names checked against services/user-service/configs/metrics.json'
      : `metric names checked against the scrape of the real binary in ${scrape} (${exported.size} series names)`,
  );
  let failed = false;
  const dir = mkdtempSync(join(tmpdir(), 'check-alert-rules-'));
  try {
    for (const r of renderEnvironments(selectEnvironments(loadEnvironments(), names))) {
      const env = r.environment.name;
      const groups = ruleGroupsOf(r.objects);
      if (groups === undefined) {
        log(`${env}: monitoring off, no rules`);
        continue;
      }
      const rulesFile = join(dir, `${env}-rules.yaml`);
      writeFileSync(rulesFile, stringify({ groups }, { lineWidth: 0 }));
      const testsFile = join(dir, `${env}-tests.yaml`);
      const tests = alertTests(r.environment, groups);
      writeFileSync(
        testsFile,
        stringify(
          { ...tests, rule_files: [rulesFile] },
          { lineWidth: 0, aliasDuplicateObjects: false },
        ),
      );
      const alerts = groups.reduce((n, g) => n + g.rules.length, 0);
      for (const [what, args] of [
        ['check rules', ['check', 'rules', rulesFile]],
        ['test rules', ['test', 'rules', testsFile]],
      ] as const) {
        const res = run(promtool, args);
        if (res.status === 0) {
          log(
            `${env}: promtool ${what}: passed (${alerts} alerts, ${tests.tests.length} test cases)`,
          );
        } else {
          failed = true;
          log(`${env}: promtool ${what}: FAILED (exit ${String(res.status)})`);
          for (const line of res.output.trim().split('\n')) log(`  ${line}`);
        }
      }
      const unknown = unknownMetrics(groups, exported);
      if (unknown.length > 0) {
        failed = true;
        for (const p of unknown) log(`${env}: ${p}`);
      } else {
        log(`${env}: every metric the alerts name is exported`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

function usage(log: (line: string) => void, problem: string): number {
  log(`check-alert-rules: ${problem}`);
  log('usage: node scripts/check-alert-rules.mjs <promtool> [--scrape <file>] [--env <name>]...');
  return 2;
}

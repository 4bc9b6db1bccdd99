/**
 * `node scripts/check-collector-metrics.mjs <otelcol binary> [--env <name>]`: runs the collector
 * of tools/otelcol on an environment's generated configuration (default dev, whose exporter is
 * `debug`), with only its listeners moved to free loopback ports, pushes one OTLP metric over
 * HTTP, and scrapes the collector's own metrics endpoint (service.telemetry.metrics, what
 * PodMonitor/otel-collector scrapes). It passes when that scrape shows the `otlp` receiver
 * accepted the point and the metrics pipeline's exporter sent it. Exit 0 when it does, 1 naming
 * what failed, 2 on usage (or an environment whose collector needs the cluster: an OTLP backend
 * or the Kubernetes API).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadEnvironments, selectEnvironments } from '../config/load';
import type { CollectorConfig } from '../constructs/otel-collector-config';
import { OTEL_METRICS_PATH, OTEL_POD_IP_ENV } from '../model/otel';
import { parseCheckArgs } from './check-args';
import { collectorConfigFile } from './check-collector-config';
import { renderEnvironments } from './render';

/** The loopback ports the local run listens on. */
export interface LocalPorts {
  readonly otlpGrpc: number;
  readonly otlpHttp: number;
  readonly healthCheck: number;
  readonly metrics: number;
}

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/**
 * The configuration with its four listeners on these ports (the host stays the pod IP
 * variable, which the run sets to 127.0.0.1); everything else as generated. Refuses a
 * configuration that needs the cluster (k8s_attributes, an OTLP backend).
 */
export function localConfig(file: string, ports: LocalPorts): string {
  const config = parse(file) as Mutable<CollectorConfig>;
  const needsCluster = [
    ...Object.keys(config.processors).filter((id) => id.startsWith('k8s_attributes')),
    ...Object.keys(config.exporters).filter((id) => !id.startsWith('debug')),
  ];
  if (needsCluster.length > 0) {
    throw new Error(
      `the configuration needs the cluster (${needsCluster.join(', ')}); use an environment ` +
        'whose collector exports to debug without k8s_attributes (dev)',
    );
  }
  const onPort = (endpoint: string, port: number) => endpoint.replace(/:[0-9]+$/, `:${port}`);
  const otlp = config.receivers.otlp;
  const health = config.extensions.health_check;
  const reader = config.service.telemetry.metrics.readers[0];
  if (otlp === undefined || health === undefined || reader === undefined) {
    throw new Error('the configuration has no otlp receiver, health_check or metrics reader');
  }
  otlp.protocols.grpc.endpoint = onPort(otlp.protocols.grpc.endpoint, ports.otlpGrpc);
  otlp.protocols.http.endpoint = onPort(otlp.protocols.http.endpoint, ports.otlpHttp);
  health.endpoint = onPort(health.endpoint, ports.healthCheck);
  reader.pull.exporter.prometheus.port = ports.metrics;
  return stringify(config, { lineWidth: 0 });
}

/**
 * The sum of the samples of `name` in a Prometheus text exposition whose labels include
 * `labels`; undefined when there is no such sample.
 */
export function sampleSum(
  exposition: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      have.set(l[1] ?? '', l[2] ?? '');
    }
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) {
      sum = (sum ?? 0) + Number(m[4]);
    }
  }
  return sum;
}

/** One OTLP/HTTP JSON metric (a cumulative counter of `value`). */
export function otlpMetric(name: string, value: number, nowNanos: bigint): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: 'check-collector-metrics' } }],
        },
        scopeMetrics: [
          {
            metrics: [
              {
                name,
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [{ asInt: String(value), timeUnixNano: String(nowNanos) }],
                },
              },
            ],
          },
        ],
      },
    ],
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** The series the check reads from the collector's own metrics. */
export const CHECKED_SERIES = {
  accepted: ['otelcol_receiver_accepted_metric_points', { receiver: 'otlp', transport: 'http' }],
  sent: ['otelcol_exporter_sent_metric_points', { exporter: 'debug' }],
} as const;

/** Runs the check; resolves to the exit code, writing its report to `log`. */
export async function main(
  argv: readonly string[],
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const args = parseCheckArgs(argv, { program: 'the path of the collector binary' });
  if (typeof args === 'string') return usage(log, args);
  if (args.environments.length > 1) return usage(log, 'one --env at most');
  const binary = args.program;
  const envName = args.environments[0] ?? 'dev';
  const [rendered] = renderEnvironments(selectEnvironments(loadEnvironments(), [envName]));
  const file = rendered === undefined ? undefined : collectorConfigFile(rendered.objects);
  if (file === undefined) return usage(log, `${envName} has no collector`);
  const ports: LocalPorts = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    healthCheck: await freePort(),
    metrics: await freePort(),
  };
  let local: string;
  try {
    local = localConfig(file, ports);
  } catch (e) {
    return usage(log, `${envName}: ${(e as Error).message}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'check-collector-metrics-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, local);
  const child = spawn(binary, [`--config=file:${path}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [OTEL_POD_IP_ENV]: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const base = (port: number) => `http://127.0.0.1:${port}`;
  try {
    await until('the health_check extension to answer 200', 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`the collector exited (${child.exitCode})`);
      const r = await fetch(`${base(ports.healthCheck)}/`);
      return r.status === 200 ? true : undefined;
    });
    const scrape = async () => {
      const r = await fetch(`${base(ports.metrics)}${OTEL_METRICS_PATH}`);
      return r.status === 200 ? await r.text() : undefined;
    };
    const before = await until('the metrics endpoint', 10_000, scrape);
    const [acceptedName, acceptedLabels] = CHECKED_SERIES.accepted;
    const [sentName, sentLabels] = CHECKED_SERIES.sent;
    const points = 3;
    const push = await fetch(`${base(ports.otlpHttp)}/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: otlpMetric('check_collector_metrics_points', points, process.hrtime.bigint()),
    });
    log(`${envName}: pushed 1 OTLP metric point over HTTP: ${push.status}`);
    if (push.status !== 200) throw new Error(`the OTLP/HTTP receiver answered ${push.status}`);
    const acceptedBefore = sampleSum(before, acceptedName, acceptedLabels) ?? 0;
    const sentBefore = sampleSum(before, sentName, sentLabels) ?? 0;
    const after = await until('the point to be counted as accepted and sent', 15_000, async () => {
      const text = await scrape();
      if (text === undefined) return undefined;
      const accepted = (sampleSum(text, acceptedName, acceptedLabels) ?? 0) - acceptedBefore;
      const sent = (sampleSum(text, sentName, sentLabels) ?? 0) - sentBefore;
      return accepted >= 1 && sent >= 1 ? { accepted, sent, text } : undefined;
    });
    const series = after.text.split('\n').filter((l) => /^otelcol_/.test(l)).length;
    log(
      `${envName}: GET :${ports.metrics}${OTEL_METRICS_PATH}: ${series} otelcol_ samples; ` +
        `${acceptedName}{receiver="otlp"} +${after.accepted}, ${sentName}{exporter="debug"} +${after.sent}`,
    );
    log(
      `the collector's metrics pipeline carried the pushed point and its own metrics endpoint ` +
        `served the counts (${envName})`,
    );
    return 0;
  } catch (e) {
    log(`${envName}: FAILED: ${(e as Error).message}`);
    for (const line of output.split('\n').slice(-20)) log(`  ${line}`);
    return 1;
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function usage(log: (line: string) => void, problem: string): number {
  log(`check-collector-metrics: ${problem}`);
  log('usage: node scripts/check-collector-metrics.mjs <otelcol binary> [--env <name>]');
  return 2;
}

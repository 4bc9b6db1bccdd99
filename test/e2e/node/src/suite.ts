/**
 * The real-node suite (test/e2e/node/run.sh): the dev environment rendered by the same charts
 * with test overrides (images by the names the nodes have, Postgres/Redis on the host), applied
 * the GitOps way (kubectl server-side apply of the rendered folder) onto the real nodes of
 * test/e2e/node/node.sh, and then each check with its numbers. Consul stays on the kwok nodes
 * (tainted, so only the Consul StatefulSet, which gets a toleration, goes there).
 * Writes test/e2e/.report/e2e-report.json and prints the same as a table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environments } from '../../../../charts/config/environments';
import { loadEnvironments, type EnvironmentOverrides } from '../../../../charts/config/load';
import type { Environment } from '../../../../charts/config/schema';
import { NAMES } from '../../../../charts/model/contract';
import { renderEnvironment } from '../../../../charts/synth/render';
import { synth } from '../../../../charts/main';
import { REPOSITORY_ROOT } from '../../../../infra/config/stack-config';
import { copyProject, readmeBlock, Shell } from '../../src/cli';
import {
  createVolumesFor,
  deleteNamespaces,
  deleteVolumes,
  installCrds,
} from '../../src/cluster-objects';
import { kubectl, kubectlJson, run, sleep, waitFor } from '../../src/exec';
import { check, log } from '../../src/harness';

// ------------------------------------------------------------------ what the harness gives
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`${name} not set: run test/e2e/node/run.sh`);
  return value;
}
const NODE_DIR = required('E2E_NODE_DIR');
const BACKING_IP = required('BACKING_IP');
const PG_PORT = Number(required('PG_PORT'));
const REDIS_PORT = Number(required('REDIS_PORT'));
const DNS_IP = required('DNS_IP');
const LOADGEN = required('E2E_LOADGEN');
const SECRETS_DIR = required('E2E_SECRETS_DIR');
const REAL_NODES = Number(required('NODES'));
const REPORT_DIR = join(REPOSITORY_ROOT, 'test', 'e2e', '.report');
const REAL_LABEL = 'e2e.user-platform.example.com/real';
const KWOK_TAINT = 'e2e.user-platform.example.com/kwok';
const REPOSITORY = 'registry.example.com/platform/user-service';
const RATE = Number(process.env.E2E_LOAD_RATE ?? '250');

// ------------------------------------------------------------------ report
type Metrics = Record<string, number | string | boolean>;
interface CheckResult {
  readonly name: string;
  readonly passed: boolean;
  readonly seconds: number;
  readonly metrics: Metrics;
  readonly error?: string;
}
const results: CheckResult[] = [];

async function checkStep(name: string, fn: (m: Metrics) => Promise<void>): Promise<boolean> {
  const metrics: Metrics = {};
  const start = Date.now();
  log(`--- ${name}`);
  let error: string | undefined;
  try {
    await fn(metrics);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const r: CheckResult = {
    name,
    passed: error === undefined,
    seconds: Math.round((Date.now() - start) / 100) / 10,
    metrics,
    ...(error === undefined ? {} : { error }),
  };
  results.push(r);
  log(`${r.passed ? 'ok' : 'FAIL'} - ${name} (${r.seconds}s) ${JSON.stringify(metrics)}`);
  if (error !== undefined) log(`    ${error.split('\n').join('\n    ')}`);
  return r.passed;
}
function notRun(name: string, because: string): void {
  results.push({ name, passed: false, seconds: 0, metrics: {}, error: `not run: ${because}` });
  log(`FAIL - ${name}: not run: ${because}`);
}

function writeReport(): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  const file = join(REPORT_DIR, 'e2e-report.json');
  writeFileSync(file, `${JSON.stringify({ checks: results }, null, 2)}\n`);
  const rows = results.map((r) => {
    const m = Object.entries(r.metrics)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    return `  ${r.passed ? 'ok  ' : 'FAIL'} ${r.seconds.toFixed(1).padStart(6)}s  ${r.name}${m === '' ? '' : `\n${' '.repeat(16)}${m}`}`;
  });
  const passed = results.filter((r) => r.passed).length;
  log(`\nreal-node checks (${file}):\n${rows.join('\n')}`);
  log(`e2e: ${passed} passed, ${results.length - passed} failed`);
}

// ------------------------------------------------------------------ the e2e environment
/** dev as the charts render it, with what this machine has instead of registries and hosts. */
function e2eOverrides(tag: string): EnvironmentOverrides {
  const dev = environments.dev;
  return {
    dev: {
      ...dev,
      image: { repository: REPOSITORY, tag, requireDigest: false, pullPolicy: 'IfNotPresent' },
      autoscaling: { minReplicas: 3, maxReplicas: 4 },
      database: {
        ...dev.database,
        host: BACKING_IP,
        port: PG_PORT,
        egressCidrs: [`${BACKING_IP}/32`],
      },
      redis: {
        ...dev.redis,
        host: BACKING_IP,
        port: REDIS_PORT,
        egressCidrs: [`${BACKING_IP}/32`],
      },
      // tools/otelcol's collector, imported as this name (test/e2e/node/images.sh)
      otel: {
        ...dev.otel,
        image: { tag: 'e2e', requireDigest: false, pullPolicy: 'IfNotPresent' },
      },
    },
  };
}

function renderTo(tag: string): { env: Environment; dir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'e2e-node-render-'));
  const settings = e2eOverrides(tag);
  synth({ outdir, environments: ['dev'], settings, gitops: false });
  const env = loadEnvironments(settings)[0];
  check(env !== undefined, 'no dev environment rendered');
  return { env, dir: join(outdir, 'dev') };
}

async function applyDir(dir: string): Promise<void> {
  const ns = readdirSync(dir).find((f) => f.startsWith('namespace-'));
  check(ns !== undefined, `${dir} has no namespace file`);
  const base = ['apply', '--server-side', '--field-manager=e2e-gitops', '--validate=strict'];
  await kubectl([...base, '-f', join(dir, ns)]);
  const result = await run('kubectl', [...base, '-k', dir]);
  check(result.code === 0, `kubectl apply -k ${dir} failed:\n${result.stderr}`);
}

// ------------------------------------------------------------------ cluster facts
interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { readinessProbe?: { grpc?: { service?: string } } }[] };
  status: {
    podIP?: string;
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      ready: boolean;
      restartCount: number;
      containerID?: string;
      image: string;
      imageID: string;
    }[];
  };
}

async function servicePods(ns: string): Promise<Pod[]> {
  const list = (await kubectlJson([
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    'app.kubernetes.io/name=user-service',
  ])) as { items: Pod[] };
  return list.items;
}
const isReady = (p: Pod): boolean =>
  p.metadata.deletionTimestamp === undefined &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function realNodes(): Promise<string[]> {
  const list = (await kubectlJson(['get', 'nodes', '-l', `${REAL_LABEL}=true`])) as {
    items: { metadata: { name: string } }[];
  };
  return list.items.map((n) => n.metadata.name).sort();
}

async function clusterIP(ns: string): Promise<string> {
  const svc = (await kubectlJson(['get', 'service', NAMES.service, '-n', ns])) as {
    spec: { clusterIP: string };
  };
  return svc.spec.clusterIP;
}

/** Waits until `want` replicas are Ready on real nodes, all running `image`. */
async function waitReady(
  ns: string,
  want: number,
  image: string,
  timeoutMs: number,
): Promise<Pod[]> {
  const nodes = new Set(await realNodes());
  return waitFor(
    `${want} Ready user-service pods with ${image} on real nodes`,
    timeoutMs,
    async () => {
      const pods = (await servicePods(ns)).filter(
        (p) => p.metadata.deletionTimestamp === undefined,
      );
      const ready = pods.filter(
        (p) =>
          isReady(p) &&
          p.status.containerStatuses?.[0]?.image.endsWith(image.split('/').pop() ?? ''),
      );
      if (pods.length !== want || ready.length !== want) return undefined;
      for (const p of ready)
        check(
          nodes.has(p.spec.nodeName ?? ''),
          `pod ${p.metadata.name} on non-real node ${p.spec.nodeName}`,
        );
      return ready;
    },
  ).catch(async (e: unknown) => {
    throw new Error(
      `${e instanceof Error ? e.message : String(e)}\n      unready pods:\n        ${await podDiagnostics(ns)}`,
    );
  });
}

/** The pod log files the kubelets wrote (podLogsDir of each node), by pod name. */
function podLogs(ns: string, container = 'user-service'): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of readdirSync(NODE_DIR).filter((d) => /^n\d+$/.test(d))) {
    const dir = join(NODE_DIR, n, 'pod-logs');
    if (!existsSync(dir)) continue;
    for (const podDir of readdirSync(dir).filter((d) => d.startsWith(`${ns}_`))) {
      const pod = podDir.split('_')[1] ?? podDir;
      const cdir = join(dir, podDir, container);
      if (!existsSync(cdir)) continue;
      const text = readdirSync(cdir)
        .map((f) => readFileSync(join(cdir, f), 'utf8'))
        .join('');
      out.set(pod, (out.get(pod) ?? '') + text);
    }
  }
  return out;
}
/**
 * Why pods in `ns` are not Ready, for a failure message: each unready pod's phase, node, IP,
 * container state and restarts, and the last lines of its log.
 */
async function podDiagnostics(ns: string): Promise<string> {
  const list = (await kubectlJson(['get', 'pods', '-n', ns]).catch(() => ({ items: [] }))) as {
    items: (Pod & {
      status: {
        containerStatuses?: { state?: Record<string, { reason?: string; message?: string }> }[];
      };
    })[];
  };
  const events = (await kubectlJson(['get', 'events', '-n', ns]).catch(() => ({ items: [] }))) as {
    items: {
      involvedObject: { name?: string };
      reason?: string;
      message?: string;
      count?: number;
    }[];
  };
  const eventsOf = (name: string): string =>
    events.items
      .filter((e) => e.involvedObject.name === name)
      .slice(-4)
      .map((e) => `event ${e.reason ?? '-'} x${e.count ?? 1}: ${(e.message ?? '').slice(0, 300)}`)
      .join('\n          ');
  const kubeletLines = (name: string): string => {
    const dir = join(NODE_DIR, 'logs');
    if (!existsSync(dir)) return '';
    return readdirSync(dir)
      .filter((f) => f.startsWith('kubelet'))
      .flatMap((f) =>
        readFileSync(join(dir, f), 'utf8')
          .split('\n')
          .filter((l) => l.includes(name) && /error|fail/i.test(l))
          .slice(-3)
          .map((l) => `${f}: ${l.slice(0, 300)}`),
      )
      .join('\n          ');
  };
  const logs = podLogs(ns);
  const logsOf = (name: string): string => {
    for (const [pod, text] of [...logs.entries(), ...podLogs(ns, 'otel-collector').entries()])
      if (pod === name) return text;
    return '';
  };
  return list.items
    .filter((p) => !isReady(p))
    .map((p) => {
      const c = p.status.containerStatuses?.[0];
      const state = Object.entries(c?.state ?? {})
        .map(([k, v]) => `${k}${v.reason === undefined ? '' : `(${v.reason})`}`)
        .join(',');
      const tail = logsOf(p.metadata.name).trim().split('\n').slice(-5).join('\n          ');
      return `${p.metadata.name} phase=${p.status.phase ?? '-'} node=${p.spec.nodeName ?? '-'} ip=${p.status.podIP ?? '-'} state=${state || '-'} restarts=${c?.restartCount ?? 0}\n          ${eventsOf(p.metadata.name)}\n          ${kubeletLines(p.metadata.name)}\n          ${tail}`;
    })
    .join('\n        ');
}
const countIn = (text: string, needle: string): number => text.split(needle).length - 1;

// ------------------------------------------------------------------ load
interface LoadRun {
  readonly child: ChildProcess;
  readonly csv: string;
  readonly done: Promise<string>;
}
function startLoad(addr: string, id: string, rate = RATE): LoadRun {
  const csv = join(mkdtempSync(join(tmpdir(), 'e2e-load-')), 'calls.csv');
  const child = spawn(
    LOADGEN,
    ['load', '-addr', addr, '-id', id, '-rate', String(rate), '-conns', '8', '-out', csv],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const done = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`loadgen exit ${String(code)}: ${out}`));
    });
  });
  return { child, csv, done };
}
interface Call {
  readonly startMs: number;
  readonly latencyMs: number;
  readonly code: string;
  readonly attempts: number;
  /** Index of the client connection the call used. */
  readonly conn: number;
  /** The pod kube-proxy sent that connection to (conntrack), '' when unknown. */
  readonly podIP: string;
}
async function stopLoad(load: LoadRun): Promise<Call[]> {
  load.child.kill('SIGTERM');
  await load.done;
  return readFileSync(load.csv, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [s = '0', lat = '0', code = '', att = '0', conn = '-1', , podIP = ''] = l.split(',');
      return {
        startMs: Number(s),
        latencyMs: Number(lat) / 1000,
        code,
        attempts: Number(att),
        conn: Number(conn),
        podIP,
      };
    });
}
function p99(calls: readonly Call[]): number {
  if (calls.length === 0) return 0;
  const sorted = calls.map((c) => c.latencyMs).sort((a, b) => a - b);
  return (
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0) * 10) /
    10
  );
}
function loadMetrics(calls: readonly Call[], m: Metrics, from: number, to: number): number {
  const window = calls.filter((c) => c.startMs >= from && c.startMs <= to);
  const failed = calls.filter((c) => c.code !== 'OK');
  m.calls = calls.length;
  m.failed_calls = failed.length;
  m.retried_calls = calls.filter((c) => c.attempts > 1).length;
  m.calls_per_second = Math.round(window.length / Math.max(0.001, (to - from) / 1000));
  if (failed.length > 0) m.failed_codes = [...new Set(failed.map((c) => c.code))].join(',');
  return m.calls_per_second;
}

/**
 * Where and when calls failed, for the failure message: per connection and pod, the count, the
 * codes and the span of start times in seconds after `t0`.
 */
function failedCallsDetail(calls: readonly Call[], t0: number): string {
  const groups = new Map<string, Call[]>();
  for (const c of calls.filter((x) => x.code !== 'OK')) {
    const key = `conn ${c.conn} -> ${c.podIP === '' ? '?' : c.podIP}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const at = (ms: number): string => `${((ms - t0) / 1000).toFixed(1)}s`;
  return [...groups.entries()]
    .map(([key, cs]) => {
      const codes = [...new Set(cs.map((c) => `${c.code}/${c.attempts}att`))].join(',');
      const first = Math.min(...cs.map((c) => c.startMs));
      const last = Math.max(...cs.map((c) => c.startMs));
      return `${key}: ${cs.length} failed (${codes}) started ${at(first)}..${at(last)}`;
    })
    .join('; ');
}

/**
 * Polls the service's pods every 500 ms and keeps each change (IP, node, Ready, terminating) with
 * its time after `t0`: the timeline a failure message needs to be read.
 */
function watchPods(ns: string, t0: number): { stop: () => Promise<string[]> } {
  const lines: string[] = [];
  const last = new Map<string, string>();
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      const pods = await servicePods(ns).catch(() => [] as Pod[]);
      const seen = new Set<string>();
      for (const p of pods) {
        seen.add(p.metadata.name);
        const state = `ip=${p.status.podIP ?? '-'} node=${p.spec.nodeName ?? '-'} ready=${String(isReady(p))}${p.metadata.deletionTimestamp === undefined ? '' : ' terminating'}`;
        if (last.get(p.metadata.name) !== state) {
          last.set(p.metadata.name, state);
          lines.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${p.metadata.name} ${state}`);
        }
      }
      for (const name of [...last.keys()].filter((n) => !seen.has(n))) {
        last.delete(name);
        lines.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${name} gone`);
      }
      await sleep(500);
    }
  })();
  return {
    stop: async () => {
      state.running = false;
      await loop;
      return lines;
    },
  };
}

async function loadgen(args: readonly string[]): Promise<string> {
  const r = await run(LOADGEN, args);
  check(r.code === 0, `loadgen ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** kubectl args that give the Consul StatefulSet the kwok taint's toleration. */
function consulToleration(ns: string): string[] {
  const toleration = { key: KWOK_TAINT, operator: 'Exists', effect: 'NoSchedule' };
  return [
    'patch',
    'statefulset',
    'consul-server',
    '-n',
    ns,
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'add', path: '/spec/template/spec/tolerations', value: [toleration] }]),
  ];
}

// ------------------------------------------------------------------ the Pulumi CLI path
/** The manifest digest containerd gave an imported image, tagged on every node as repo@digest. */
async function digestReference(image: string): Promise<string> {
  let digest = '';
  for (let i = 1; i <= REAL_NODES; i++) {
    const sock = join(NODE_DIR, `n${i}`, 'containerd.sock');
    const ls = await run('ctr', [
      '--address',
      sock,
      '-n',
      'k8s.io',
      'images',
      'ls',
      `name==${image}`,
    ]);
    const d = /sha256:[a-f0-9]{64}/.exec(ls.stdout.split('\n')[1] ?? '')?.[0];
    check(d !== undefined, `node ${i} has no image ${image}: ${ls.stdout}${ls.stderr}`);
    digest = d;
    const ref = `${REPOSITORY}@${d}`;
    const tag = await run('ctr', [
      '--address',
      sock,
      '-n',
      'k8s.io',
      'images',
      'tag',
      '--force',
      image,
      ref,
    ]);
    check(tag.code === 0, `ctr images tag ${image} ${ref}: ${tag.stderr}`);
  }
  return `${REPOSITORY}@${digest}`;
}

/** Every `$VAR` of the README's deploy block: the secrets of this run, the others a dummy value. */
function readmeVariables(readme: string, secrets: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readmeBlock(readme, 'deploy')) {
    for (const [, v = ''] of line.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g)) {
      if (!['STACK', 'KUBE_CONTEXT', 'IMAGE', 'PWD', 'HOME'].includes(v)) {
        out[v] = secrets[v] ?? `e2e-${v}-value`;
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ the suite
async function main(): Promise<void> {
  const secrets = Object.fromEntries(
    ['DB_PASSWORD', 'REDIS_PASSWORD', 'PAGE_TOKEN_SECRET'].map((k) => [
      k,
      readFileSync(join(SECRETS_DIR, k), 'utf8'),
    ]),
  );
  const nodes = await realNodes();
  log(
    `real nodes: ${nodes.join(', ')}; backing services on ${BACKING_IP} (pg ${PG_PORT}, redis ${REDIS_PORT})`,
  );
  const first = renderTo('e2e-1');
  const env = first.env;
  const ns = env.namespace;
  const image1 = `${REPOSITORY}:e2e-1`;
  const image2 = `${REPOSITORY}:e2e-2`;

  // kwok nodes keep only what tolerates them (Consul): service pods must run on real nodes
  const kwok = (await kubectlJson(['get', 'nodes', '-l', 'type=kwok'])) as {
    items: { metadata: { name: string } }[];
  };
  for (const n of kwok.items)
    await kubectl([
      'taint',
      'node',
      n.metadata.name,
      `${KWOK_TAINT}=true:NoSchedule`,
      '--overwrite',
    ]);
  await installCrds();

  let deployedAt = 0;
  const gitops = await checkStep(
    "gitops: server-side apply of the rendered dev (e2e overrides): 3 user-service replicas Ready on real nodes through the kubelet's gRPC probes",
    async (m) => {
      await createVolumesFor(renderEnvironment(env));
      await kubectl(['create', 'namespace', ns]);
      await kubectl(
        ['apply', '--server-side', '--field-manager=e2e-secrets', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'user-service-secrets', namespace: ns },
          stringData: secrets,
        }),
      );
      deployedAt = Date.now();
      await applyDir(first.dir);
      // Consul on the kwok nodes (the only pods that tolerate them)
      await kubectl(consulToleration(ns));
      const pods = await waitReady(ns, 3, image1, 180_000);
      m.ready_seconds = Math.round((Date.now() - deployedAt) / 100) / 10;
      m.replicas_ready = pods.length;
      m.nodes = [...new Set(pods.map((p) => p.spec.nodeName))].join(',');
      const probe = pods[0]?.spec.containers[0]?.readinessProbe?.grpc?.service;
      check(
        probe === 'user.v1.UserService',
        `readiness probe is not the gRPC one: ${String(probe)}`,
      );
      m.readiness_probe = `grpc:${probe}`;
    },
  );

  const firstDeploy =
    'first deploy of 3 replicas on an empty database: all Ready, restarts=0 (migrations raced by 3 pods)';
  if (!gitops) notRun(firstDeploy, 'gitops apply failed');
  else
    await checkStep(firstDeploy, async (m) => {
      const pods = await servicePods(ns);
      const restarts = pods.reduce(
        (s, p) => s + (p.status.containerStatuses?.[0]?.restartCount ?? 0),
        0,
      );
      m.restarts = restarts;
      m.pods = pods.length;
      const r = await run('psql', [
        '-h',
        BACKING_IP,
        '-p',
        String(PG_PORT),
        '-U',
        'user_service',
        '-d',
        'users',
        '-tAc',
        "select count(*) from information_schema.tables where table_schema='public'",
      ]);
      check(r.code === 0, `psql failed: ${r.stderr}`);
      m.tables = Number(r.stdout.trim());
      check(restarts === 0, `${restarts} container restarts`);
      check(m.tables > 0, 'no table in the database: migrations did not run');
    });

  const collector =
    'collector: Ready on a real node through its health_check extension (readiness probe on :13133)';
  let collectorPod = '';
  if (!gitops) notRun(collector, 'gitops apply failed');
  else
    await checkStep(collector, async (m) => {
      const t = Date.now();
      const pod = await waitFor('a Ready otel-collector pod', 120_000, async () => {
        const list = (await kubectlJson([
          'get',
          'pods',
          '-n',
          ns,
          '-l',
          'app.kubernetes.io/name=otel-collector',
        ])) as { items: Pod[] };
        return list.items.find(isReady);
      });
      collectorPod = pod.metadata.name;
      m.pod = collectorPod;
      m.node = pod.spec.nodeName ?? '';
      m.ready_wait_seconds = Math.round((Date.now() - t) / 100) / 10;
      const nodes = await realNodes();
      check(nodes.includes(m.node), `collector on ${m.node}, not a real node`);
    });

  let ip = '';
  let seedId = '';
  const reach =
    'ClusterIP: a client outside the cluster reaches the service through kube-proxy for gRPC and REST; CoreDNS resolves its name';
  if (!gitops) notRun(reach, 'not deployed');
  else
    await checkStep(reach, async (m) => {
      ip = await clusterIP(ns);
      m.cluster_ip = ip;
      let t = Date.now();
      seedId = await loadgen(['seed', '-addr', `${ip}:${env.ports.grpc}`]);
      m.grpc_create_ms = Date.now() - t;
      t = Date.now();
      const rest = await run('curl', [
        '-fsS',
        '--max-time',
        '5',
        `http://${ip}:${env.ports.http}/v1/users/${seedId}`,
      ]);
      m.rest_get_ms = Date.now() - t;
      check(
        rest.code === 0 && rest.stdout.includes(seedId),
        `REST GET /v1/users/${seedId}: ${rest.stderr}${rest.stdout}`,
      );
      const resolver = new Resolver();
      resolver.setServers([DNS_IP]);
      const name = `${NAMES.service}.${ns}.svc.cluster.local`;
      const addrs = await resolver.resolve4(name);
      m.dns = `${name}=${addrs.join(',')}`;
      check(addrs.includes(ip), `CoreDNS resolved ${name} to ${addrs.join(',')}, not ${ip}`);
    });

  const spans =
    'spans of traced calls (CreateUser through the Service) arrive at the collector (debug exporter output)';
  if (seedId === '' || collectorPod === '') notRun(spans, 'service or collector not up');
  else
    await checkStep(spans, async (m) => {
      const t = Date.now();
      const text = await waitFor('CreateUser spans in the collector log', 60_000, () => {
        const log = podLogs(ns, 'otel-collector').get(collectorPod) ?? '';
        return Promise.resolve(log.includes('CreateUser') ? log : undefined);
      });
      m.seconds_to_first_span = Math.round((Date.now() - t) / 100) / 10;
      m.spans_logged = countIn(text, 'Span #');
      m.service_name_seen = text.includes('user-service');
      check(m.service_name_seen, 'no service.name user-service in the exported spans');
    });

  const tokens =
    'page tokens: a token issued by one replica is accepted by the others (pages through the Service until >1 pod served)';
  if (seedId === '') notRun(tokens, 'service not reachable');
  else
    await checkStep(tokens, async (m) => {
      for (let i = 0; i < 11; i++) await loadgen(['seed', '-addr', `${ip}:${env.ports.grpc}`]);
      const before = podLogs(ns);
      let rounds = 0;
      let served: string[] = [];
      let out = '';
      for (; rounds < 10; rounds++) {
        out = await loadgen(['pages', '-addr', `${ip}:${env.ports.grpc}`, '-size', '3']);
        const after = podLogs(ns);
        served = [...after.entries()]
          .filter(
            ([pod, text]) =>
              countIn(text, 'ListUsers') > countIn(before.get(pod) ?? '', 'ListUsers'),
          )
          .map(([pod]) => pod);
        if (served.length > 1) break;
      }
      const summary = JSON.parse(out) as { pages: number; users: number };
      m.pages = summary.pages;
      m.users = summary.users;
      m.pods_served = served.length;
      m.rounds = rounds + 1;
      check(summary.users >= 12, `listed ${summary.users} users, want >= 12`);
      check(served.length > 1, `only ${served.length} pod served the pages`);
    });

  const rollout = `rolling update under load: ${RATE} GetUser calls/s through the Service while the image tag changes e2e-1 -> e2e-2 (GitOps apply)`;
  if (seedId === '') notRun(rollout, 'service not reachable');
  else
    await checkStep(rollout, async (m) => {
      const load = startLoad(`${ip}:${env.ports.grpc}`, seedId);
      await sleep(10_000);
      const rolloutStart = Date.now();
      const timeline = watchPods(ns, rolloutStart);
      await applyDir(renderTo('e2e-2').dir);
      await kubectl([
        'rollout',
        'status',
        '-n',
        ns,
        `deployment/${NAMES.deployment}`,
        '--timeout=240s',
      ]);
      await waitReady(ns, 3, image2, 60_000);
      const rolloutEnd = Date.now();
      await sleep(3_000);
      const calls = await stopLoad(load);
      const pods = await timeline.stop();
      const rate = loadMetrics(calls, m, rolloutStart - 10_000, rolloutEnd);
      m.rollout_seconds = Math.round((rolloutEnd - rolloutStart) / 100) / 10;
      m.p99_ms_steady = p99(calls.filter((c) => c.startMs < rolloutStart));
      m.p99_ms_rollout = p99(
        calls.filter((c) => c.startMs >= rolloutStart && c.startMs <= rolloutEnd),
      );
      const digests = new Set(
        (await servicePods(ns)).map((p) => p.status.containerStatuses?.[0]?.imageID),
      );
      m.image_ids = digests.size;
      check(
        m.failed_calls === 0,
        `${m.failed_calls} failed calls (${String(m.failed_codes)}); times after the apply: ` +
          `${failedCallsDetail(calls, rolloutStart)}\n      pods:\n        ${pods.join('\n        ')}`,
      );
      check(rate >= 200, `only ${rate} calls/s`);
    });

  const kill =
    "kill one pod's container under load: the kubelet restarts it, readiness gates traffic, 0 failed calls (client: UNAVAILABLE retried, 4 attempts, 50..500 ms; waitForReady within the 5 s deadline)";
  if (seedId === '') notRun(kill, 'service not reachable');
  else
    await checkStep(kill, async (m) => {
      const pods = (await servicePods(ns)).filter(isReady);
      const victim = pods[0];
      check(victim !== undefined, 'no Ready pod');
      const before = victim.status.containerStatuses?.[0]?.restartCount ?? 0;
      const id = (victim.status.containerStatuses?.[0]?.containerID ?? '').replace(
        'containerd://',
        '',
      );
      const nodeIndex = Number((victim.spec.nodeName ?? '').replace('e2e-real-', ''));
      const load = startLoad(`${ip}:${env.ports.grpc}`, seedId);
      await sleep(5_000);
      const t0 = Date.now();
      const k = await run('ctr', [
        '--address',
        join(NODE_DIR, `n${nodeIndex}`, 'containerd.sock'),
        '-n',
        'k8s.io',
        'tasks',
        'kill',
        '-s',
        'SIGKILL',
        id,
      ]);
      check(k.code === 0, `ctr tasks kill ${id}: ${k.stderr}`);
      await waitFor('the killed container restarted and Ready', 120_000, async () => {
        const p = (await servicePods(ns)).find((x) => x.metadata.name === victim.metadata.name);
        return p !== undefined &&
          (p.status.containerStatuses?.[0]?.restartCount ?? 0) > before &&
          isReady(p)
          ? p
          : undefined;
      });
      m.restart_to_ready_seconds = Math.round((Date.now() - t0) / 100) / 10;
      await sleep(3_000);
      const calls = await stopLoad(load);
      loadMetrics(calls, m, t0 - 5_000, Date.now());
      m.p99_ms = p99(calls);
      check(
        m.failed_calls === 0,
        `${m.failed_calls} failed calls (${String(m.failed_codes)}); ${failedCallsDetail(calls, t0)}`,
      );
    });

  const drain =
    'kubectl drain of a real node holding service pods respects the PDB (maxUnavailable 1) and loses no call';
  if (seedId === '') notRun(drain, 'service not reachable');
  else if (REAL_NODES < 2) notRun(drain, `needs 2 real nodes, have ${REAL_NODES}`);
  else
    await checkStep(drain, async (m) => {
      const pods = (await servicePods(ns)).filter(isReady);
      const counts = new Map<string, number>();
      for (const p of pods)
        counts.set(p.spec.nodeName ?? '', (counts.get(p.spec.nodeName ?? '') ?? 0) + 1);
      const [target] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
      check(target !== undefined, 'no pods');
      m.node = target[0];
      m.pods_on_node = target[1];
      const load = startLoad(`${ip}:${env.ports.grpc}`, seedId);
      await sleep(5_000);
      const t0 = Date.now();
      let minReady = 3;
      const watching = { on: true };
      const watcher = (async () => {
        while (watching.on) {
          const ready = (await servicePods(ns)).filter(isReady).length;
          minReady = Math.min(minReady, ready);
          await sleep(250);
        }
      })();
      const d = await run('kubectl', [
        'drain',
        target[0],
        '--ignore-daemonsets',
        '--delete-emptydir-data',
        '--timeout=180s',
      ]);
      await waitReady(ns, 3, image2, 120_000);
      watching.on = false;
      await watcher;
      m.drain_seconds = Math.round((Date.now() - t0) / 100) / 10;
      m.min_ready_during_drain = minReady;
      await sleep(3_000);
      const calls = await stopLoad(load);
      await kubectl(['uncordon', target[0]]);
      loadMetrics(calls, m, t0 - 5_000, Date.now());
      m.p99_ms = p99(calls);
      check(d.code === 0, `kubectl drain failed: ${d.stderr}`);
      check(minReady >= 2, `Ready replicas fell to ${minReady} (PDB maxUnavailable 1 allows 2)`);
      check(
        m.failed_calls === 0,
        `${m.failed_calls} failed calls (${String(m.failed_codes)}); ${failedCallsDetail(calls, t0)}`,
      );
    });

  await checkStep(
    'consul stays on the kwok nodes; the service serves with Consul unreachable',
    async (m) => {
      const pods = (await kubectlJson([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        'app.kubernetes.io/name=consul',
      ])) as { items: Pod[] };
      m.consul_pods = pods.items.length;
      m.consul_nodes = [...new Set(pods.items.map((p) => p.spec.nodeName))].join(',');
      const text = [...podLogs(ns).values()].join('');
      m.consul_registration_failures_logged = countIn(text, 'consul registration failed');
      check(
        pods.items.every((p) => (p.spec.nodeName ?? '').startsWith('kwok-')),
        'a Consul pod is not on a kwok node',
      );
    },
  );
  const pulumiName =
    'pulumi up through the CLI (README "deploy" lines, digest-pinned image) on a project copy with the same e2e settings: 3 replicas Ready on real nodes through the gRPC probes, served through the Service';
  if (!gitops) notRun(pulumiName, 'gitops path failed');
  else
    await checkStep(pulumiName, async (m) => {
      await deleteNamespaces([ns]);
      await deleteVolumes();
      await createVolumesFor(renderEnvironment(env));
      const runDir = mkdtempSync(join(tmpdir(), 'e2e-node-pulumi-'));
      const project = copyProject(REPOSITORY_ROOT, join(runDir, 'project'));
      // the e2e settings, appended to the scratch copy's environments (the checkout is untouched)
      appendFileSync(
        join(project, 'charts', 'config', 'environments.ts'),
        `\n// appended by test/e2e/node/src/suite.ts in a scratch copy\nObject.assign(environments.dev, ${JSON.stringify(e2eOverrides('e2e-1').dev)});\n`,
      );
      const cacheHome = required('PULUMI_HOME');
      const home = join(runDir, 'pulumi-home');
      mkdirSync(home, { recursive: true });
      symlinkSync(join(cacheHome, 'plugins'), join(home, 'plugins'));
      const readme = readFileSync(join(project, 'README.md'), 'utf8');
      const cliEnv: NodeJS.ProcessEnv = {
        ...process.env,
        ...readmeVariables(readme, secrets),
        PULUMI_HOME: home,
        PULUMI_SKIP_UPDATE_CHECK: 'true',
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      };
      delete cliEnv.PULUMI_BACKEND_URL;
      const shell = new Shell(project, cliEnv, join(runDir, 'commands.log'));
      const image = await digestReference(image1);
      m.image_digest = image.replace(/^.*@/, '');
      const context = (await run('kubectl', ['config', 'current-context'])).stdout.trim();
      const t = Date.now();
      // Consul goes to the kwok nodes here too: the same toleration, patched in as soon as
      // Pulumi has created the StatefulSet (its await waits for Consul's rollout)
      const patching = { on: true, done: false };
      const patcher = (async () => {
        while (patching.on && !patching.done) {
          patching.done = (await run('kubectl', consulToleration(ns))).code === 0;
          await sleep(1000);
        }
      })();
      const runs = await shell
        .block(readme, 'deploy', {
          STACK: 'dev',
          KUBE_CONTEXT: context,
          IMAGE: image,
        })
        .catch(async (e: unknown) => {
          const why = await podDiagnostics(ns);
          throw new Error(
            `${e instanceof Error ? e.message : String(e)}\n      unready pods:\n        ${why}`,
          );
        })
        .finally(() => {
          patching.on = false;
        });
      await patcher;
      const up = runs.find((r) => r.command.startsWith('pulumi up'));
      m.up_seconds = Math.round((up?.seconds ?? 0) * 10) / 10;
      const pods = await waitReady(ns, 3, '', 180_000);
      m.ready_seconds = Math.round((Date.now() - t) / 100) / 10;
      m.nodes = [...new Set(pods.map((p) => p.spec.nodeName))].join(',');
      const probe = pods[0]?.spec.containers[0]?.readinessProbe?.grpc?.service;
      check(
        probe === 'user.v1.UserService',
        `readiness probe is not the gRPC one: ${String(probe)}`,
      );
      const id = await loadgen(['seed', '-addr', `${await clusterIP(ns)}:${env.ports.grpc}`]);
      m.created_through_service = id !== '';
    });

  writeReport();
  process.exitCode = results.every((r) => r.passed) ? 0 : 1;
}

main().catch((e: unknown) => {
  log(`suite aborted: ${e instanceof Error ? e.message : String(e)}`);
  results.push({ name: 'suite', passed: false, seconds: 0, metrics: {}, error: String(e) });
  writeReport();
  process.exitCode = 1;
});

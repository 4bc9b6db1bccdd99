/**
 * `npm run policy` on a copy of dist/prod (written here exactly as `npm run synth` writes it),
 * then on copies with one violation each.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadEnvironments } from '../../charts/config/load';
import { renderEnvironments } from '../../charts/synth/render';
import { environmentFiles } from '../../charts/synth/write';
import { runPolicyCli } from './main';

type Json = Record<string, unknown>;

const prod = renderEnvironments(loadEnvironments()).find((r) => r.environment.name === 'prod');
if (prod === undefined) throw new Error('no prod environment');
const PROD_FILES = environmentFiles(prod);

function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runPolicyCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('npm run policy', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-cli-'));
    for (const [name, content] of PROD_FILES) writeFileSync(join(dir, name), content);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const edit = (file: string, change: (o: Json) => void) => {
    const o = parse(readFileSync(join(dir, file), 'utf8')) as Json;
    change(o);
    writeFileSync(join(dir, file), stringify(o));
  };
  const container = (o: Json) =>
    ((o.spec as Json).template as { spec: { containers: Json[] } }).spec.containers[0] as Json;

  it('exits 0 on dist/prod and skips kustomization.yaml', () => {
    const r = run([dir]);
    expect(r.stdout).toContain('0 errors');
    expect(r.stdout).toContain('environment prod, target gitops');
    expect(r.code).toBe(0);
  });

  it('exits 1 and names pss-privileged for a privileged container', () => {
    edit('deployment-user-service.yaml', (o) => {
      (container(o).securityContext as Json).privileged = true;
    });
    const r = run([dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR +pss-privileged +Deployment\/user-service[\s\S]*containers\[0\]\.securityContext\.privileged/,
    );
  });

  it('exits 1 and names image-tag (and image-digest) for a latest tag', () => {
    edit('deployment-user-service.yaml', (o) => {
      container(o).image = 'registry.example.com/platform/user-service:latest';
    });
    const r = run([dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR +image-tag .*\n.*containers\[0\]\.image/);
    expect(r.stdout).toMatch(/ERROR +image-digest /);
  });

  it('exits 1 and names secret-plaintext for a Secret with data', () => {
    writeFileSync(
      join(dir, 'secret-user-service-secrets.yaml'),
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'user-service-secrets',
          namespace: 'user-service-prod',
          labels: { 'app.kubernetes.io/name': 'user-service' },
        },
        stringData: { DB_PASSWORD: 'hunter2' },
      }),
    );
    const r = run([dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR +secret-plaintext +Secret\/user-service-secrets[\s\S]*stringData/,
    );
  });

  it('exits 1 and names hpa-no-static-replicas for spec.replicas under the HPA', () => {
    edit('deployment-user-service.yaml', (o) => {
      (o.spec as Json).replicas = 3;
    });
    const r = run([dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR +hpa-no-static-replicas +Deployment\/user-service[\s\S]*spec\.replicas/,
    );
  });

  it('reads multi-document files and nested folders, and lists exemptions', () => {
    const nested = join(dir, 'extra');
    mkdirSync(nested);
    const latest = {
      ...(parse(PROD_FILES.get('deployment-user-service.yaml') ?? '') as Json),
    };
    const d = structuredClone(latest);
    (d.metadata as Json).annotations = {
      ...((d.metadata as Json).annotations as Json | undefined),
      'exempt.user-platform.example.com/image-tag': 'third-party image only published as latest',
    };
    writeFileSync(
      join(nested, 'multi.yaml'),
      `${stringify({ not: 'kubernetes' })}---\n${stringify(d)}`,
    );
    const r = run([dir, '--format', 'json']);
    const report = JSON.parse(r.stdout) as {
      summary: { objects: number; errors: number };
      exemptions: { ruleId: string; reason: string; waived: unknown[] }[];
    };
    expect(report.summary.objects).toBe(PROD_FILES.size); // + 1 new object, - kustomization.yaml
    expect(report.exemptions).toEqual([
      expect.objectContaining({
        ruleId: 'image-tag',
        reason: 'third-party image only published as latest',
        waived: [],
      }),
    ]);
    expect(r.code).toBe(0);
  });

  it('writes SARIF 2.1.0 with one result per finding', () => {
    edit('deployment-user-service.yaml', (o) => {
      container(o).image = 'registry.example.com/platform/user-service:latest';
    });
    const r = run(['--format', 'sarif', dir]);
    const sarif = JSON.parse(r.stdout) as {
      version: string;
      runs: { tool: { driver: { rules: { id: string }[] } }; results: Json[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const run0 = sarif.runs[0];
    expect(run0?.tool.driver.rules.map((x) => x.id)).toContain('image-tag');
    expect(run0?.results.map((x) => x.ruleId).sort()).toEqual(['image-digest', 'image-tag']);
    expect(r.code).toBe(1);
  });

  it('writes the report to --output and a summary to stderr', () => {
    const file = join(dir, 'report.txt');
    const r = run([dir, '--output', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('0 errors');
    expect(readFileSync(file, 'utf8')).toContain('exemptions (0)');
  });

  it.each([
    [['--frobnicate', 'x'], /Unknown option '--frobnicate'/],
    [['--format', 'xml', 'x'], /--format must be one of text, json, sarif, got "xml"/],
    [['--env', 'qa', 'x'], /--env must be one of dev, staging, prod, got "qa"/],
    [[], /name at least one folder or file/],
    [['/no/such/folder'], /cannot read \/no\/such\/folder: ENOENT/],
  ])('exits 2 with a clear message for %j', (argv, message) => {
    const r = run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('usage: npm run policy');
  });

  it('exits 2 for a folder without Kubernetes objects and for broken YAML', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(
      join(empty, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
    );
    expect(run([empty]).stderr).toMatch(/no Kubernetes objects in/);
    writeFileSync(join(dir, 'broken.yaml'), 'kind: [unclosed\n');
    const r = run([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml: document 1 is not valid YAML/);
  });
});

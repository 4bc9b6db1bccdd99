import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { compliant, containerOf, set, type Mutable } from '../test/fixtures';
import { PolicyValidation } from './plugin';

const ROOT = resolve(__dirname, '../..');

// cdk8s-cli exports only `cdk8s-cli/plugins`; its ValidationContext (with the real report) is
// loaded by file path so the test judges exactly the report `cdk8s synth` prints.
type ValidationModule = typeof import('cdk8s-cli/lib/plugins/validation');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ValidationContext } = require(
  join(ROOT, 'node_modules/cdk8s-cli/lib/plugins/validation.js'),
) as ValidationModule;

function writeManifests(dir: string, objects: readonly Mutable[]): string {
  const file = join(dir, 'all.yaml');
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return file;
}

describe('the cdk8s validation plugin', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdk8s-plugin-'));
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits success for compliant manifests', async () => {
    const file = writeManifests(dir, compliant().all);
    const context = new ValidationContext([file], 'policies', '0.1.0');
    await new PolicyValidation().validate(context);
    expect(context.report.success).toBe(true);
    expect(context.report.toJson().violations).toEqual([]);
  });

  it('fails with one violation per rule that names object, file and field', async () => {
    const f = compliant();
    set(containerOf(f.deployment), 'securityContext.privileged', true);
    const file = writeManifests(dir, f.all);
    const context = new ValidationContext([file], 'policies', '0.1.0');
    await new PolicyValidation().validate(context);
    expect(context.report.success).toBe(false);
    expect(context.report.toJson().violations).toEqual([
      expect.objectContaining({
        ruleName: 'pss-privileged (error)',
        violatingConstructs: [
          expect.objectContaining({
            resourceName: 'Deployment/shop (shop-prod)',
            manifestPath: expect.stringContaining('all.yaml') as unknown,
            locations: [
              'spec.template.spec.containers[0].securityContext.privileged: container "shop" is privileged',
            ],
          }),
        ],
      }),
    ]);
  });

  it('rejects bad properties from cdk8s.yaml with a clear error', () => {
    expect(() => new PolicyValidation({ target: 'helm' })).toThrow(
      'policies plugin: target must be gitops or pulumi, got "helm"',
    );
    expect(() => new PolicyValidation({ environment: 'qa' })).toThrow(/got "qa"/);
  });

  it('loads from cdk8s.yaml and makes `cdk8s synth` exit 2 with the report (offline)', async () => {
    const f = compliant();
    set(containerOf(f.deployment), 'securityContext.privileged', true);
    const manifest = writeManifests(dir, f.all);
    const outdir = join(dir, 'out');
    const run = promisify(execFile);
    const error = await run(
      'npx',
      [
        'cdk8s',
        'synth',
        '--no-check-upgrade',
        '--output',
        outdir,
        '--app',
        `mkdir -p "$CDK8S_OUTDIR" && cp ${manifest} "$CDK8S_OUTDIR/"`,
      ],
      { cwd: ROOT },
    ).then(
      () => undefined,
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    );
    expect(error?.code).toBe(2);
    expect(error?.stdout).toContain('pss-privileged (error)');
    expect(error?.stdout).toContain('spec.template.spec.containers[0].securityContext.privileged');
    expect(error?.stderr).toContain('Validation failed');
  });
});

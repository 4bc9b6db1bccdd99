/**
 * `npx cdk8s synth --no-check-upgrade` through the real cdk8s CLI (node_modules/cdk8s-cli) in a
 * scratch copy of this repository: a good synth writes dist/ and exits 0; a bad setting exits 1
 * naming the environment and field, and leaves dist/ exactly as it was (the CLI deletes only
 * its scratch output folder, .cdk8s/out).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readTree } from '../gitops/cli/tree';

const ROOT = resolve(__dirname, '../..');
const COPY = [
  'cdk8s.yaml',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts',
  // charts/model/contract.ts reads the service's env-var contract.
  'services/user-service/configs/env-contract.json',
  'services/user-service/configs/metrics.json',
];

function cdk8sSynth(cwd: string) {
  const cli = join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
  const run = spawnSync(process.execPath, [cli, 'synth', '--no-check-upgrade'], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

describe('npx cdk8s synth --no-check-upgrade (the real CLI)', () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'cdk8s-cli-'));
    for (const f of COPY) cpSync(join(ROOT, f), join(repo, f), { recursive: true });
    for (const folder of ['charts', 'policies']) {
      cpSync(join(ROOT, folder), join(repo, folder), {
        recursive: true,
        filter: (src) => !src.includes('__snapshots__') && !src.endsWith('.test.ts'),
      });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  });
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
  });

  it('writes dist/ and exits 0; a bad setting exits 1 naming it and leaves dist/ intact', () => {
    const good = cdk8sSynth(repo);
    expect({ status: good.status, output: good.output }).toEqual({
      status: 0,
      output: expect.stringContaining('.cdk8s/out/prod/kustomization.yaml') as unknown,
    });
    const before = readTree(join(repo, 'dist'));
    expect([...before.keys()]).toEqual(
      expect.arrayContaining([
        'prod/kustomization.yaml',
        'staging/kustomization.yaml',
        'dev/kustomization.yaml',
        'gitops/flux/source.yaml',
      ]),
    );
    // The validations read the scratch copy, which holds the same files.
    expect(readTree(join(repo, '.cdk8s', 'out'))).toEqual(before);

    appendFileSync(
      join(repo, 'charts', 'config', 'environments.ts'),
      '\nenvironments.prod.autoscaling = { ...environments.prod.autoscaling, maxReplicas: 0 };\n',
    );
    const bad = cdk8sSynth(repo);
    expect(bad.status).toBe(1);
    expect(bad.output).toMatch(/prod: autoscaling\.maxReplicas: /);
    expect(existsSync(join(repo, 'dist'))).toBe(true);
    expect(readTree(join(repo, 'dist'))).toEqual(before);
  }, 300_000);
});

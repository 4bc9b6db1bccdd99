import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allSecrets } from './testing/scenario';

const SCRIPT = join(__dirname, 'testing', 'run-like-pulumi.js');
const TYPESCRIPT = (
  JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const PREBUILT = `registry.example.com/platform/user-service@sha256:${'f'.repeat(64)}`;

interface RunOutput {
  readonly typescript: string;
  readonly tsNode: string;
  readonly outputs: Record<string, unknown>;
  readonly resources: readonly string[];
}

/**
 * The program as `pulumi up` loads it: Pulumi's ts-node setup with Pulumi.yaml's tsconfig, the
 * infra/ folder as entry point, the exported function run inside the Stack (see
 * testing/run-like-pulumi.js), in a process of its own.
 */
const KUBECONFIG_FIXTURE = join(__dirname, 'testing', 'fixtures', 'kubeconfig.yaml');

describe("the program under Pulumi's TypeScript runtime", () => {
  it('loads with the project typescript and the ts-node Pulumi vendors, and deploys in prebuilt mode', () => {
    const stdout = execFileSync(
      process.execPath,
      [
        SCRIPT,
        JSON.stringify({
          stack: 'prod',
          config: {
            environment: 'prod',
            'kubernetes.context': 'prod',
            'image.prebuilt': PREBUILT,
            ...allSecrets(),
          },
        }),
      ],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, KUBECONFIG: KUBECONFIG_FIXTURE },
      },
    );
    const result = JSON.parse(stdout) as RunOutput;
    expect(result.typescript).toBe(TYPESCRIPT);
    expect(result.typescript).not.toBe('3.8.3');
    expect(result.tsNode).toBe('7.0.1');
    expect(result.outputs).toMatchObject({
      environment: 'prod',
      imageRef: PREBUILT,
      namespace: 'user-service-prod',
    });
    expect(result.resources).toEqual(
      expect.arrayContaining([
        'pulumi:pulumi:Stack::user-service-platform-prod',
        'user-service:platform:Environment::user-service-prod',
        'pulumi:providers:kubernetes::kubernetes',
        'kubernetes:apps/v1:Deployment::deployment-user-service',
      ]),
    );
    expect(result.resources.filter((r) => r.includes('docker'))).toEqual([]);
  });

  it('fails on bad config with the message naming stack and key, and a non-zero exit', () => {
    const run = spawnSync(
      process.execPath,
      [SCRIPT, JSON.stringify({ stack: 'dev', config: { environment: 'dev' } })],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'stack dev: invalid configuration:\n  - user-service-platform:kubernetes.context: required',
    );
  });
});

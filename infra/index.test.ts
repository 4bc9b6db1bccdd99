import { join } from 'node:path';
import run from './index';
import { mockStack } from './testing/pulumi-mocks';
import { PROJECT, allSecrets } from './testing/scenario';

const VALID = {
  environment: 'dev',
  'kubernetes.context': 'ctx-dev',
  'image.prebuilt': `registry.example.com/platform/user-service@sha256:${'a'.repeat(64)}`,
  ...allSecrets(),
};

/** Runs the program entry point with this config; returns its error and what it registered. */
async function failure(
  config: Record<string, string>,
): Promise<{ message: string; registered: number }> {
  const registrations = await mockStack(PROJECT, 'dev', config);
  const error = await run().then(
    () => new Error('the program did not fail'),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return { message: error.message, registered: registrations.length };
}

const previousKubeconfig = process.env.KUBECONFIG;
beforeAll(() => {
  process.env.KUBECONFIG = join(__dirname, 'testing', 'fixtures', 'kubeconfig.yaml');
});
afterAll(() => {
  if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = previousKubeconfig;
});

function without(key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== key));
}

describe('bad stack config stops the program before any resource', () => {
  it.each([
    [
      'no config at all',
      {},
      [
        `${PROJECT}:environment: required: one of dev, staging, prod`,
        `${PROJECT}:kubernetes.context: required`,
      ],
    ],
    [
      'an unknown environment',
      { ...VALID, environment: 'qa' },
      [`${PROJECT}:environment: must be one of dev, staging, prod`],
    ],
    [
      'a tag instead of a digest',
      { ...VALID, 'image.prebuilt': 'registry.example.com/platform/user-service:1.0.0' },
      [`${PROJECT}:image.prebuilt: must be "<registry>/<repository>@sha256:<64 hex digits>"`],
    ],
    [
      'a bad repository',
      { ...VALID, 'image.prebuilt': `Registry Example/x@sha256:${'a'.repeat(64)}` },
      [`${PROJECT}:image.prebuilt: the part before "@" must be an image repository`],
    ],
    [
      'a misspelt key',
      { ...VALID, 'secrets.dbPasword': 'x' },
      [`${PROJECT}:secrets.dbPasword: unknown key`],
    ],
    [
      'a relative kubeconfig path',
      { ...VALID, 'kubernetes.kubeconfig': 'kube/config' },
      [`${PROJECT}:kubernetes.kubeconfig: must be an absolute path`],
    ],
    [
      'no cluster to deploy to',
      without('kubernetes.context'),
      [`${PROJECT}:kubernetes.context: required: set kubernetes.context or kubernetes.kubeconfig`],
    ],
    [
      'a missing database password',
      without('secrets.dbPassword'),
      [
        `${PROJECT}:secrets.dbPassword: required by Secret user-service-dev/user-service-secrets (key DB_PASSWORD)`,
      ],
    ],
    [
      'an empty Redis password',
      { ...VALID, 'secrets.redisPassword': ' ' },
      [`${PROJECT}:secrets.redisPassword: must not be empty`],
    ],
  ])('%s', async (_, config, expected) => {
    const { message, registered } = await failure(config);
    expect(message).toMatch(/^stack dev: invalid configuration:\n/);
    for (const part of expected) expect(message).toContain(part);
    expect(registered).toBe(0);
  });

  it('runs with the valid config (the cases above differ from it in one key each)', async () => {
    const registrations = await mockStack(PROJECT, 'dev', VALID);
    const outputs = await run();
    expect(outputs.namespace).toBe('user-service-dev');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(registrations.length).toBeGreaterThan(5);
  });
});

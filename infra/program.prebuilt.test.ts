import { join } from 'node:path';
import { REPOSITORY_ROOT } from './config/stack-config';
import { asRecord } from './kubernetes/objects';
import { promiseOf } from './testing/pulumi-mocks';
import { allSecrets, deployScenario, type Scenario } from './testing/scenario';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const PREBUILT = `ci.registry.example/platform/user-service@${DIGEST}`;

describe('stack staging with a prebuilt image (what CI does)', () => {
  let scenario: Scenario;

  beforeAll(async () => {
    scenario = await deployScenario('staging', {
      environment: 'staging',
      'kubernetes.kubeconfig': '/etc/kube/staging.yaml',
      'image.prebuilt': PREBUILT,
      ...allSecrets(),
    });
  });

  it('builds nothing: no docker-build provider, image or Image component', () => {
    const types = scenario.registrations.map((r) => r.type);
    expect(types.filter((t) => t.includes('docker-build') || t.endsWith(':Image'))).toEqual([]);
    expect(types).toContain('kubernetes:apps/v1:Deployment');
  });

  it('runs exactly the configured reference', () => {
    const deployment = scenario.registrations.find((r) => r.name === 'deployment-user-service');
    const spec = asRecord(asRecord(asRecord(deployment?.inputs.spec)?.template)?.spec);
    const containers = (spec?.containers ?? []) as { name: string; image: string }[];
    expect(containers.map((c) => [c.name, c.image])).toContainEqual(['user-service', PREBUILT]);
  });

  it('points the provider at the configured kubeconfig, kept secret', () => {
    const provider = scenario.registrations.find((r) => r.type === 'pulumi:providers:kubernetes');
    expect(provider?.inputs.kubeconfig).toEqual(
      expect.objectContaining({ value: '/etc/kube/staging.yaml' }),
    );
    expect(provider?.inputs).not.toHaveProperty('context');
  });

  it('outputs the prebuilt reference and digest', async () => {
    expect(await promiseOf(scenario.result.outputs.imageRef)).toBe(PREBUILT);
    expect(await promiseOf(scenario.result.outputs.imageDigest)).toBe(DIGEST);
  });
});

describe('stack dev rendering YAML instead of applying', () => {
  it('gives its provider the folder, resolved against the repository', async () => {
    const scenario = await deployScenario('dev', {
      environment: 'dev',
      'kubernetes.renderYamlTo': 'rendered/dev',
      'image.prebuilt': PREBUILT,
      ...allSecrets(),
    });
    const provider = scenario.registrations.find((r) => r.type === 'pulumi:providers:kubernetes');
    const folder = join(REPOSITORY_ROOT, 'rendered', 'dev');
    expect(provider?.inputs).toMatchObject({ renderYamlToDirectory: folder });
    expect(scenario.result.outputs.renderedTo).toBe(folder);
  });
});

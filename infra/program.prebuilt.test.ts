import { join } from 'node:path';
import type { KubeObject } from '../charts/synth/render';
import { REPOSITORY_ROOT, parseStackConfig } from './config/stack-config';
import { checkRegistryDigest } from './image/verify-prebuilt';
import { assertNoPlaintextSecretRendered } from './program';
import { asRecord } from './kubernetes/objects';
import { promiseOf, registryDigests } from './testing/pulumi-mocks';
import { PROJECT, allSecrets, deployScenario, type Scenario } from './testing/scenario';

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

  it('builds nothing and loads no docker provider: no image, no Image component', () => {
    const types = scenario.registrations.map((r) => r.type);
    expect(types.filter((t) => t.includes('docker') || t.endsWith(':Image'))).toEqual([]);
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

describe('image.verifyPrebuilt', () => {
  const config = {
    environment: 'staging',
    'kubernetes.kubeconfig': '/etc/kube/staging.yaml',
    'image.prebuilt': PREBUILT,
    'image.verifyPrebuilt': 'true',
    ...allSecrets(),
  };
  afterEach(() => {
    registryDigests.clear();
  });

  it('asks the registry (docker.getRegistryImage) and deploys the digest it has', async () => {
    registryDigests.set(PREBUILT, DIGEST);
    const scenario = await deployScenario('staging', config);
    expect(await promiseOf(scenario.result.outputs.imageRef)).toBe(PREBUILT);
    const types = scenario.registrations.map((r) => r.type);
    expect(types).toContain('pulumi:providers:docker');
    expect(types.filter((t) => t.startsWith('docker:'))).toEqual([]);
  });

  it('stops when the registry has another digest for it', () => {
    const other = `sha256:${'e'.repeat(64)}`;
    expect(() => checkRegistryDigest(PREBUILT, DIGEST, other)).toThrow(
      `image.prebuilt ${PREBUILT}: the registry reports digest ${other}, not ${DIGEST}`,
    );
    expect(checkRegistryDigest(PREBUILT, DIGEST, DIGEST)).toBe(PREBUILT);
  });
});

describe('stack dev rendering YAML instead of applying', () => {
  const render = {
    environment: 'dev',
    'kubernetes.context': 'user-platform-dev',
    'kubernetes.renderYamlTo': 'rendered/dev',
    'image.prebuilt': PREBUILT,
  };
  const previousKubeconfig = process.env.KUBECONFIG;
  beforeAll(() => {
    process.env.KUBECONFIG = '/tmp/some-exported-kubeconfig';
  });
  afterAll(() => {
    if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previousKubeconfig;
  });

  it('gives a render-only provider the folder: no context, no $KUBECONFIG, no secrets needed', async () => {
    const scenario = await deployScenario('dev', render);
    const provider = scenario.registrations.find((r) => r.type === 'pulumi:providers:kubernetes');
    const folder = join(REPOSITORY_ROOT, 'rendered', 'dev');
    expect(provider?.inputs).toMatchObject({ renderYamlToDirectory: folder, kubeconfig: '' });
    expect(provider?.inputs).not.toHaveProperty('context');
    expect(scenario.result.outputs.renderedTo).toBe(folder);
  });

  it('renders the ExternalSecrets, no Secret, without the opt-in', async () => {
    const scenario = await deployScenario('dev', { ...render, ...allSecrets() });
    const types = scenario.registrations.map((r) => r.type);
    expect(types).not.toContain('kubernetes:core/v1:Secret');
    expect(types).toContain('kubernetes:external-secrets.io/v1:ExternalSecret');
  });

  it('renders the Secrets with kubernetes.renderYamlSecrets true', async () => {
    const scenario = await deployScenario('dev', {
      ...render,
      'kubernetes.renderYamlSecrets': 'true',
      ...allSecrets(),
    });
    const types = scenario.registrations.map((r) => r.type);
    expect(types).toContain('kubernetes:core/v1:Secret');
    expect(types).not.toContain('kubernetes:external-secrets.io/v1:ExternalSecret');
  });
});

describe('assertNoPlaintextSecretRendered', () => {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'user-service-secrets', namespace: 'user-service-dev' },
    data: { DB_PASSWORD: 'cA==' },
  };
  const options = { project: PROJECT, stack: 'dev', repositoryRoot: '/repo' };
  const configOf = (values: Record<string, string>) =>
    parseStackConfig(
      Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, v])),
      options,
    );

  it('refuses a Secret rendered to disk without the opt-in, naming the stack and the setting', () => {
    const config = configOf({ environment: 'dev', 'kubernetes.renderYamlTo': 'out' });
    expect(() => {
      assertNoPlaintextSecretRendered(config, [secret]);
    }).toThrow(
      'stack dev: invalid configuration:\n  - user-service-platform:kubernetes.renderYamlSecrets: rendering to /repo/out would write Secret user-service-dev/user-service-secrets with its values in plain text',
    );
  });

  it('allows it with the opt-in, and always when applying to a cluster', () => {
    const optIn = configOf({
      environment: 'dev',
      'kubernetes.renderYamlTo': 'out',
      'kubernetes.renderYamlSecrets': 'true',
    });
    const apply = configOf({ environment: 'dev', 'kubernetes.context': 'c' });
    expect(() => {
      assertNoPlaintextSecretRendered(optIn, [secret]);
      assertNoPlaintextSecretRendered(apply, [secret]);
    }).not.toThrow();
  });
});

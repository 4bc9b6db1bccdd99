import { ENVIRONMENT_NAMES } from '../charts/config/schema';
import { imageReference } from '../charts/constructs/user-service';
import type { KubeObject } from '../charts/synth/render';
import { loadEnvironments } from '../charts/config/load';
import { secretSourceOf } from './config/secret-sources';
import { ENVIRONMENT_TYPE } from './components/environment';
import { IMAGE_TYPE, pushedReference } from './image/user-service-image';
import { asRecord, resourceName } from './kubernetes/objects';
import {
  BUILT_DIGEST,
  DOCKER_IMAGE_TYPE,
  promiseOf,
  secretValue,
  type Registration,
} from './testing/pulumi-mocks';
import {
  PROJECT,
  allSecrets,
  deployScenario,
  secretValueOf,
  synthesizedObjects,
  type Scenario,
} from './testing/scenario';

const REGISTRY = 'registry.test.example/platform/user-service';

function kubernetesObjects(registrations: readonly Registration[]): Registration[] {
  return registrations.filter((r) => r.custom && r.type.startsWith('kubernetes:'));
}

/** Registered inputs with secret values unwrapped (their secrecy is asserted separately). */
function plain(value: unknown): unknown {
  const secret = secretValue(value);
  if (secret !== undefined) return plain(secret);
  if (Array.isArray(value)) return value.map(plain);
  const record = asRecord(value);
  if (record === undefined) return value;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The value the Secret should hold for a store key: the configured stack secret. */
function storeValue(secretKey: string): string {
  const source = secretSourceOf(secretKey);
  if (source === undefined) throw new Error(`test: no stack secret for ${secretKey}`);
  return secretValueOf(source);
}

/**
 * What Pulumi should deploy instead of an ExternalSecret: a Secret with its target name,
 * namespace and labels, and its keys filled from the stack secrets (templates rendered).
 */
function expectedSecret(externalSecret: KubeObject): KubeObject {
  const spec = externalSecret.spec as {
    target?: { name?: string; template?: { data?: Record<string, string> } };
    data: { secretKey: string }[];
  };
  const template = spec.target?.template?.data;
  const data =
    template === undefined
      ? Object.fromEntries(spec.data.map((d) => [d.secretKey, base64(storeValue(d.secretKey))]))
      : Object.fromEntries(
          Object.entries(template).map(([key, text]) => [
            key,
            base64(text.replace(/\{\{ \.(\w+) \}\}/g, (_, k: string) => storeValue(k))),
          ]),
        );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: spec.target?.name ?? externalSecret.metadata.name,
      namespace: externalSecret.metadata.namespace,
      labels: externalSecret.metadata.labels,
    },
    type: 'Opaque',
    data,
  };
}

describe.each(ENVIRONMENT_NAMES.map((name) => [name]))('stack %s (build mode)', (stack) => {
  const env = loadEnvironments().find((e) => e.name === stack);
  if (env === undefined) throw new Error(`no environment ${stack}`);
  const chartImage = imageReference(env.image);
  const builtRef = `${REGISTRY}@${BUILT_DIGEST}`;
  let scenario: Scenario;
  let objects: Registration[];

  beforeAll(async () => {
    scenario = await deployScenario(stack, {
      environment: stack,
      'kubernetes.context': `ctx-${stack}`,
      'image.repository': REGISTRY,
      ...allSecrets(),
    });
    objects = kubernetesObjects(scenario.registrations);
  });

  function only(kind: string, name: string): Registration {
    const found = objects.filter((r) => r.name === `${kind.toLowerCase()}-${name}`);
    expect(found).toHaveLength(1);
    return found[0] as Registration;
  }

  it('registers the objects npm run synth writes, except the image and the secrets', () => {
    const expected = synthesizedObjects(stack).map((o) => {
      if (o.kind === 'ExternalSecret') return expectedSecret(o);
      return JSON.parse(
        JSON.stringify(o).replaceAll(`"${chartImage}"`, `"${builtRef}"`),
      ) as KubeObject;
    });
    expect(expected.some((o) => o.kind === 'Secret')).toBe(true);
    const byName = (list: readonly { name: string; object: unknown }[]) =>
      Object.fromEntries(list.map((e) => [e.name, e.object]));
    expect(byName(objects.map((r) => ({ name: r.name, object: plain(r.inputs) })))).toEqual(
      byName(expected.map((o) => ({ name: resourceName(o), object: o }))),
    );
  });

  it('deploys no ExternalSecret, and secret values only inside Secret data marked secret', () => {
    expect(objects.filter((r) => r.type.endsWith(':ExternalSecret'))).toEqual([]);
    const secrets = objects.filter((r) => r.type === 'kubernetes:core/v1:Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(Object.keys(asRecord(secretValue(secret.inputs.data)) ?? {}).length).toBeGreaterThan(
        0,
      );
    }
    const leaks = Object.values(allSecrets()).flatMap((value) => [value, base64(value)]);
    for (const resource of scenario.registrations) {
      const visible = JSON.stringify({
        ...resource.inputs,
        data: secrets.includes(resource) ? null : resource.inputs.data,
      });
      for (const leak of leaks)
        expect({ resource: resource.name, leaks: visible.includes(leak) }).toEqual({
          resource: resource.name,
          leaks: false,
        });
    }
  });

  it('builds with docker.Image: BuildKit, linux/amd64, registry cache, pushed by tag', () => {
    const images = scenario.registrations.filter((r) => r.type === DOCKER_IMAGE_TYPE);
    expect(images).toHaveLength(1);
    expect(images[0]?.inputs).toEqual({
      imageName: `${REGISTRY}:${env.version}`,
      build: {
        builderVersion: 'BuilderBuildKit',
        context: 'services/user-service',
        dockerfile: 'services/user-service/Dockerfile',
        platform: 'linux/amd64',
        args: { VERSION: env.version, BUILDKIT_INLINE_CACHE: '1' },
        cacheFrom: { images: [`${REGISTRY}:${env.version}`] },
      },
      skipPush: false,
      buildOnPreview: false,
    });
  });

  it('runs the pushed repoDigest (never the tag) and waits for the build', () => {
    const image = scenario.registrations.find((r) => r.type === DOCKER_IMAGE_TYPE);
    const deployment = only('Deployment', 'user-service');
    const containers = (
      plain(deployment.inputs) as {
        spec: { template: { spec: { containers: { name: string; image: string }[] } } };
      }
    ).spec.template.spec.containers;
    const running = containers.find((c) => c.name === 'user-service')?.image;
    expect(running).toBe(builtRef);
    expect(running).not.toBe(image?.inputs.imageName);
    expect(deployment.dependencies).toContain(image?.urn);
  });

  it('sends every resource through explicit providers, Kubernetes with server-side apply', () => {
    const providers = scenario.registrations.filter((r) => r.type.startsWith('pulumi:providers:'));
    expect(providers.map((p) => p.type).sort()).toEqual([
      'pulumi:providers:docker',
      'pulumi:providers:kubernetes',
    ]);
    const kubernetes = providers.find((p) => p.type === 'pulumi:providers:kubernetes');
    expect(kubernetes?.inputs).toMatchObject({
      context: `ctx-${stack}`,
      enableServerSideApply: 'true',
      clusterIdentifier: `user-service-${stack}`,
    });
    for (const resource of scenario.registrations.filter(
      (r) => r.custom && !providers.includes(r),
    )) {
      const expected = resource.type.startsWith('kubernetes:') ? kubernetes : providers[0];
      expect({ resource: resource.name, provider: resource.provider }).toEqual({
        resource: resource.name,
        provider: `${expected?.urn ?? ''}::${expected?.name ?? ''}-id`,
      });
    }
  });

  it('groups the objects under one Environment component with readable URNs', () => {
    const component = scenario.registrations.find((r) => r.type === ENVIRONMENT_TYPE);
    expect(component?.name).toBe(`user-service-${stack}`);
    expect(scenario.registrations.find((r) => r.type === IMAGE_TYPE)?.name).toBe('user-service');
    for (const object of objects) expect(object.parent).toBe(component?.urn);
    expect(only('Deployment', 'user-service').urn).toBe(
      `urn:pulumi:${stack}::${PROJECT}::${ENVIRONMENT_TYPE}$kubernetes:apps/v1:Deployment::deployment-user-service`,
    );
  });

  it('creates the namespace first, settings before the Deployment, the Deployment before its HPA', () => {
    const namespace = only('Namespace', env.namespace);
    for (const object of objects.filter((o) => o !== namespace)) {
      expect({
        object: object.name,
        waitsForNamespace: object.dependencies.includes(namespace.urn),
      }).toEqual({
        object: object.name,
        waitsForNamespace: true,
      });
    }
    const deployment = only('Deployment', 'user-service');
    expect(deployment.dependencies).toEqual(
      expect.arrayContaining([
        only('ConfigMap', 'user-service-config').urn,
        only('Secret', 'user-service-secrets').urn,
        only('ServiceAccount', 'user-service').urn,
      ]),
    );
    expect(only('HorizontalPodAutoscaler', 'user-service-hpa').dependencies).toContain(
      deployment.urn,
    );
    const order = objects.map((o) => o.name);
    expect(order.indexOf(namespace.name)).toBe(0);
  });

  it('leaves the replica count to the HPA', () => {
    const spec = asRecord(plain(only('Deployment', 'user-service').inputs.spec));
    expect(spec).toBeDefined();
    expect(spec).not.toHaveProperty('replicas');
  });

  it('outputs the image and the in-cluster addresses', async () => {
    const { outputs } = scenario.result;
    expect(await promiseOf(outputs.imageRef)).toBe(builtRef);
    expect(await promiseOf(outputs.imageDigest)).toBe(BUILT_DIGEST);
    expect(outputs).toMatchObject({
      environment: stack,
      namespace: env.namespace,
      grpcAddress: `user-service.${env.namespace}.svc.cluster.local:50051`,
      httpAddress: `user-service.${env.namespace}.svc.cluster.local:8080`,
    });
  });
});

describe('pushedReference', () => {
  const repository = 'registry.test.example/platform/user-service';
  it('accepts repository@sha256 of the pushed repository', () => {
    expect(pushedReference(`${repository}@${BUILT_DIGEST}`, repository)).toBe(
      `${repository}@${BUILT_DIGEST}`,
    );
  });
  it.each([
    [`${repository}:1.0.0`],
    [BUILT_DIGEST],
    [`other.example/user-service@${BUILT_DIGEST}`],
  ])('refuses %s', (repoDigest) => {
    expect(() => pushedReference(repoDigest, repository)).toThrow(
      `image ${repository}: the build returned "${repoDigest}"`,
    );
  });
});

describe('stack prod protection', () => {
  it('protects the Namespace and the StatefulSets, nothing else', async () => {
    const scenario = await deployScenario('prod', {
      environment: 'prod',
      'kubernetes.context': 'ctx-prod',
      'image.prebuilt': `${REGISTRY}@${BUILT_DIGEST}`,
      ...allSecrets(),
    });
    const objects = kubernetesObjects(scenario.registrations);
    const protectedNames = objects.filter((r) => r.protect).map((r) => r.name);
    expect(protectedNames.sort()).toEqual([
      'namespace-user-service-prod',
      'statefulset-consul-server',
    ]);
  });

  it.each([['dev'], ['staging']])('protects nothing in %s', async (stack) => {
    const scenario = await deployScenario(stack, {
      environment: stack,
      'kubernetes.context': `ctx-${stack}`,
      'image.prebuilt': `${REGISTRY}@${BUILT_DIGEST}`,
      ...allSecrets(),
    });
    expect(scenario.registrations.filter((r) => r.protect).map((r) => r.name)).toEqual([]);
  });
});

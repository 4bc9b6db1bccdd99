import { get, only, synthConstruct, environment } from '../../test/support/objects';
import { deepMerge } from '../config/merge';
import type { Environment } from '../config/schema';
import { NAMES } from '../model/contract';
import { imageReference, UserService } from './user-service';

function build(env: Environment) {
  return synthConstruct((chart) => new UserService(chart, 'svc', { environment: env }));
}

describe('UserService', () => {
  it('produces the article objects with stable human names', () => {
    const objects = build(environment('prod'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/user-service-config',
        'Deployment/user-service',
        'ExternalSecret/user-service-secrets',
        'HorizontalPodAutoscaler/user-service-hpa',
        'NetworkPolicy/user-service',
        'PodDisruptionBudget/user-service-pdb',
        'Service/user-service',
        'ServiceAccount/user-service',
      ].sort(),
    );
  });

  it('puts every object in the environment namespace with the recommended labels', () => {
    for (const o of build(environment('staging'))) {
      expect(o.metadata.namespace).toBe('user-service-staging');
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'user-service',
        'app.kubernetes.io/instance': 'user-service',
        'app.kubernetes.io/version': '1.0.0',
        'app.kubernetes.io/component': 'api',
        'app.kubernetes.io/part-of': 'user-platform',
        'app.kubernetes.io/managed-by': 'cdk8s',
      });
    }
  });

  it('lets the HPA own the replica count', () => {
    expect(get(only(build(environment('prod')), 'Deployment'), 'spec', 'replicas')).toBeUndefined();
  });

  it('adds a PDB only where the minimum replica count is 2 or more', () => {
    const one = deepMerge(environment('dev'), { autoscaling: { minReplicas: 1 } });
    const two = deepMerge(environment('dev'), { autoscaling: { minReplicas: 2 } });
    expect(build(one).some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(only(build(two), 'PodDisruptionBudget', NAMES.pdb)).toBeDefined();
  });

  it('deploys staging and prod by digest and dev by tag', () => {
    const image = (env: Environment) =>
      get(only(build(env), 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'image');
    expect(image(environment('prod'))).toMatch(/@sha256:[a-f0-9]{64}$/);
    expect(image(environment('staging'))).toMatch(/@sha256:[a-f0-9]{64}$/);
    expect(image(environment('dev'))).toBe('registry.example.com/platform/user-service:1.1.0-dev');
  });

  it('keeps the drain setting and the grace period in step', () => {
    const env = deepMerge(environment('prod'), { shutdown: { drainSeconds: 42 } });
    const objects = build(env);
    expect(get(only(objects, 'ConfigMap'), 'data', 'SHUTDOWN_DRAIN_SECONDS')).toBe('42');
    expect(
      get(only(objects, 'Deployment'), 'spec', 'template', 'spec', 'terminationGracePeriodSeconds'),
    ).toBeGreaterThan(42);
  });

  it('rolls the pods when a setting changes', () => {
    const checksum = (env: Environment) =>
      get(
        only(build(env), 'Deployment'),
        'spec',
        'template',
        'metadata',
        'annotations',
        'checksum/config',
      );
    const prod = environment('prod');
    expect(checksum(prod)).toBe(checksum(prod));
    expect(checksum(prod)).not.toBe(checksum(deepMerge(prod, { logLevel: 'debug' })));
  });

  it('opens egress to Postgres and Redis and ingress to the service ports', () => {
    const np = only(build(environment('prod')), 'NetworkPolicy', NAMES.networkPolicy);
    const egressPorts = (get(np, 'spec', 'egress') as { ports: { port: number }[] }[]).flatMap(
      (r) => r.ports.map((p) => p.port),
    );
    expect(egressPorts).toEqual([53, 53, 5432, 6379]);
    const ingressPorts = (get(np, 'spec', 'ingress', 0, 'ports') as { port: number }[]).map(
      (p) => p.port,
    );
    expect(ingressPorts).toEqual([50051, 8080]);
  });

  it('refers to an image by digest when it has one, else by tag', () => {
    const base = { repository: 'r/x', requireDigest: false, pullPolicy: 'Always' as const };
    expect(imageReference({ ...base, tag: '1', digest: 'sha256:' + 'b'.repeat(64) })).toBe(
      'r/x@sha256:' + 'b'.repeat(64),
    );
    expect(imageReference({ ...base, tag: '1' })).toBe('r/x:1');
    expect(() => imageReference(base)).toThrow('neither a tag nor a digest');
  });
});

import { issuesOf, withOverride, type Override } from '../../test/support/settings';
import { environments } from './environments';
import { loadEnvironments, selectEnvironments } from './load';
import { deepMerge } from './merge';

describe('environment settings', () => {
  it('loads dev, staging and prod with the article defaults where they are not overridden', () => {
    const all = loadEnvironments();
    expect(all.map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
    const prod = all.find((e) => e.name === 'prod');
    expect(prod?.autoscaling).toEqual({
      minReplicas: 3,
      maxReplicas: 20,
      cpuUtilization: 70,
      memoryUtilization: 80,
    });
    expect(prod?.resources.requests).toMatchObject({ cpu: '100m', memory: '64Mi' });
    expect(prod?.resources.limits).toMatchObject({ cpu: '500m', memory: '256Mi' });
    for (const env of all.filter((e) => e.name !== 'dev')) {
      expect(env.image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(env.image.requireDigest).toBe(true);
    }
  });

  it.each<[string, 'dev' | 'staging' | 'prod', Override, string]>([
    [
      'min > max',
      'prod',
      { autoscaling: { minReplicas: 5, maxReplicas: 4 } },
      'prod: autoscaling.maxReplicas: must be greater than minReplicas (5)',
    ],
    [
      'min = max',
      'staging',
      { autoscaling: { minReplicas: 4, maxReplicas: 4 } },
      'staging: autoscaling.maxReplicas',
    ],
    [
      'negative CPU',
      'dev',
      { resources: { requests: { cpu: '-100m' } } },
      'dev: resources.requests.cpu: must be a CPU quantity',
    ],
    [
      'malformed memory',
      'prod',
      { resources: { limits: { memory: '256MB' } } },
      'prod: resources.limits.memory: must be a byte quantity',
    ],
    [
      'exponent quantity',
      'prod',
      { resources: { limits: { ephemeralStorage: '1e3' } } },
      'prod: resources.limits.ephemeralStorage',
    ],
    [
      'requests above limits',
      'prod',
      { resources: { requests: { memory: '512Mi' } } },
      'prod: resources.requests.memory: 512Mi exceeds limits.memory 256Mi',
    ],
    [
      'latest in prod',
      'prod',
      { image: { tag: 'latest' } },
      'prod: image.tag: "latest" is a mutable tag',
    ],
    [
      'malformed digest',
      'prod',
      { image: { digest: 'sha256:abc' } },
      'prod: image.digest: must be "sha256:"',
    ],
    ['port clash', 'prod', { ports: { http: 50051 } }, 'prod: ports.http: port clash'],
    ['privileged port', 'dev', { ports: { grpc: 80 } }, 'dev: ports.grpc: must be >= 1024'],
    [
      'sampling ratio above 1',
      'dev',
      { tracing: { samplingRatio: 1.5 } },
      'dev: tracing.samplingRatio',
    ],
    ['negative drain', 'prod', { shutdown: { drainSeconds: -1 } }, 'prod: shutdown.drainSeconds'],
    [
      'bad namespace',
      'prod',
      { namespace: 'User_Service' },
      'prod: namespace: must be a DNS-1123 label',
    ],
    [
      'bad egress CIDR',
      'prod',
      { database: { egressCidrs: ['10.0.0.0/33'] } },
      'prod: database.egressCidrs.0',
    ],
    ['unknown field', 'prod', { replicas: 3 } as Override, 'prod: (root): Unrecognized key'],
  ])('rejects %s, naming the environment and the field', (_label, env, override, expected) => {
    expect(issuesOf(withOverride(env, override))).toContain(expected);
  });

  it('rejects a staging image referenced by a mutable tag only', () => {
    const message = issuesOf({
      ...environments,
      staging: { ...environments.staging, image: { tag: '1.0.0' } },
    });
    expect(message).toContain(
      'staging: image.digest: required: this environment deploys images by digest',
    );
  });

  it('reports every bad field of every environment at once', () => {
    const message = issuesOf({
      ...environments,
      dev: deepMerge(environments.dev, { logLevel: 'verbose' as 'debug' }),
      prod: deepMerge(environments.prod, { autoscaling: { maxReplicas: 1 } }),
    });
    expect(message).toContain('dev: logLevel');
    expect(message).toContain('prod: autoscaling.maxReplicas');
  });

  it('rejects an environment name it does not know', () => {
    const message = issuesOf({ ...environments, qa: { namespace: 'user-service-qa' } });
    expect(message).toContain('qa: name: unknown environment (known: dev, staging, prod)');
  });

  it('selects environments by name and rejects unknown names', () => {
    const all = loadEnvironments();
    expect(selectEnvironments(all, ['prod']).map((e) => e.name)).toEqual(['prod']);
    expect(selectEnvironments(all, []).length).toBe(3);
    expect(() => selectEnvironments(all, ['prod', 'qa'])).toThrow(/qa: name: unknown environment/);
  });
});

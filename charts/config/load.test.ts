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
    [
      'a pool that exceeds the connection budget at the HPA maximum',
      'prod',
      { database: { maxConns: 25 } },
      'prod: database.connectionBudget: (autoscaling.maxReplicas 20 + rollout surge 1) x ' +
        'database.maxConns 25 + database.reservedConnections 5 = 530 connections exceed the ' +
        'budget of 300',
    ],
    [
      'an HPA maximum that exceeds the connection budget',
      'staging',
      { autoscaling: { maxReplicas: 10 } },
      'staging: database.connectionBudget: (autoscaling.maxReplicas 10 + rollout surge 1)',
    ],
    [
      'pulling a digest image on every start',
      'prod',
      { image: { pullPolicy: 'Always' } },
      'prod: image.pullPolicy: must be "IfNotPresent" with a digest',
    ],
    [
      'a caller namespace that is no DNS label',
      'prod',
      { ingressCallers: [{ namespace: 'Front_End' }] },
      'prod: ingressCallers.0.namespace: must be a DNS-1123 label',
    ],
    [
      'a caller with an empty pod label set',
      'prod',
      { ingressCallers: [{ namespace: 'web', podLabels: {} }] },
      'prod: ingressCallers.0.podLabels: must name at least one label',
    ],
    [
      'the same caller twice',
      'staging',
      { ingressCallers: [{ namespace: 'web' }, { namespace: 'web' }] },
      'staging: ingressCallers.1: duplicate caller web',
    ],
    [
      'a gateway hostname that is an IP address or has a port',
      'prod',
      { gateway: { hostnames: ['users.example.com:443'] } },
      'prod: gateway.hostnames.0: must be a DNS hostname',
    ],
    [
      'a gateway without hostnames',
      'prod',
      { gateway: { hostnames: [] } },
      'prod: gateway.hostnames: Too small',
    ],
    [
      'a relative path prefix',
      'staging',
      { gateway: { pathPrefix: 'v1' } },
      'staging: gateway.pathPrefix: must be an absolute path',
    ],
    [
      'a scrape interval Consul drops its gauges within',
      'prod',
      { monitoring: { scrapeInterval: '60s' } },
      "prod: monitoring.scrapeInterval: must be shorter than Consul's " +
        'telemetry.prometheus_retention_time (60s)',
    ],
    [
      'an empty Prometheus pod label set',
      'dev',
      { monitoring: { podLabels: {} } },
      'dev: monitoring.podLabels: must name at least one label',
    ],
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

  it.each(['staging', 'prod'] as const)(
    'rejects an empty ingress list in %s unless a gateway is the only caller',
    (name) => {
      const withoutGateway = { ...environments[name] };
      delete withoutGateway.gateway;
      const message = issuesOf({
        ...environments,
        [name]: { ...withoutGateway, ingressCallers: [] },
      });
      expect(message).toContain(
        `${name}: ingressCallers: must list the callers (namespace and, where known, podLabels) ` +
          'outside dev, unless a gateway is the only caller (set gateway)',
      );
      const gatewayOnly = loadEnvironments(withOverride(name, { ingressCallers: [] }));
      expect(gatewayOnly.find((e) => e.name === name)?.ingressCallers).toEqual([]);
    },
  );

  it('accepts an empty ingress list in dev (nobody but Consul calls)', () => {
    const all = loadEnvironments(withOverride('dev', { ingressCallers: [] }));
    expect(all.find((e) => e.name === 'dev')?.ingressCallers).toEqual([]);
  });

  it('defaults the gateway path prefix to /v1', () => {
    const gateway = { ...environments.prod.gateway };
    delete gateway.pathPrefix;
    const all = loadEnvironments({ ...environments, prod: { ...environments.prod, gateway } });
    expect(all.find((e) => e.name === 'prod')?.gateway?.pathPrefix).toBe('/v1');
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

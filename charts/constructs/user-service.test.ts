import { get, only, synthConstruct, environment } from '../../test/support/objects';
import { deepMerge } from '../config/merge';
import type { Environment } from '../config/schema';
import { NAMES } from '../model/contract';
import type { KubeObject } from '../synth/render';
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
        'HTTPRoute/user-service',
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

  const containerOf = (objects: readonly KubeObject[]) =>
    get(only(objects, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0) as {
      env: { name: string; value?: string; valueFrom?: unknown }[];
      imagePullPolicy: string;
    };

  it('mounts its secrets as files and sets only the _FILE variables (no secret in env)', () => {
    const objects = build(environment('prod'));
    const es = only(objects, 'ExternalSecret', NAMES.secret);
    expect(get(es, 'spec', 'data')).toEqual([
      {
        secretKey: 'DB_PASSWORD',
        remoteRef: { key: 'prod/user-service', property: 'db-password' },
      },
      {
        secretKey: 'REDIS_PASSWORD',
        remoteRef: { key: 'prod/user-service', property: 'redis-password' },
      },
      {
        secretKey: 'PAGE_TOKEN_SECRET',
        remoteRef: { key: 'prod/user-service', property: 'page-token-secret' },
      },
    ]);
    // The paths are settings (ConfigMap); the values only exist in the mounted Secret.
    const data = get(only(objects, 'ConfigMap'), 'data') as Record<string, string>;
    expect(Object.entries(data).filter(([k]) => k.endsWith('_FILE'))).toEqual([
      ['DB_PASSWORD_FILE', '/var/run/secrets/user-service/DB_PASSWORD'],
      ['PAGE_TOKEN_SECRET_FILE', '/var/run/secrets/user-service/PAGE_TOKEN_SECRET'],
      ['REDIS_PASSWORD_FILE', '/var/run/secrets/user-service/REDIS_PASSWORD'],
    ]);
    const pod = get(only(objects, 'Deployment'), 'spec', 'template', 'spec');
    expect(get(pod, 'volumes', 1)).toEqual({
      name: 'secrets',
      secret: { secretName: 'user-service-secrets', defaultMode: 0o440 },
    });
    expect(get(pod, 'containers', 0, 'volumeMounts', 1)).toEqual({
      mountPath: '/var/run/secrets/user-service',
      name: 'secrets',
      readOnly: true,
    });
    expect(JSON.stringify(only(objects, 'Deployment'))).not.toContain('secretKeyRef');
    const names = containerOf(objects).env.map((e) => e.name);
    expect(names.filter((n) => /PASSWORD|TOKEN|SECRET/.test(n))).toEqual([]);
  });

  it('derives GOMEMLIMIT from the memory limit and takes POD_IP from the downward API', () => {
    const env = (e: Environment) => containerOf(build(e)).env;
    expect(env(environment('prod'))).toContainEqual({ name: 'GOMEMLIMIT', value: '204MiB' });
    const big = deepMerge(environment('prod'), { resources: { limits: { memory: '1Gi' } } });
    expect(env(big)).toContainEqual({ name: 'GOMEMLIMIT', value: '819MiB' });
    expect(env(environment('prod'))).toContainEqual({
      name: 'POD_IP',
      valueFrom: { fieldRef: { fieldPath: 'status.podIP' } },
    });
  });

  it('pulls digest images only when the node lacks them, dev tags always', () => {
    expect(containerOf(build(environment('prod'))).imagePullPolicy).toBe('IfNotPresent');
    expect(containerOf(build(environment('staging'))).imagePullPolicy).toBe('IfNotPresent');
    expect(containerOf(build(environment('dev'))).imagePullPolicy).toBe('Always');
  });

  type Ingress = { from?: Record<string, unknown>[]; ports: { port: number }[] }[];
  const ingressOf = (e: Environment) =>
    get(only(build(e), 'NetworkPolicy', NAMES.networkPolicy), 'spec', 'ingress') as Ingress;

  it('admits the listed callers (namespace and pods) and the gateway on http only', () => {
    const ingress = ingressOf(environment('prod'));
    expect(ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'frontend-prod' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web-bff' } },
          },
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'orders-prod' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'order-service' } },
          },
        ],
        ports: [
          { port: 50051, protocol: 'TCP' },
          { port: 8080, protocol: 'TCP' },
        ],
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } },
          },
        ],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ port: 9464, protocol: 'TCP' }],
      },
    ]);
  });

  it('admits the monitoring namespace of the settings on the metrics port only, when monitoring is on', () => {
    const elsewhere = deepMerge(environment('dev'), {
      ingressCallers: [],
      monitoring: { namespace: 'observability' },
    });
    expect(ingressOf(elsewhere)).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
          },
        ],
        ports: [{ port: 9464, protocol: 'TCP' }],
      },
    ]);
    const off = deepMerge(environment('dev'), {
      ingressCallers: [],
      monitoring: { enabled: false },
    });
    expect(ingressOf(off)).toEqual([]);
  });

  it('never admits every namespace: no callers, no gateway, no monitoring is no ingress rule', () => {
    const closed = deepMerge(environment('dev'), {
      ingressCallers: [],
      monitoring: { enabled: false },
    });
    expect(ingressOf(closed)).toEqual([]);
    for (const e of [environment('dev'), environment('staging'), environment('prod'), closed]) {
      expect(JSON.stringify(build(e))).not.toContain('"namespaceSelector":{}');
    }
  });

  it('publishes /v1 through the gateway of the settings, and nothing where it is unset', () => {
    const route = only(build(environment('staging')), 'HTTPRoute', NAMES.httpRoute);
    expect(get(route, 'spec')).toEqual({
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'public',
          namespace: 'gateway-system',
          sectionName: 'https',
        },
      ],
      hostnames: ['users.staging.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          backendRefs: [
            { group: '', kind: 'Service', name: 'user-service', port: 8080, weight: 1 },
          ],
        },
      ],
    });
    expect(build(environment('dev')).some((o) => o.kind === 'HTTPRoute')).toBe(false);
    const withLabels = deepMerge(environment('staging'), {
      gateway: { podLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } },
    });
    expect(ingressOf(withLabels)[1]?.from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } },
        podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } },
      },
    ]);
  });

  it('states the database connection budget for policy db-connection-budget', () => {
    const annotations = only(build(environment('prod')), 'Deployment').metadata.annotations;
    expect(annotations).toEqual({
      'user-platform.example.com/db-connection-budget': '300',
      'user-platform.example.com/db-connections-reserved': '5',
    });
  });

  it('stops when the pods at the HPA maximum would exceed the connection budget', () => {
    const over = deepMerge(environment('prod'), { database: { connectionBudget: 100 } });
    expect(() => build(over)).toThrow(
      'prod: database.connectionBudget: 215 connections at the HPA maximum exceed the budget of 100',
    );
  });
});

import { environment, get, only } from '../../test/support/objects';
import { deepMerge } from '../config/merge';
import type { Environment, EnvironmentName } from '../config/schema';
import { renderEnvironment, type KubeObject } from '../synth/render';

type Rule = { ports: { port: number }[]; to?: unknown[]; from?: unknown[] };

const settings = (objects: readonly KubeObject[]) =>
  get(only([...objects], 'ConfigMap', 'user-service-config'), 'data') as Record<string, string>;
const servicePolicy = (objects: readonly KubeObject[]) =>
  only([...objects], 'NetworkPolicy', 'user-service');
const egressPorts = (objects: readonly KubeObject[]) =>
  (get(servicePolicy(objects), 'spec', 'egress') as Rule[]).flatMap((r) =>
    r.ports.map((p) => p.port),
  );

function render(name: EnvironmentName, parts: { consul?: boolean; otel?: boolean } = {}) {
  const env: Environment = deepMerge(environment(name), {
    consul: { enabled: parts.consul ?? true },
    otel: { enabled: parts.otel ?? true },
  });
  return renderEnvironment(env);
}

/** The Service `host:port` points at, among the objects (fails when there is none). */
function serviceBehind(objects: readonly KubeObject[], address: string, namespace: string) {
  const match = /^(?:http:\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)$/.exec(address);
  expect(match?.[2]).toBe(namespace);
  const service = only([...objects], 'Service', match?.[1]);
  const ports = (get(service, 'spec', 'ports') as { port: number }[]).map((p) => p.port);
  expect(ports).toContain(Number(match?.[3]));
  return service;
}

describe.each<EnvironmentName>(['dev', 'staging', 'prod'])('environment %s', (name) => {
  const objects = render(name);
  const namespace = environment(name).namespace;

  it('runs Consul and the collector and points the service at their Services', () => {
    const s = settings(objects);
    expect(
      get(serviceBehind(objects, s.CONSUL_HTTP_ADDR ?? '', namespace), 'metadata', 'name'),
    ).toBe('consul');
    expect(
      get(
        serviceBehind(objects, s.OTEL_EXPORTER_OTLP_ENDPOINT ?? '', namespace),
        'metadata',
        'name',
      ),
    ).toBe('otel-collector');
    expect(only([...objects], 'StatefulSet', 'consul-server')).toBeDefined();
    expect(only([...objects], 'Deployment', 'otel-collector')).toBeDefined();
  });

  it('opens the service egress to exactly the Consul HTTP API and OTLP/gRPC', () => {
    expect(egressPorts(objects)).toEqual([53, 53, 5432, 6379, 4317, 8500]);
  });

  it('samples parent-based, every trace in dev and 10 % elsewhere', () => {
    expect(settings(objects).OTEL_TRACES_SAMPLER).toBe('parentbased_traceidratio');
    expect(settings(objects).OTEL_TRACES_SAMPLER_ARG).toBe(name === 'dev' ? '1' : '0.1');
    expect(settings(objects).OTEL_SERVICE_NAME).toBe('user-service');
  });

  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  const podLabelsOf = (w: KubeObject) =>
    get(w, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;

  it('protects every workload by a policy Polaris counts (missingNetworkPolicy)', () => {
    // Polaris v10 checks/missingNetworkPolicy.yaml: some NetworkPolicy of the namespace has
    // ingress and egress rules, both policy types, and matchLabels that satisfy exactly one
    // (oneOf) of "has pod label k with value v" over the pod's labels.
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(workloads.length).toBeGreaterThanOrEqual(3);
    for (const w of workloads) {
      const labels = podLabelsOf(w);
      const counted = policies.filter((p) => {
        const match = get(p, 'spec', 'podSelector', 'matchLabels') as
          Record<string, string> | undefined;
        if (match === undefined) return false;
        const satisfied = Object.entries(labels).filter(([k, v]) => match[k] === v).length;
        const ingress = get(p, 'spec', 'ingress') as unknown[] | undefined;
        const egress = get(p, 'spec', 'egress') as unknown[] | undefined;
        const types = get(p, 'spec', 'policyTypes') as string[];
        return (
          satisfied === 1 &&
          (ingress?.length ?? 0) > 0 &&
          (egress?.length ?? 0) > 0 &&
          types.includes('Ingress') &&
          types.includes('Egress')
        );
      });
      expect([w.metadata.name, counted.length]).toEqual([w.metadata.name, 1]);
    }
  });

  it('honours taints and node affinity in every hard topology spread (all workloads)', () => {
    type Spread = { whenUnsatisfiable: string; nodeTaintsPolicy?: string };
    const spreads = workloads.flatMap(
      (w) => get(w, 'spec', 'template', 'spec', 'topologySpreadConstraints') as Spread[],
    );
    const hard = spreads.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    if (name !== 'dev') expect(hard.length).toBeGreaterThanOrEqual(2);
    for (const c of hard) {
      expect(c).toMatchObject({ nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' });
    }
  });

  it('gives the service the Consul token as a file exactly where ACLs are on', () => {
    const acl = environment(name).consul.acl;
    expect(settings(objects).CONSUL_HTTP_TOKEN_FILE).toBe(
      acl ? '/var/run/secrets/user-service/CONSUL_HTTP_TOKEN' : undefined,
    );
    const keys = (
      get(only([...objects], 'ExternalSecret', 'user-service-secrets'), 'spec', 'data') as {
        secretKey: string;
      }[]
    ).map((d) => d.secretKey);
    expect(keys.includes('CONSUL_HTTP_TOKEN')).toBe(acl);
    const service = only([...objects], 'Deployment', 'user-service');
    expect(JSON.stringify(service)).not.toMatch(/secretKeyRef|"name":"CONSUL_HTTP_TOKEN"/);
  });

  it('gives every new workload the instance label of its own name', () => {
    for (const kind of ['StatefulSet', 'Deployment']) {
      for (const o of objects.filter((x) => x.kind === kind)) {
        expect(o.metadata.labels?.['app.kubernetes.io/instance']).toBe(o.metadata.name);
      }
    }
  });
});

describe('switching a part off', () => {
  it.each<[string, { consul?: boolean; otel?: boolean }, RegExp]>([
    ['Consul', { consul: false }, /consul/i],
    ['the collector', { otel: false }, /otel/i],
    ['both', { consul: false, otel: false }, /consul|otel/i],
  ])('(%s) removes every object of it and every reference to it', (_label, parts, pattern) => {
    for (const name of ['dev', 'prod'] as const) {
      const objects = render(name, parts);
      const mentions = objects.filter((o) => pattern.test(JSON.stringify(o)));
      expect(mentions.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    }
  });

  it('keeps the other part wired when one is off', () => {
    const noConsul = render('prod', { consul: false });
    expect(egressPorts(noConsul)).toEqual([53, 53, 5432, 6379, 4317]);
    expect(
      Object.keys(settings(noConsul))
        .filter((k) => k.startsWith('OTEL_'))
        .sort(),
    ).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_SERVICE_NAME',
      'OTEL_TRACES_SAMPLER',
      'OTEL_TRACES_SAMPLER_ARG',
    ]);
    const noOtel = render('prod', { otel: false });
    expect(egressPorts(noOtel)).toEqual([53, 53, 5432, 6379, 8500]);
    expect(settings(noOtel).CONSUL_HTTP_ADDR).toBe('consul.user-service-prod.svc:8500');
    const ingress = get(servicePolicy(noOtel), 'spec', 'ingress') as Rule[];
    // Callers on both ports, the gateway on http, Prometheus on metrics, Consul's health check on grpc.
    expect(ingress.map((r) => r.ports.map((p) => p.port))).toEqual([
      [50051, 8080],
      [8080],
      [9464],
      [50051],
    ]);
  });

  it('keeps the rest of the environment unchanged', () => {
    const kinds = (objects: readonly KubeObject[]) =>
      objects
        .filter((o) => o.metadata.labels?.['app.kubernetes.io/name'] === 'user-service')
        .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds(render('prod', { consul: false, otel: false }))).toEqual(kinds(render('prod')));
  });
});

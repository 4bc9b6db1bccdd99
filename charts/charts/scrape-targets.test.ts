import { environment, get, only } from '../../test/support/objects';
import { resolveEndpoints, scrapeCoverageErrors } from '../../test/support/scrape-coverage';
import { deepMerge } from '../config/merge';
import type { Environment, EnvironmentName } from '../config/schema';
import { renderEnvironment, type KubeObject } from '../synth/render';

const clone = (objects: readonly KubeObject[]) =>
  JSON.parse(JSON.stringify(objects)) as KubeObject[];

describe.each<EnvironmentName>(['dev', 'staging', 'prod'])('environment %s', (name) => {
  const env = environment(name);
  const objects = renderEnvironment(env);
  const scraper = { namespace: env.monitoring.namespace };

  it('scrapes the service, the collector and Consul, each on a port its pods declare', () => {
    const { endpoints, errors } = resolveEndpoints(objects);
    expect(errors).toEqual([]);
    const seen = [
      ...new Set(endpoints.map((e) => `${e.podMonitor} ${e.workload} ${e.portName}:${e.port}`)),
    ];
    expect(seen).toEqual([
      'user-service Deployment/user-service metrics:9464',
      'otel-collector Deployment/otel-collector metrics:8888',
      'consul-server StatefulSet/consul-server http:8500',
    ]);
  });

  it('admits the monitoring namespace, and only it, on every scraped port', () => {
    expect(scrapeCoverageErrors(objects, scraper)).toEqual([]);
  });

  it('scrapes Consul with a token from the store exactly where ACLs are on', () => {
    const endpoint = get(
      only(objects, 'PodMonitor', 'consul-server'),
      'spec',
      'podMetricsEndpoints',
      0,
    );
    expect(endpoint).toMatchObject({
      path: '/v1/agent/metrics',
      params: { format: ['prometheus'] },
    });
    const secret = objects.find(
      (o) => o.kind === 'ExternalSecret' && o.metadata.name === 'consul-metrics-token',
    );
    if (env.consul.acl) {
      expect(get(endpoint, 'authorization')).toEqual({
        type: 'Bearer',
        credentials: { name: 'consul-metrics-token', key: 'aclMetricsToken' },
      });
      expect(get(secret, 'spec', 'data')).toEqual([
        {
          secretKey: 'aclMetricsToken',
          remoteRef: { key: env.consul.secretsRemoteKey, property: 'acl-metrics-token' },
        },
      ]);
    } else {
      expect(get(endpoint, 'authorization')).toBeUndefined();
      expect(secret).toBeUndefined();
    }
  });

  it('labels each PodMonitor for the Prometheus of the settings and as its workload', () => {
    for (const [monitor, app] of [
      ['user-service', 'user-service'],
      ['otel-collector', 'otel-collector'],
      ['consul-server', 'consul'],
    ] as const) {
      expect(only(objects, 'PodMonitor', monitor).metadata.labels).toMatchObject({
        release: env.monitoring.releaseLabel,
        'app.kubernetes.io/name': app,
      });
    }
  });
});

describe('the scrape coverage check fails', () => {
  const env = environment('prod');
  const objects = renderEnvironment(env);
  const scraper = { namespace: env.monitoring.namespace };
  const policyOf = (o: KubeObject[], name: string) => only(o, 'NetworkPolicy', name);
  type Rule = { from?: unknown[]; ports: { port: number }[] };

  it('when a PodMonitor names a port no container declares', () => {
    const broken = clone(objects);
    const ep = get(only(broken, 'PodMonitor', 'otel-collector'), 'spec', 'podMetricsEndpoints', 0);
    (ep as { port: string }).port = 'metric';
    expect(scrapeCoverageErrors(broken, scraper)).toEqual([
      'PodMonitor/otel-collector: Deployment/otel-collector has no container port named "metric"',
      'Deployment/otel-collector: metrics port 8888 has no PodMonitor',
    ]);
  });

  it('when a PodMonitor selects no pod', () => {
    const broken = clone(objects);
    const pm = only(broken, 'PodMonitor', 'consul-server');
    (get(pm, 'spec', 'selector') as { matchLabels: Record<string, string> }).matchLabels = {
      'app.kubernetes.io/name': 'consul-client',
    };
    expect(scrapeCoverageErrors(broken, scraper)).toEqual([
      'PodMonitor/consul-server: its selector matches no workload',
    ]);
  });

  it.each([
    ['user-service', 9464, 'Deployment/user-service', 'metrics'],
    ['otel-collector', 8888, 'Deployment/otel-collector', 'metrics'],
    ['consul-server', 8500, 'StatefulSet/consul-server', 'http'],
  ])('when the %s NetworkPolicy does not admit Prometheus on %d', (policy, port, w, portName) => {
    const broken = clone(objects);
    const ingress = get(policyOf(broken, policy), 'spec', 'ingress') as Rule[];
    const kept = ingress.filter(
      (r) => !(JSON.stringify(r.from).includes('"monitoring"') && r.ports[0]?.port === port),
    );
    expect(kept.length).toBe(ingress.length - 1);
    (get(policyOf(broken, policy), 'spec') as { ingress: Rule[] }).ingress = kept;
    expect(scrapeCoverageErrors(broken, scraper)).toEqual([
      `${w}: no NetworkPolicy ingress admits monitoring (only) on metrics port ${portName} (${port})`,
    ]);
  });

  it('when the metrics port is open to another namespace or to every source', () => {
    const broken = clone(objects);
    const ingress = get(policyOf(broken, 'otel-collector'), 'spec', 'ingress') as Rule[];
    const rule = ingress.find((r) => r.ports[0]?.port === 8888);
    rule?.from?.push({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } },
    });
    ingress.push({ ports: [{ port: 8888 }] });
    expect(scrapeCoverageErrors(broken, scraper)).toEqual([
      'Deployment/otel-collector: no NetworkPolicy ingress admits monitoring (only) on metrics port metrics (8888)',
      'Deployment/otel-collector: metrics port 8888 is open to every source',
    ]);
  });
});

describe('the monitoring settings', () => {
  const prometheusPods = { 'app.kubernetes.io/name': 'prometheus' };

  it('admit only the Prometheus pods on all three metrics ports when podLabels is set', () => {
    const env: Environment = deepMerge(environment('staging'), {
      monitoring: { namespace: 'observability', podLabels: prometheusPods },
    });
    const objects = renderEnvironment(env);
    expect(
      scrapeCoverageErrors(objects, { namespace: 'observability', podLabels: prometheusPods }),
    ).toEqual([]);
    // The same objects fail for a scraper without pod labels: the peer is that narrow.
    expect(scrapeCoverageErrors(objects, { namespace: 'observability' })).toHaveLength(3);
  });

  it('with monitoring off: no PodMonitor, no metrics token, no ingress from monitoring', () => {
    const env: Environment = deepMerge(environment('prod'), { monitoring: { enabled: false } });
    const objects = renderEnvironment(env);
    expect(objects.filter((o) => o.kind === 'PodMonitor')).toEqual([]);
    expect(objects.filter((o) => o.metadata.name === 'consul-metrics-token')).toEqual([]);
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(JSON.stringify(policies)).not.toContain('"monitoring"');
    // The ports are still declared (and served); nothing may reach them.
    expect(resolveEndpoints(objects).endpoints).toEqual([]);
  });

  it('refuses, at synth, a scrape interval Consul would not keep its gauges for', () => {
    // The settings refuse it first (load.test.ts); the construct guards its own props.
    const env: Environment = deepMerge(environment('prod'), {
      monitoring: { scrapeInterval: '60s' },
    });
    expect(() => renderEnvironment(env)).toThrow(
      /ConsulCluster consul-server: metrics scrape interval "60s" must be .*shorter than telemetry.prometheus_retention_time \(60s\)/,
    );
  });
});

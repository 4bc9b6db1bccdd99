import { parse } from 'yaml';
import { get, only, synthConstruct } from '../../test/support/objects';
import { podSecurityFindings } from '../../policies/index';
import { invalidObjects } from '../../test/support/schema-validation';
import { configChecksum, firstContainer, podSpec } from '../../test/support/workloads';
import type { KubeObject } from '../synth/render';
import { pipelineErrors, type CollectorConfig } from './otel-collector-config';
import { OtelCollector, type OtelCollectorProps } from './otel-collector';

const app = {
  'app.kubernetes.io/name': 'user-service',
  'app.kubernetes.io/instance': 'user-service',
};
const collector = {
  'app.kubernetes.io/name': 'otel-collector',
  'app.kubernetes.io/instance': 'otel-collector',
};

const backend = {
  host: 'tempo.example.com',
  port: 4317,
  egressCidrs: ['10.40.0.0/16'],
  insecure: false,
};
const base: OtelCollectorProps = {
  namespace: 'ns',
  version: '0.161.0',
  image: 'docker.io/otel/opentelemetry-collector-k8s:0.161.0',
  replicas: 2,
  requests: { cpu: '100m', memory: '256Mi', ephemeralStorage: '32Mi' },
  limits: { cpu: '1', memory: '512Mi', ephemeralStorage: '128Mi' },
  exporter: { type: 'otlp', backend },
  kubernetesAttributes: { apiServer: { port: 6443, egressCidrs: ['10.0.0.0/28'] } },
  clientSelector: app,
};
const minimal: Partial<OtelCollectorProps> = {
  replicas: 1,
  exporter: { type: 'debug', verbosity: 'detailed' },
  kubernetesAttributes: undefined,
};

function build(overrides: Partial<OtelCollectorProps> = {}) {
  let built: OtelCollector | undefined;
  const objects = synthConstruct((chart) => {
    built = new OtelCollector(chart, 'otel', { ...base, ...overrides });
  });
  if (built === undefined) throw new Error('unreachable');
  return { objects, collector: built };
}

const deployment = (objects: KubeObject[]) => only(objects, 'Deployment', 'otel-collector');
const pod = (objects: KubeObject[]) => podSpec(deployment(objects));
const container = (objects: KubeObject[]) => firstContainer(deployment(objects));
const config = (objects: KubeObject[]) =>
  parse(
    get(only(objects, 'ConfigMap', 'otel-collector-config'), 'data', 'config.yaml') as string,
  ) as CollectorConfig;
const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

describe('OtelCollector', () => {
  it('produces the gateway objects with stable human names and valid schemas', () => {
    const { objects } = build();
    expect(names(objects)).toEqual(
      [
        'ConfigMap/otel-collector-config',
        'Deployment/otel-collector',
        'NetworkPolicy/otel-collector',
        'PodDisruptionBudget/otel-collector-pdb',
        'Role/otel-collector',
        'RoleBinding/otel-collector',
        'Service/otel-collector',
        'ServiceAccount/otel-collector',
      ].sort(),
    );
    expect(invalidObjects(objects)).toEqual([]);
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({
        ...collector,
        'app.kubernetes.io/component': 'collector',
        'app.kubernetes.io/version': '0.161.0',
      });
    }
  });

  it('with one replica, the debug exporter and no Kubernetes metadata, has no PDB and no RBAC', () => {
    const { objects } = build(minimal);
    expect(names(objects)).toEqual(
      [
        'ConfigMap/otel-collector-config',
        'Deployment/otel-collector',
        'NetworkPolicy/otel-collector',
        'Service/otel-collector',
        'ServiceAccount/otel-collector',
      ].sort(),
    );
    expect(get(deployment(objects), 'spec', 'replicas')).toBe(1);
  });

  it('keeps one replica up during drains from 2 replicas', () => {
    const pdb = only(build({ replicas: 3 }).objects, 'PodDisruptionBudget');
    expect(get(pdb, 'spec', 'maxUnavailable')).toBe(1);
    expect(get(pdb, 'spec', 'selector', 'matchLabels')).toEqual(collector);
  });

  it('writes a configuration whose pipelines refer only to what it defines', () => {
    for (const props of [{}, minimal]) {
      const parsed = config(build(props).objects);
      expect(pipelineErrors(parsed)).toEqual([]);
      expect(parsed.service.pipelines.traces?.processors[0]).toBe('memory_limiter');
    }
  });

  it('sets GOMEMLIMIT and the memory_limiter from the container memory limit', () => {
    const { objects } = build({ limits: { ...base.limits, memory: '1Gi' } });
    expect(container(objects).env).toContainEqual({ name: 'GOMEMLIMIT', value: '819MiB' });
    expect(config(objects).processors.memory_limiter).toMatchObject({
      limit_mib: 819,
      spike_limit_mib: 256,
    });
    expect(get(container(objects), 'resources', 'limits', 'memory')).toBe('1Gi');
  });

  it('probes the health_check extension: readiness by HTTP, liveness by TCP', () => {
    const c = container(build().objects);
    expect(get(c, 'readinessProbe', 'httpGet')).toEqual({ path: '/', port: 'health' });
    expect(get(c, 'livenessProbe', 'tcpSocket')).toEqual({ port: 'health' });
    expect(c.ports).toContainEqual({ name: 'health', containerPort: 13133, protocol: 'TCP' });
  });

  it('meets the restricted Pod Security Standard with a read-only root and a non-root uid >= 10000', () => {
    const { objects } = build();
    expect(podSecurityFindings(deployment(objects))).toEqual([]);
    expect(get(container(objects), 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
    expect(get(pod(objects), 'securityContext', 'runAsUser')).toBeGreaterThanOrEqual(10000);
    expect(get(pod(objects), 'securityContext', 'runAsGroup')).toBeGreaterThanOrEqual(10000);
    expect(get(container(objects), 'imagePullPolicy')).toBe('Always');
  });

  it('serves OTLP gRPC (h2c) and HTTP on its Service', () => {
    const svc = only(build().objects, 'Service', 'otel-collector');
    expect(get(svc, 'spec', 'selector')).toEqual(collector);
    expect(get(svc, 'spec', 'ports')).toEqual([
      {
        name: 'otlp-grpc',
        port: 4317,
        targetPort: 'otlp-grpc',
        protocol: 'TCP',
        appProtocol: 'kubernetes.io/h2c',
      },
      {
        name: 'otlp-http',
        port: 4318,
        targetPort: 'otlp-http',
        protocol: 'TCP',
        appProtocol: 'http',
      },
    ]);
  });

  it('admits only the application pods, on 4317 and 4318', () => {
    const np = only(build().objects, 'NetworkPolicy', 'otel-collector');
    // The name label alone: Polaris counts a policy that matches one pod label (oneOf).
    expect(get(np, 'spec', 'podSelector', 'matchLabels')).toEqual({
      'app.kubernetes.io/name': collector['app.kubernetes.io/name'],
    });
    expect(get(np, 'spec', 'ingress')).toEqual([
      {
        from: [{ podSelector: { matchLabels: app } }],
        ports: [
          { port: 4317, protocol: 'TCP' },
          { port: 4318, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('serves its own metrics on a named container port, admitted only from the scrapers', () => {
    const scrapers = [{ namespace: 'monitoring' }];
    const { objects, collector: c } = build({ metricsScrapers: scrapers });
    const deployment = only(objects, 'Deployment', 'otel-collector');
    expect(get(firstContainer(deployment), 'ports', 3)).toEqual({
      name: 'metrics',
      containerPort: 8888,
      protocol: 'TCP',
    });
    const config = parse(
      get(only(objects, 'ConfigMap', 'otel-collector-config'), 'data', 'config.yaml') as string,
    ) as CollectorConfig;
    expect(config.service.telemetry.metrics.readers[0]?.pull.exporter.prometheus).toMatchObject({
      host: '${env:MY_POD_IP}',
      port: 8888,
    });
    const np = only(objects, 'NetworkPolicy', 'otel-collector');
    expect(get(np, 'spec', 'ingress', 1)).toEqual({
      from: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ],
      ports: [{ port: 8888, protocol: 'TCP' }],
    });
    expect(c.scrapeTarget).toEqual({
      name: 'otel-collector',
      labels: deployment.metadata.labels,
      selector: collector,
      endpoint: { port: 'metrics', path: '/metrics' },
    });
    // Without scrapers the port is served but nobody may reach it, and nothing scrapes it.
    const closed = build();
    expect(closed.collector.scrapeTarget).toBeUndefined();
    expect(get(only(closed.objects, 'NetworkPolicy'), 'spec', 'ingress')).toHaveLength(1);
  });

  it('reaches the backend and the API server only when it uses them', () => {
    type Rule = { to: unknown[]; ports: { port: number }[] };
    const egress = (props: Partial<OtelCollectorProps>) =>
      (get(only(build(props).objects, 'NetworkPolicy'), 'spec', 'egress') as Rule[]).map((r) => ({
        to: r.to,
        ports: r.ports.map((p) => p.port),
      }));
    expect(egress({}).slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '10.40.0.0/16' } }], ports: [4317] },
      { to: [{ ipBlock: { cidr: '10.0.0.0/28' } }], ports: [6443] },
    ]);
    expect(egress(minimal).map((r) => r.ports)).toEqual([[53, 53]]);
  });

  it('reads the Kubernetes API only with k8s_attributes: a namespaced Role and a projected token', () => {
    const { objects } = build();
    expect(get(only(objects, 'Role'), 'rules')).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(get(only(objects, 'RoleBinding'), 'subjects')).toEqual([
      { kind: 'ServiceAccount', name: 'otel-collector', namespace: 'ns' },
    ]);
    expect(pod(objects).automountServiceAccountToken).toBe(false);
    const projected = (
      pod(objects).volumes as { name: string; projected?: { sources: object[] } }[]
    ).find((v) => v.name === 'kube-api-access');
    expect(projected?.projected?.sources[0]).toEqual({
      serviceAccountToken: { path: 'token', expirationSeconds: 3600 },
    });
    expect(container(objects).volumeMounts).toContainEqual({
      name: 'kube-api-access',
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    });
    const without = build(minimal).objects;
    expect(pod(without).volumes).toEqual([
      { name: 'config', configMap: { name: 'otel-collector-config' } },
    ]);
    expect(config(without).processors).not.toHaveProperty('k8s_attributes');
  });

  it('tells clients its OTLP/gRPC endpoint and the one port to open', () => {
    const { collector: c } = build();
    expect(c.clientSettings).toEqual({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.ns.svc:4317',
    });
    expect(c.clientEgress).toEqual({
      peers: [{ podSelector: { matchLabels: collector } }],
      ports: [{ port: 4317 }],
    });
  });

  it('rolls the pods when the configuration changes', () => {
    const checksum = (props: Partial<OtelCollectorProps>) =>
      configChecksum(deployment(build(props).objects));
    expect(checksum({})).toBe(checksum({}));
    expect(checksum({})).not.toBe(checksum({ limits: { ...base.limits, memory: '1Gi' } }));
  });
});

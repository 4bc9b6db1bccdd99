import { parse } from 'yaml';
import { get, only, synthConstruct } from '../../test/support/objects';
import { podSecurityFindings } from '../../policies/index';
import { invalidObjects } from '../../test/support/schema-validation';
import { configChecksum, firstContainer, podSpec } from '../../test/support/workloads';
import type { KubeObject } from '../synth/render';
import { ConsulCluster, consulMaxUnavailable, type ConsulClusterProps } from './consul-cluster';
import { quorumSize } from './consul-server-config';

const app = {
  'app.kubernetes.io/name': 'user-service',
  'app.kubernetes.io/instance': 'user-service',
};
const servers = {
  'app.kubernetes.io/name': 'consul',
  'app.kubernetes.io/instance': 'consul-server',
};

const base: ConsulClusterProps = {
  namespace: 'ns',
  servers: 3,
  image: 'docker.io/hashicorp/consul:1.21.5',
  version: '1.21.5',
  requests: { cpu: '100m', memory: '128Mi', ephemeralStorage: '64Mi' },
  limits: { cpu: '500m', memory: '512Mi', ephemeralStorage: '256Mi' },
  storage: { size: '10Gi' },
  tls: true,
  acl: true,
  secretStore: { storeName: 'vault', remoteKey: 'prod/consul' },
  clientSelector: app,
  healthCheckPorts: [50051],
};

function build(overrides: Partial<ConsulClusterProps> = {}) {
  let cluster: ConsulCluster | undefined;
  const objects = synthConstruct((chart) => {
    cluster = new ConsulCluster(chart, 'consul', { ...base, ...overrides });
  });
  if (cluster === undefined) throw new Error('unreachable');
  return { objects, cluster };
}

const statefulSet = (objects: KubeObject[]) => only(objects, 'StatefulSet', 'consul-server');
const pod = (objects: KubeObject[]) => podSpec(statefulSet(objects));
const container = (objects: KubeObject[]) => firstContainer(statefulSet(objects));
const serverConfig = (objects: KubeObject[]) =>
  JSON.parse(
    get(only(objects, 'ConfigMap', 'consul-server-config'), 'data', 'server.json') as string,
  ) as Record<string, unknown>;

describe('ConsulCluster', () => {
  it('produces the server objects with stable human names and valid schemas', () => {
    const { objects } = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/consul-server-config',
        'ExternalSecret/consul-server-secrets',
        'NetworkPolicy/consul-server',
        'PodDisruptionBudget/consul-server-pdb',
        'Service/consul',
        'Service/consul-server',
        'ServiceAccount/consul-server',
        'StatefulSet/consul-server',
      ].sort(),
    );
    expect(invalidObjects(objects)).toEqual([]);
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({
        ...servers,
        'app.kubernetes.io/component': 'server',
        'app.kubernetes.io/version': '1.21.5',
      });
    }
  });

  it.each([2, 4, 0])('rejects %d servers with a clear error', (count) => {
    expect(() => build({ servers: count })).toThrow(
      `ConsulCluster consul-server: the server count must be odd (1, 3 or 5) so Raft keeps a majority; got ${count}`,
    );
  });

  it.each([1, 3, 5])('expects exactly %d servers at bootstrap and runs that many', (count) => {
    const { objects } = build({ servers: count });
    expect(serverConfig(objects).bootstrap_expect).toBe(count);
    expect(get(statefulSet(objects), 'spec', 'replicas')).toBe(count);
    expect(get(serverConfig(objects), 'autopilot', 'min_quorum')).toBe(quorumSize(count));
  });

  it.each([
    [3, 1],
    [5, 1],
  ])('keeps quorum with %d servers: the PDB lets %d go', (count, allowed) => {
    const pdb = only(build({ servers: count }).objects, 'PodDisruptionBudget');
    expect(get(pdb, 'spec', 'maxUnavailable')).toBe(allowed);
    // A not-ready server still counts for quorum: it is evicted only while the budget has room.
    expect(get(pdb, 'spec', 'unhealthyPodEvictionPolicy')).toBe('IfHealthyBudget');
    expect(get(pdb, 'spec', 'selector', 'matchLabels')).toEqual(servers);
    expect(count - allowed).toBeGreaterThanOrEqual(quorumSize(count));
  });

  it('has no PDB for a single server (any budget would either block drains or lose quorum)', () => {
    expect(consulMaxUnavailable(1)).toBe(0);
    expect(build({ servers: 1 }).objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('starts servers in parallel behind a headless Service that publishes not-ready pods', () => {
    const { objects } = build();
    const headless = only(objects, 'Service', 'consul-server');
    expect(get(statefulSet(objects), 'spec', 'podManagementPolicy')).toBe('Parallel');
    expect(get(statefulSet(objects), 'spec', 'serviceName')).toBe('consul-server');
    expect(get(headless, 'spec', 'clusterIP')).toBe('None');
    expect(get(headless, 'spec', 'publishNotReadyAddresses')).toBe(true);
    expect(get(headless, 'spec', 'selector')).toEqual(servers);
    expect(get(serverConfig(objects), 'retry_join')).toEqual(['consul-server.ns.svc']);
  });

  it('serves the HTTP API and DNS through the client Service, ready servers only', () => {
    const client = only(build().objects, 'Service', 'consul');
    expect(get(client, 'spec', 'publishNotReadyAddresses')).toBeUndefined();
    expect(
      (
        get(client, 'spec', 'ports') as { port: number; protocol: string; targetPort: string }[]
      ).map((p) => `${p.targetPort}:${p.port}/${p.protocol}`),
    ).toEqual(['http:8500/TCP', 'dns-tcp:8600/TCP', 'dns-udp:8600/UDP']);
  });

  it('claims one data volume per server, labelled only with the stable selector labels', () => {
    const claim = get(
      statefulSet(build({ storage: { size: '5Gi', storageClassName: 'fast' } }).objects),
      'spec',
      'volumeClaimTemplates',
      0,
    );
    expect(claim).toEqual({
      metadata: { name: 'data', labels: servers },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'fast',
        resources: { requests: { storage: '5Gi' } },
      },
    });
  });

  it('requires servers on distinct nodes unless told otherwise', () => {
    const required = pod(build().objects);
    expect(
      get(
        required,
        'affinity',
        'podAntiAffinity',
        'requiredDuringSchedulingIgnoredDuringExecution',
        0,
      ),
    ).toEqual({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: servers } });
    const preferred = pod(build({ servers: 1, podAntiAffinity: 'preferred' }).objects);
    expect(
      get(
        preferred,
        'affinity',
        'podAntiAffinity',
        'requiredDuringSchedulingIgnoredDuringExecution',
      ),
    ).toBeUndefined();
    expect(
      get(
        preferred,
        'affinity',
        'podAntiAffinity',
        'preferredDuringSchedulingIgnoredDuringExecution',
        0,
        'weight',
      ),
    ).toBe(100);
  });

  it('meets the restricted Pod Security Standard with a read-only root and a non-root uid >= 10000', () => {
    const { objects } = build();
    expect(podSecurityFindings(statefulSet(objects))).toEqual([]);
    expect(get(container(objects), 'securityContext', 'readOnlyRootFilesystem')).toBe(true);
    expect(get(pod(objects), 'securityContext', 'runAsUser')).toBeGreaterThanOrEqual(10000);
    expect(get(pod(objects), 'securityContext', 'fsGroup')).toBe(
      get(pod(objects), 'securityContext', 'runAsUser'),
    );
    const mounts = (container(objects).volumeMounts as { mountPath: string; readOnly?: boolean }[])
      .filter((m) => m.readOnly !== true)
      .map((m) => m.mountPath);
    expect(mounts.sort()).toEqual(['/consul/data', '/tmp']);
  });

  it('runs the binary with both config files and the pod IP as its address, no shell', () => {
    const c = container(build().objects);
    expect(c.command).toEqual(['consul']);
    expect(c.args).toEqual([
      'agent',
      '-config-file=/consul/config/server.json',
      '-config-file=/consul/secrets/secrets.json',
      '-advertise=$(POD_IP)',
      '-node=$(POD_NAME)',
    ]);
    expect((c.env as { name: string }[]).map((e) => e.name)).toEqual(['POD_IP', 'POD_NAME']);
  });

  it('has requests, limits and distinct readiness (leader known) and liveness probes', () => {
    const c = container(build().objects);
    expect(get(c, 'resources', 'limits')).toEqual({
      cpu: '500m',
      memory: '512Mi',
      'ephemeral-storage': '256Mi',
    });
    expect(get(c, 'resources', 'requests')).toEqual({
      cpu: '100m',
      memory: '128Mi',
      'ephemeral-storage': '64Mi',
    });
    expect(get(c, 'readinessProbe', 'httpGet')).toEqual({
      path: '/v1/catalog/nodes',
      port: 'http',
    });
    expect(get(c, 'livenessProbe', 'httpGet')).toEqual({ path: '/v1/status/leader', port: 'http' });
    expect(get(c, 'imagePullPolicy')).toBe('Always');
  });

  it('gives a server the configured shutdown time and keeps it a voter on SIGTERM', () => {
    const { objects } = build({ leaveSeconds: 45 });
    expect(get(pod(objects), 'terminationGracePeriodSeconds')).toBe(45);
    // A restart is not a removal: leaving on every SIGTERM shrinks the Raft peer set.
    expect(serverConfig(objects).leave_on_terminate).toBe(false);
  });

  it('keeps the servers and their volumes from GitOps prune and from StatefulSet deletion', () => {
    const sts = statefulSet(build().objects);
    expect(sts.metadata.annotations).toEqual({
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
    expect(get(sts, 'spec', 'persistentVolumeClaimRetentionPolicy')).toEqual({
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
  });

  it('reads every secret from the mounted Secret files, none from environment variables', () => {
    const { objects } = build({ acl: true, tls: true });
    const c = container(objects);
    const env = c.env as { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
    // Only the downward API (pod IP and name): no secretKeyRef, no envFrom.
    for (const e of env) expect(Object.keys(e.valueFrom ?? {})).toEqual(['fieldRef']);
    expect(c.envFrom).toBeUndefined();
    const volumes = pod(objects).volumes as { name: string; secret?: { secretName: string } }[];
    expect(volumes.find((v) => v.secret !== undefined)?.secret?.secretName).toBe(
      'consul-server-secrets',
    );
    const mounts = c.volumeMounts as { mountPath: string; readOnly?: boolean }[];
    expect(mounts.find((m) => m.mountPath === '/consul/secrets')?.readOnly).toBe(true);
  });

  it('uses a dedicated ServiceAccount without a token', () => {
    const { objects } = build();
    expect(get(only(objects, 'ServiceAccount'), 'automountServiceAccountToken')).toBe(false);
    expect(pod(objects).serviceAccountName).toBe('consul-server');
    expect(pod(objects).automountServiceAccountToken).toBe(false);
  });

  it('rolls the servers when the configuration changes', () => {
    const checksum = (props: Partial<ConsulClusterProps>) =>
      configChecksum(statefulSet(build(props).objects));
    expect(checksum({})).toBe(checksum({}));
    expect(checksum({})).not.toBe(checksum({ datacenter: 'dc2' }));
  });

  it('reads gossip key, ACL tokens and TLS material from the store, never writing a value', () => {
    const es = only(build().objects, 'ExternalSecret', 'consul-server-secrets');
    const data = get(es, 'spec', 'data') as {
      secretKey: string;
      remoteRef: { key: string; property: string };
    }[];
    expect(data.map((d) => d.remoteRef.property)).toEqual([
      'gossip-key',
      'acl-initial-management-token',
      'acl-agent-token',
      'tls-ca-cert',
      'tls-server-cert',
      'tls-server-key',
    ]);
    expect(new Set(data.map((d) => d.remoteRef.key))).toEqual(new Set(['prod/consul']));
    const template = get(es, 'spec', 'target', 'template', 'data') as Record<string, string>;
    expect(Object.keys(template).sort()).toEqual(
      ['secrets.json', 'tls-ca.pem', 'tls-server-key.pem', 'tls-server.pem'].sort(),
    );
    const secretConfig = parse(template['secrets.json'] ?? '') as unknown;
    expect(secretConfig).toEqual({
      encrypt: '{{ .gossipKey }}',
      acl: {
        tokens: {
          initial_management: '{{ .aclInitialManagementToken }}',
          agent: '{{ .aclAgentToken }}',
        },
      },
    });
    // Every template variable is a key the ExternalSecret reads.
    const variables = Object.values(template).flatMap((t) =>
      [...t.matchAll(/\{\{ \.(\w+) \}\}/g)].map((m) => m[1]),
    );
    expect(new Set(variables)).toEqual(new Set(data.map((d) => d.secretKey)));
  });

  it('without TLS and ACLs reads only the gossip key and configures neither', () => {
    const { objects } = build({ servers: 1, tls: false, acl: false, podAntiAffinity: 'preferred' });
    const es = only(objects, 'ExternalSecret');
    expect((get(es, 'spec', 'data') as { secretKey: string }[]).map((d) => d.secretKey)).toEqual([
      'gossipKey',
    ]);
    expect(Object.keys(get(es, 'spec', 'target', 'template', 'data') as object)).toEqual([
      'secrets.json',
    ]);
    const config = serverConfig(objects);
    expect(config.acl).toBeUndefined();
    expect(config.tls).toBeUndefined();
    expect(config.encrypt).toBeUndefined();
  });

  it('opens gossip and RPC between servers, HTTP and DNS from clients, checks to clients', () => {
    const np = only(build().objects, 'NetworkPolicy', 'consul-server');
    type Rule = { from?: unknown[]; to?: unknown[]; ports: { port: number; protocol: string }[] };
    const describeRules = (rules: Rule[]) =>
      rules.map((r) => ({
        peers: r.from ?? r.to,
        ports: r.ports.map((p) => `${p.port}/${p.protocol}`),
      }));
    const serverPeer = [{ podSelector: { matchLabels: servers } }];
    const appPeer = [{ podSelector: { matchLabels: app } }];
    expect(describeRules(get(np, 'spec', 'ingress') as Rule[])).toEqual([
      { peers: serverPeer, ports: ['8300/TCP', '8301/TCP', '8301/UDP'] },
      { peers: appPeer, ports: ['8500/TCP', '8600/TCP', '8600/UDP'] },
    ]);
    expect(describeRules(get(np, 'spec', 'egress') as Rule[]).slice(1)).toEqual([
      { peers: serverPeer, ports: ['8300/TCP', '8301/TCP', '8301/UDP'] },
      { peers: appPeer, ports: ['50051/TCP'] },
    ]);
  });

  describe('metrics', () => {
    const scrapers = [{ namespace: 'monitoring', podLabels: { app: 'prometheus' } }];
    const monitoringPeer = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { app: 'prometheus' } },
    };

    it('serves Prometheus format only because the agent config sets a retention time', () => {
      expect(serverConfig(build().objects).telemetry).toEqual({
        disable_hostname: true,
        prometheus_retention_time: '60s',
      });
    });

    it('with ACLs: admits the scrapers on the HTTP port and scrapes with a token from the store', () => {
      const { objects, cluster } = build({ metricsScrapers: scrapers });
      const np = only(objects, 'NetworkPolicy', 'consul-server');
      expect(get(np, 'spec', 'ingress', 2)).toEqual({
        from: [monitoringPeer],
        ports: [{ port: 8500, protocol: 'TCP' }],
      });
      const secret = only(objects, 'ExternalSecret', 'consul-metrics-token');
      expect(get(secret, 'spec', 'data')).toEqual([
        {
          secretKey: 'aclMetricsToken',
          remoteRef: { key: 'prod/consul', property: 'acl-metrics-token' },
        },
      ]);
      expect(cluster.scrapeTarget).toEqual({
        name: 'consul-server',
        labels: statefulSet(objects).metadata.labels,
        selector: servers,
        endpoint: {
          port: 'http',
          path: '/v1/agent/metrics',
          params: { format: ['prometheus'] },
          bearerTokenSecret: { name: 'consul-metrics-token', key: 'aclMetricsToken' },
        },
      });
      // The named port the PodMonitor refers to is the container's HTTP port.
      expect(get(container(objects), 'ports', 3)).toMatchObject({
        name: 'http',
        containerPort: 8500,
      });
    });

    it('without ACLs: no token, no Secret', () => {
      const { objects, cluster } = build({ acl: false, metricsScrapers: scrapers });
      expect(objects.filter((o) => o.metadata.name === 'consul-metrics-token')).toEqual([]);
      expect(cluster.scrapeTarget?.endpoint.bearerTokenSecret).toBeUndefined();
    });

    it('without scrapers: no ingress beyond the clients, no token, no scrape target', () => {
      const { objects, cluster } = build();
      expect(get(only(objects, 'NetworkPolicy'), 'spec', 'ingress')).toHaveLength(2);
      expect(objects.filter((o) => o.metadata.name === 'consul-metrics-token')).toEqual([]);
      expect(cluster.scrapeTarget).toBeUndefined();
    });

    it.each(['60s', '2m', '1h', 'soon'])('refuses a scrape interval of %s (retention 60s)', (i) => {
      expect(() => build({ metricsScrapers: scrapers, metricsScrapeInterval: i })).toThrow(
        `metrics scrape interval "${i}" must be a duration like 30s, shorter than telemetry.prometheus_retention_time (60s)`,
      );
    });
  });

  it('tells clients its address, the one port to open, its token and the check ingress', () => {
    const { cluster } = build();
    expect(cluster.clientSettings).toEqual({ CONSUL_HTTP_ADDR: 'consul.ns.svc:8500' });
    expect(cluster.clientEgress).toEqual({
      peers: [{ podSelector: { matchLabels: servers } }],
      ports: [{ port: 8500 }],
    });
    expect(cluster.clientSecretEnv).toEqual([
      { name: 'CONSUL_HTTP_TOKEN', property: 'consul-token' },
    ]);
    expect(cluster.clientIngress).toEqual({
      peers: [{ podSelector: { matchLabels: servers } }],
      ports: [{ port: 50051 }],
    });
    const open = build({ acl: false, tls: false, healthCheckPorts: [] }).cluster;
    expect(open.clientSecretEnv).toEqual([]);
    expect(open.clientIngress).toBeUndefined();
  });
});

import { get, only, synthConstruct } from '../../test/support/objects';
import { DefaultDenyNetworkPolicy } from './default-deny-network-policy';
import { DisruptionBudget } from './disruption-budget';
import { ExternalSecret } from './external-secret';
import { GrpcService } from './grpc-service';
import { PodMonitor, type PodMonitorProps } from './pod-monitor';
import { RestrictedNamespace } from './restricted-namespace';
import { SettingsConfigMap } from './settings-config-map';
import {
  CLUSTER_DNS_PEER,
  cidrPeers,
  callerPeers,
  metricsIngress,
  WorkloadNetworkPolicy,
} from './workload-network-policy';

const selector = { 'app.kubernetes.io/name': 'user-service' };

describe('RestrictedNamespace', () => {
  it('enforces, warns and audits the restricted Pod Security Standard', () => {
    const ns = only(
      synthConstruct((c) => new RestrictedNamespace(c, 'ns', { name: 'team', labels: { a: 'b' } })),
      'Namespace',
    );
    expect(ns.metadata.name).toBe('team');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels).toMatchObject({
      a: 'b',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
    });
  });

  it('is never deleted by Flux or Argo CD prune (deleting it deletes its volumes)', () => {
    const ns = only(
      synthConstruct((c) => new RestrictedNamespace(c, 'ns', { name: 'team', labels: {} })),
      'Namespace',
    );
    expect(ns.metadata.annotations).toEqual({
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
    });
  });
});

describe('GrpcService', () => {
  it('is a ClusterIP Service with named grpc (h2c) and http ports targeting port names', () => {
    const svc = only(
      synthConstruct(
        (c) =>
          new GrpcService(c, 's', {
            name: 'user-service',
            namespace: 'ns',
            labels: {},
            selector,
            ports: { grpc: 50051, http: 8080 },
          }),
      ),
      'Service',
    );
    expect(get(svc, 'spec', 'type')).toBe('ClusterIP');
    expect(get(svc, 'spec', 'selector')).toEqual(selector);
    expect(get(svc, 'spec', 'ports')).toEqual([
      {
        name: 'grpc',
        port: 50051,
        targetPort: 'grpc',
        protocol: 'TCP',
        appProtocol: 'kubernetes.io/h2c',
      },
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
    ]);
  });
});

describe('DisruptionBudget', () => {
  it('always allows one voluntary disruption', () => {
    const pdb = only(
      synthConstruct(
        (c) =>
          new DisruptionBudget(c, 'p', {
            name: 'user-service-pdb',
            namespace: 'ns',
            labels: {},
            selector,
          }),
      ),
      'PodDisruptionBudget',
    );
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(get(pdb, 'spec')).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: selector },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  it('rejects a budget that allows no disruption', () => {
    expect(() =>
      synthConstruct(
        (c) =>
          new DisruptionBudget(c, 'p', {
            name: 'x',
            namespace: 'ns',
            labels: {},
            selector,
            maxUnavailable: 0,
          }),
      ),
    ).toThrow('maxUnavailable must be >= 1');
  });
});

describe('ExternalSecret', () => {
  it('maps store entries to Secret keys without any secret value', () => {
    const es = only(
      synthConstruct(
        (c) =>
          new ExternalSecret(c, 'e', {
            name: 'user-service-secrets',
            namespace: 'ns',
            labels: {},
            storeName: 'vault',
            data: [
              { secretKey: 'DB_PASSWORD', remoteKey: 'prod/user-service', property: 'db-password' },
            ],
          }),
      ),
      'ExternalSecret',
    );
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(get(es, 'spec', 'secretStoreRef')).toEqual({
      name: 'vault',
      kind: 'ClusterSecretStore',
    });
    expect(get(es, 'spec', 'target', 'name')).toBe('user-service-secrets');
    expect(get(es, 'spec', 'data')).toEqual([
      {
        secretKey: 'DB_PASSWORD',
        remoteRef: { key: 'prod/user-service', property: 'db-password' },
      },
    ]);
  });

  it('rejects an ExternalSecret with no keys', () => {
    expect(() =>
      synthConstruct(
        (c) =>
          new ExternalSecret(c, 'e', {
            name: 'x',
            namespace: 'ns',
            labels: {},
            storeName: 's',
            data: [],
          }),
      ),
    ).toThrow('data is empty');
  });
});

describe('SettingsConfigMap', () => {
  function checksum(settings: Record<string, string>): string {
    let sum = '';
    synthConstruct((c) => {
      sum = new SettingsConfigMap(c, 'cm', { name: 'cfg', namespace: 'ns', labels: {}, settings })
        .checksum;
    });
    return sum;
  }

  it('writes the settings sorted by key', () => {
    const cm = only(
      synthConstruct(
        (c) =>
          new SettingsConfigMap(c, 'cm', {
            name: 'cfg',
            namespace: 'ns',
            labels: {},
            settings: { B: '2', A: '1' },
          }),
      ),
      'ConfigMap',
    );
    expect(Object.keys(get(cm, 'data') as object)).toEqual(['A', 'B']);
  });

  it('has a checksum that changes with the content and not with key order', () => {
    expect(checksum({ A: '1', B: '2' })).toBe(checksum({ B: '2', A: '1' }));
    expect(checksum({ A: '1', B: '2' })).not.toBe(checksum({ A: '1', B: '3' }));
  });
});

describe('network policies', () => {
  it('default deny selects every pod for ingress and egress', () => {
    const np = only(
      synthConstruct((c) => new DefaultDenyNetworkPolicy(c, 'd', { namespace: 'ns', labels: {} })),
      'NetworkPolicy',
    );
    expect(np.metadata.name).toBe('default-deny-all');
    expect(get(np, 'spec')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('a workload policy opens DNS plus exactly the listed peers and ports', () => {
    const np = only(
      synthConstruct(
        (c) =>
          new WorkloadNetworkPolicy(c, 'w', {
            name: 'user-service',
            namespace: 'ns',
            labels: {},
            podSelector: { ...selector, 'app.kubernetes.io/instance': 'user-service' },
            ingress: [{ peers: callerPeers([{ namespace: 'gateway' }]), ports: [{ port: 50051 }] }],
            egress: [{ peers: cidrPeers(['10.0.0.0/16']), ports: [{ port: 5432 }] }],
          }),
      ),
      'NetworkPolicy',
    );
    expect(get(np, 'spec', 'policyTypes')).toEqual(['Ingress', 'Egress']);
    // One pod label only: Polaris' missingNetworkPolicy counts a policy whose matchLabels
    // satisfy exactly one of the pod's labels (oneOf), so name plus instance scores 98.
    expect(get(np, 'spec', 'podSelector')).toEqual({
      matchLabels: { 'app.kubernetes.io/name': selector['app.kubernetes.io/name'] },
    });
    expect(get(np, 'spec', 'ingress')).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway' } } },
        ],
        ports: [{ port: 50051, protocol: 'TCP' }],
      },
    ]);
    expect(get(np, 'spec', 'egress')).toEqual([
      {
        to: [CLUSTER_DNS_PEER],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      { to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
  });

  it('a workload policy needs app.kubernetes.io/name in the pod selector', () => {
    expect(() =>
      synthConstruct(
        (c) =>
          new WorkloadNetworkPolicy(c, 'w', {
            name: 'x',
            namespace: 'ns',
            labels: {},
            podSelector: { 'app.kubernetes.io/instance': 'x' },
          }),
      ),
    ).toThrow('NetworkPolicy x: the pod selector has no app.kubernetes.io/name');
  });

  it('callers are namespaces by name, with their pods where known; none is no peer at all', () => {
    expect(callerPeers([])).toEqual([]);
    expect(
      callerPeers([
        { namespace: 'web', podLabels: { 'app.kubernetes.io/name': 'bff' } },
        { namespace: 'batch' },
      ]),
    ).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'bff' } },
      },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } } },
    ]);
  });
});

describe('PodMonitor', () => {
  const endpoint = { port: 'metrics', interval: '30s' };
  const monitor = (props: Partial<PodMonitorProps>) =>
    synthConstruct(
      (c) =>
        new PodMonitor(c, 'pm', {
          name: 'x',
          namespace: 'ns',
          labels: {},
          selector,
          endpoints: [endpoint],
          ...props,
        }),
    );

  it('defaults to http on /metrics, and sends a bearer token from a Secret when given one', () => {
    const pm = only(
      monitor({
        endpoints: [
          endpoint,
          { ...endpoint, port: 'http', bearerTokenSecret: { name: 's', key: 'k' } },
        ],
      }),
      'PodMonitor',
    );
    expect(get(pm, 'spec')).toEqual({
      selector: { matchLabels: selector },
      namespaceSelector: { matchNames: ['ns'] },
      podMetricsEndpoints: [
        { port: 'metrics', path: '/metrics', interval: '30s', scheme: 'http' },
        {
          port: 'http',
          path: '/metrics',
          interval: '30s',
          scheme: 'http',
          authorization: { type: 'Bearer', credentials: { name: 's', key: 'k' } },
        },
      ],
    });
  });

  it.each<[string, Partial<PodMonitorProps>, string]>([
    ['no endpoint', { endpoints: [] }, 'PodMonitor x: no endpoint'],
    ['an empty selector', { selector: {} }, 'PodMonitor x: empty pod selector'],
    [
      'a port number instead of a name',
      { endpoints: [{ ...endpoint, port: '9464' }] },
      'port "9464" is not a container port name',
    ],
    [
      'a port name longer than 15 characters',
      { endpoints: [{ ...endpoint, port: 'metrics-of-the-collector' }] },
      'port "metrics-of-the-collector" is not a container port name',
    ],
    [
      'a query in the path',
      { endpoints: [{ ...endpoint, path: '/v1/agent/metrics?format=prometheus' }] },
      'must start with / and carry no query (use params)',
    ],
    [
      'an interval that is no Prometheus duration',
      { endpoints: [{ ...endpoint, interval: '30' }] },
      'interval "30" is not a Prometheus duration like 30s',
    ],
    [
      'a token Secret without a key',
      { endpoints: [{ ...endpoint, bearerTokenSecret: { name: 's', key: '' } }] },
      'bearerTokenSecret needs a Secret name and key',
    ],
  ])('refuses %s at synth', (_label, props, message) => {
    expect(() => monitor(props)).toThrow(message);
  });
});

describe('metricsIngress', () => {
  it('admits exactly the scrapers on the metrics ports', () => {
    expect(metricsIngress([{ namespace: 'monitoring' }], [{ port: 9464 }])).toEqual([
      {
        peers: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ port: 9464 }],
      },
    ]);
  });

  it('is no rule at all without scrapers (an empty peer list would admit every source)', () => {
    expect(metricsIngress([], [{ port: 9464 }])).toEqual([]);
  });

  it('refuses scrapers without a port', () => {
    expect(() => metricsIngress([{ namespace: 'monitoring' }], [])).toThrow('no metrics port');
  });
});

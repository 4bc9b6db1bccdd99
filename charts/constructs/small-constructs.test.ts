import { get, only, synthConstruct } from '../../test/support/objects';
import { DefaultDenyNetworkPolicy } from './default-deny-network-policy';
import { DisruptionBudget } from './disruption-budget';
import { ExternalSecret } from './external-secret';
import { GrpcService } from './grpc-service';
import { RestrictedNamespace } from './restricted-namespace';
import { SettingsConfigMap } from './settings-config-map';
import {
  CLUSTER_DNS_PEER,
  cidrPeers,
  namespacePeers,
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
            podSelector: selector,
            ingress: [{ peers: namespacePeers(['gateway']), ports: [{ port: 50051 }] }],
            egress: [{ peers: cidrPeers(['10.0.0.0/16']), ports: [{ port: 5432 }] }],
          }),
      ),
      'NetworkPolicy',
    );
    expect(get(np, 'spec', 'policyTypes')).toEqual(['Ingress', 'Egress']);
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

  it('an empty namespace list allows every namespace', () => {
    expect(namespacePeers([])).toEqual([{ namespaceSelector: {} }]);
  });
});

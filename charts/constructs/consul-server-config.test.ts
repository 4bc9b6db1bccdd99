import {
  assertOddServerCount,
  consulServerConfig,
  failureTolerance,
  quorumSize,
} from './consul-server-config';

const props = { datacenter: 'dc1', joinAddress: 'consul-server.ns.svc', tls: false, acl: false };

describe('Consul server configuration', () => {
  it.each([
    [1, 1, 0],
    [3, 2, 1],
    [5, 3, 2],
  ])('%d servers: quorum %d, tolerates %d failures', (servers, quorum, tolerance) => {
    expect(quorumSize(servers)).toBe(quorum);
    expect(failureTolerance(servers)).toBe(tolerance);
  });

  it.each([1, 3, 5])('accepts %d servers', (n) => {
    expect(() => {
      assertOddServerCount('c', n);
    }).not.toThrow();
  });

  it.each([2, 4, 0, -1, 2.5])('rejects %d servers', (n) => {
    expect(() => {
      assertOddServerCount('c', n);
    }).toThrow(
      `ConsulCluster c: the server count must be odd (1, 3 or 5) so Raft keeps a majority; got ${n}`,
    );
  });

  it('derives bootstrap_expect and autopilot from the count and never calls home', () => {
    const config = consulServerConfig({ ...props, servers: 5 });
    expect(config.bootstrap_expect).toBe(5);
    expect(config.autopilot.min_quorum).toBe(3);
    expect(config.autopilot.cleanup_dead_servers).toBe(true);
    expect(config.disable_update_check).toBe(true);
    expect(config.retry_join).toEqual(['consul-server.ns.svc']);
    expect(config.telemetry.prometheus_retention_time).toBe('60s');
  });

  it('keeps WAN gossip, gRPC and HTTPS ports shut and serves HTTP and DNS on the pod IP', () => {
    const config = consulServerConfig({ ...props, servers: 3 });
    expect(config.ports).toMatchObject({
      serf_wan: -1,
      grpc: -1,
      grpc_tls: -1,
      https: -1,
      http: 8500,
      dns: 8600,
    });
    expect(config.client_addr).toBe('0.0.0.0');
  });

  it('turns on ACLs with default deny and TLS verification only when asked', () => {
    const secure = consulServerConfig({ ...props, servers: 3, tls: true, acl: true });
    expect(secure.acl).toMatchObject({ enabled: true, default_policy: 'deny' });
    expect(secure.tls?.internal_rpc).toEqual({
      verify_incoming: true,
      verify_server_hostname: true,
    });
    expect(secure.tls?.defaults.ca_file).toBe('/consul/secrets/tls-ca.pem');
    const plain = consulServerConfig({ ...props, servers: 1 });
    expect(plain.acl).toBeUndefined();
    expect(plain.tls).toBeUndefined();
  });
});

import { issuesOf, withOverride, type Override } from '../../test/support/settings';
import { defaults, environments } from './environments';
import { loadEnvironments } from './load';
import type { EnvironmentName } from './schema';

describe('Consul and collector settings', () => {
  it('runs 1 Consul server in dev and an odd count of 3 or more elsewhere', () => {
    const servers = Object.fromEntries(loadEnvironments().map((e) => [e.name, e.consul.servers]));
    expect(servers).toEqual({ dev: 1, staging: 3, prod: 5 });
  });

  it('pins both images by digest outside dev, like the service', () => {
    for (const env of loadEnvironments().filter((e) => e.name !== 'dev')) {
      for (const image of [env.consul.image, env.otel.image]) {
        expect(image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
        expect(image.requireDigest).toBe(true);
        expect(image.tag).toMatch(/^\d+\.\d+\.\d+$/);
      }
    }
  });

  it.each<[string, EnvironmentName, Override, string]>([
    [
      'an even server count',
      'prod',
      { consul: { servers: 4 } },
      'prod: consul.servers: must be one of 1, 3, 5',
    ],
    [
      'two servers',
      'staging',
      { consul: { servers: 2 } },
      'staging: consul.servers: must be one of 1, 3, 5',
    ],
    [
      'a single server outside dev',
      'prod',
      { consul: { servers: 1 } },
      'prod: consul.servers: must be 3 or 5 outside dev',
    ],
    [
      'three servers in dev',
      'dev',
      { consul: { servers: 3 } },
      'dev: consul.servers: dev runs a single Consul server, got 3',
    ],
    [
      'Consul without TLS in prod',
      'prod',
      { consul: { tls: false } },
      'prod: consul.tls: must be true outside dev',
    ],
    [
      'Consul without ACLs in staging',
      'staging',
      { consul: { acl: false } },
      'staging: consul.acl: must be true outside dev',
    ],
    [
      'servers that may share a node in prod',
      'prod',
      { consul: { podAntiAffinity: 'preferred' } },
      'prod: consul.podAntiAffinity: must be "required" outside dev',
    ],
    [
      'a collector memory limit below its request',
      'prod',
      { otel: { resources: { requests: { memory: '2Gi' } } } },
      'prod: otel.resources.requests.memory: 2Gi exceeds limits.memory 1Gi',
    ],
    [
      'the debug exporter in prod',
      'prod',
      { otel: { exporter: 'debug' } },
      'prod: otel.exporter: must be "otlp" outside dev',
    ],
    [
      'the otlp exporter without a backend',
      'dev',
      { otel: { exporter: 'otlp' } },
      'dev: otel.backend: required with the otlp exporter',
    ],
    ['a collector with no replica', 'staging', { otel: { replicas: 0 } }, 'staging: otel.replicas'],
  ])('rejects %s', (_label, env, override, expected) => {
    expect(issuesOf(withOverride(env, override))).toContain(expected);
  });

  it('rejects a Consul image by tag only in staging', () => {
    const staging = environments.staging;
    const settings = {
      ...environments,
      staging: { ...staging, consul: { ...staging.consul, image: {} } },
    };
    expect(issuesOf(settings)).toContain('staging: consul.image.digest: required');
  });

  it('rejects a component image without a tag, since the tag is its version label', () => {
    const image = { ...defaults.otel.image };
    delete image.tag;
    expect(() =>
      loadEnvironments(environments, { ...defaults, otel: { ...defaults.otel, image } }),
    ).toThrow('prod: otel.image.tag: required: the tag is the app.kubernetes.io/version label');
  });
});

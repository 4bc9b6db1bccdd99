import type { KubeObject } from '../../charts/synth/render';
import { schemaErrors } from './schema-validation';

const deployment = (container: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'x', namespace: 'ns' },
  spec: {
    selector: { matchLabels: { a: 'b' } },
    template: { metadata: { labels: { a: 'b' } }, spec: { containers: [container] } },
  },
});

describe('schemaErrors', () => {
  it('accepts a valid object', () => {
    expect(schemaErrors(deployment({ name: 'c', image: 'i:1' }))).toEqual([]);
  });

  const externalSecret = (template: Record<string, unknown>): KubeObject => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'x', namespace: 'ns' },
    spec: {
      secretStoreRef: { name: 's' },
      target: { template },
      data: [{ secretKey: 'k', remoteRef: { key: 'r' } }],
    },
  });

  it('accepts an ExternalSecret that renders files from a v2 template', () => {
    expect(
      schemaErrors(externalSecret({ engineVersion: 'v2', data: { 'a.json': '{{ .k }}' } })),
    ).toEqual([]);
  });

  it('rejects an ExternalSecret template with an unknown engine or a non-string file', () => {
    expect(schemaErrors(externalSecret({ engineVersion: 'v3' })).join('\n')).toContain(
      'must be equal to one of the allowed values',
    );
    expect(schemaErrors(externalSecret({ data: { 'a.json': 1 } })).join('\n')).toContain(
      'must be string',
    );
  });

  const httpRoute = (
    path: Record<string, unknown>,
    backend: Record<string, unknown> = { name: 'svc', port: 8080 },
    extra: Record<string, unknown> = {},
  ): KubeObject => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'r', namespace: 'ns' },
    spec: {
      parentRefs: [{ name: 'gw', namespace: 'gateway-system', sectionName: 'https' }],
      hostnames: ['users.example.com', '*.example.com'],
      rules: [{ matches: [{ path }], backendRefs: [backend] }],
      ...extra,
    },
  });

  it('accepts an HTTPRoute as the upstream v1 CRD does', () => {
    expect(schemaErrors(httpRoute({ type: 'PathPrefix', value: '/v1' }))).toEqual([]);
    expect(schemaErrors(httpRoute({ type: 'RegularExpression', value: 'v[0-9]+' }))).toEqual([]);
  });

  it.each([
    ['a relative prefix', httpRoute({ type: 'PathPrefix', value: 'v1' }), 'must match pattern'],
    ['a // in the prefix', httpRoute({ type: 'PathPrefix', value: '/v1//x' }), 'must NOT be valid'],
    ['a trailing /..', httpRoute({ type: 'Exact', value: '/v1/..' }), 'must NOT be valid'],
    ['an unknown match type', httpRoute({ type: 'Prefix', value: '/v1' }), 'allowed values'],
    [
      'a Service backend without a port',
      httpRoute({ type: 'PathPrefix', value: '/v1' }, { name: 'svc' }),
      "must have required property 'port'",
    ],
    [
      'a hostname with a port',
      httpRoute({ type: 'PathPrefix', value: '/v1' }, undefined, {
        hostnames: ['users.example.com:443'],
      }),
      '/spec/hostnames/0 must match pattern',
    ],
    [
      'a field the CRD does not have',
      httpRoute({ type: 'PathPrefix', value: '/v1' }, undefined, { gateway: 'gw' }),
      'must NOT have additional properties',
    ],
  ])('rejects an HTTPRoute with %s', (_label, object, expected) => {
    expect(schemaErrors(object).join('\n')).toContain(expected);
  });

  it.each([
    ['a wrong type', deployment({ name: 'c', image: 1 }), 'image must be string'],
    [
      'a missing required field',
      deployment({ image: 'i:1' }),
      'containers/0 must have required property name',
    ],
    [
      'an unknown ExternalSecret field',
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'x', namespace: 'ns' },
        spec: { secretStoreRef: { name: 's' }, target: {}, data: [], bogus: true },
      },
      'must NOT have additional properties',
    ],
    [
      'a kind it has no schema for',
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } },
      'no schema for example.com/v1/Widget',
    ],
  ])('rejects %s', (_label, object, expected) => {
    expect(schemaErrors(object).join('\n')).toContain(expected);
  });
});

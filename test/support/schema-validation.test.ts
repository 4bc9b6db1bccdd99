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

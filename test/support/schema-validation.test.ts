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

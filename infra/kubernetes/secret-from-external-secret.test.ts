import * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../../charts/synth/render';
import type { SecretName } from '../config/secret-sources';
import {
  secretFromExternalSecret,
  UnsupportedExternalSecretError,
} from './secret-from-external-secret';

const labels = { 'app.kubernetes.io/name': 'user-service' };

function externalSecret(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'app-secrets', namespace: 'ns', labels },
    spec: { secretStoreRef: { name: 'store', kind: 'ClusterSecretStore' }, ...spec },
  };
}

const values: Partial<Record<SecretName, pulumi.Output<string>>> = {
  dbPassword: pulumi.secret('db-pw'),
  redisPassword: pulumi.secret('redis-pw'),
  consulGossipKey: pulumi.secret('gossip=='),
};

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** The Secret's data, decoded, and whether every value is a secret Output. */
async function decoded(
  secret: KubeObject,
): Promise<{ data: Record<string, string>; allSecret: boolean }> {
  const entries = Object.entries(secret.data as Record<string, pulumi.Output<string>>);
  const data: Record<string, string> = {};
  let allSecret = true;
  for (const [key, value] of entries) {
    allSecret &&= await pulumi.isSecret(value);
    data[key] = Buffer.from(await promiseOf(value), 'base64').toString('utf8');
  }
  return { data, allSecret };
}

function swap(object: KubeObject, secrets = values): KubeObject {
  const result = secretFromExternalSecret(object, secrets);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.secret;
}

describe('secretFromExternalSecret', () => {
  it('builds a Secret with the target name, namespace, labels and one secret key per spec.data', async () => {
    const secret = swap(
      externalSecret({
        target: { name: 'target-name', template: { metadata: { labels: { extra: 'yes' } } } },
        data: [
          { secretKey: 'DB_PASSWORD', remoteRef: { key: 'k', property: 'db' } },
          { secretKey: 'REDIS_PASSWORD', remoteRef: { key: 'k', property: 'redis' } },
        ],
      }),
    );
    expect(secret).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'target-name', namespace: 'ns', labels: { ...labels, extra: 'yes' } },
      type: 'Opaque',
    });
    expect(await decoded(secret)).toEqual({
      data: { DB_PASSWORD: 'db-pw', REDIS_PASSWORD: 'redis-pw' },
      allSecret: true,
    });
  });

  it('renders {{ .key }} templates (engine v2) into the template keys only', async () => {
    const secret = swap(
      externalSecret({
        target: {
          template: {
            engineVersion: 'v2',
            type: 'kubernetes.io/opaque',
            data: { 'secrets.json': '{"encrypt": "{{ .gossipKey }}", "db": "{{.DB_PASSWORD}}"}\n' },
          },
        },
        data: [
          { secretKey: 'gossipKey', remoteRef: { key: 'consul', property: 'gossip-key' } },
          { secretKey: 'DB_PASSWORD', remoteRef: { key: 'consul', property: 'db' } },
        ],
      }),
    );
    expect(secret.metadata.name).toBe('app-secrets');
    expect(secret.type).toBe('kubernetes.io/opaque');
    expect(await decoded(secret)).toEqual({
      data: { 'secrets.json': '{"encrypt": "gossip==", "db": "db-pw"}\n' },
      allSecret: true,
    });
  });

  it('returns the missing config keys when a mapped stack secret is not set', () => {
    const result = secretFromExternalSecret(
      externalSecret({ data: [{ secretKey: 'DB_PASSWORD' }, { secretKey: 'REDIS_PASSWORD' }] }),
      { redisPassword: pulumi.secret('r') },
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          key: 'secrets.dbPassword',
          message: 'required by Secret ns/app-secrets (key DB_PASSWORD)',
        },
      ],
    });
  });

  it.each([
    [
      'an unmapped key',
      { data: [{ secretKey: 'api-token' }] },
      'key api-token has no stack secret: name it like an environment variable (DB_PASSWORD → secrets.dbPassword) or add it to SECRET_NAME_OVERRIDES (infra/config/secret-sources.ts)',
    ],
    [
      'dataFrom',
      { data: [{ secretKey: 'DB_PASSWORD' }], dataFrom: [{ extract: { key: 'all' } }] },
      'spec.dataFrom is not supported',
    ],
    ['no data', { data: [] }, 'spec.data is empty'],
    [
      'a template function',
      {
        data: [{ secretKey: 'DB_PASSWORD' }],
        target: { template: { data: { url: '{{ .DB_PASSWORD | b64enc }}' } } },
      },
      'template of key url: "{{ .DB_PASSWORD | b64enc }}" is not supported',
    ],
    [
      'a template of an unknown key',
      {
        data: [{ secretKey: 'DB_PASSWORD' }],
        target: { template: { data: { url: '{{ .other }}' } } },
      },
      'template of key url: "{{ .other }}" is not supported (only {{ .<secretKey> }} of spec.data)',
    ],
    [
      'engine v1',
      {
        data: [{ secretKey: 'DB_PASSWORD' }],
        target: { template: { engineVersion: 'v1', data: { a: 'b' } } },
      },
      'only templates with engineVersion v2',
    ],
    [
      'templateFrom',
      { data: [{ secretKey: 'DB_PASSWORD' }], target: { template: { templateFrom: [{}] } } },
      'spec.target.template.templateFrom is not supported',
    ],
  ])('refuses %s, naming the object', (_, spec, message) => {
    const call = () => secretFromExternalSecret(externalSecret(spec), values);
    expect(call).toThrow(UnsupportedExternalSecretError);
    expect(call).toThrow(`ExternalSecret ns/app-secrets: ${message}`);
  });
});

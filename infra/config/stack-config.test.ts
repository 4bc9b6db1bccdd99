import * as pulumi from '@pulumi/pulumi';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENT_NAMES } from '../../charts/config/schema';
import { loadEnvironments } from '../../charts/config/load';
import { renderEnvironments } from '../../charts/synth/render';
import {
  SECRET_NAMES,
  SECRET_NAME_OVERRIDES,
  externalSecretKeys,
  secretConfigKey,
  secretSourceOf,
} from './secret-sources';
import {
  REPOSITORY_ROOT,
  StackConfigError,
  parseStackConfig,
  type StackConfig,
} from './stack-config';

const PROJECT = 'user-service-platform';
const OPTIONS = { project: PROJECT, stack: 'dev', repositoryRoot: '/repo' };
const DIGEST = `sha256:${'d'.repeat(64)}`;

function config(values: Record<string, string>): StackConfig {
  return parseStackConfig(
    Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    OPTIONS,
  );
}

function issuesOf(values: Record<string, string>): string[] {
  try {
    config(values);
  } catch (error) {
    if (error instanceof StackConfigError) return error.issues.map((i) => i.key);
    throw error;
  }
  throw new Error('no error');
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe('parseStackConfig', () => {
  it('builds the image unless a prebuilt reference is set', () => {
    expect(config({ environment: 'dev', 'kubernetes.context': 'c' }).image).toEqual({
      mode: 'build',
      repository: undefined,
    });
    expect(
      config({
        environment: 'dev',
        'kubernetes.context': 'c',
        'image.repository': 'localhost:5000/us',
      }).image,
    ).toEqual({ mode: 'build', repository: 'localhost:5000/us' });
    expect(
      config({
        environment: 'prod',
        'kubernetes.context': 'c',
        'image.prebuilt': `localhost:5000/team/us@${DIGEST}`,
      }).image,
    ).toEqual({
      mode: 'prebuilt',
      reference: `localhost:5000/team/us@${DIGEST}`,
      repository: 'localhost:5000/team/us',
      digest: DIGEST,
      verify: false,
    });
  });

  it('marks every secret secret and keeps its value as given (no trimming)', async () => {
    const parsed = config({
      environment: 'dev',
      'kubernetes.context': 'c',
      'secrets.dbPassword': ' p@ss word ',
    });
    const value = parsed.secrets.dbPassword;
    if (value === undefined) throw new Error('dbPassword missing');
    expect(await pulumi.isSecret(value)).toBe(true);
    expect(await promiseOf(value)).toBe(' p@ss word ');
    expect(parsed.secrets.redisPassword).toBeUndefined();
  });

  it('resolves renderYamlTo against the repository and defaults the cluster identifier', () => {
    const parsed = config({
      environment: 'staging',
      'kubernetes.renderYamlTo': 'rendered/staging',
    });
    expect(parsed.kubernetes).toEqual({
      context: undefined,
      kubeconfig: undefined,
      clusterIdentifier: 'user-service-staging',
      renderYamlTo: '/repo/rendered/staging',
      renderYamlSecrets: false,
    });
  });

  it('takes the render and registry checks as true/false, only where they apply', () => {
    expect(
      config({
        environment: 'dev',
        'kubernetes.renderYamlTo': 'out',
        'kubernetes.renderYamlSecrets': 'true',
      }).kubernetes.renderYamlSecrets,
    ).toBe(true);
    expect(
      config({
        environment: 'dev',
        'kubernetes.context': 'c',
        'image.prebuilt': `localhost:5000/team/us@${DIGEST}`,
        'image.verifyPrebuilt': 'true',
      }).image,
    ).toMatchObject({ mode: 'prebuilt', verify: true });
    expect(
      issuesOf({
        environment: 'dev',
        'kubernetes.context': 'c',
        'kubernetes.renderYamlSecrets': 'yes',
        'image.verifyPrebuilt': 'true',
      }),
    ).toEqual([
      'kubernetes.renderYamlSecrets',
      'image.verifyPrebuilt',
      'kubernetes.renderYamlSecrets',
    ]);
  });

  it('accepts kubeconfig content as well as an absolute path', () => {
    const content = 'apiVersion: v1\nkind: Config\n';
    expect(
      config({ environment: 'dev', 'kubernetes.kubeconfig': content }).kubernetes.kubeconfig,
    ).toBe(content);
    expect(issuesOf({ environment: 'dev', 'kubernetes.kubeconfig': '~/.kube/config' })).toEqual([
      'kubernetes.kubeconfig',
    ]);
  });

  it('reports every bad key at once, and ignores other namespaces', () => {
    const error = (() => {
      try {
        parseStackConfig(
          {
            [`${PROJECT}:environment`]: 'dev',
            [`${PROJECT}:image.prebuilt`]: 'x',
            [`${PROJECT}:image.repository`]: 'UPPER/case',
            'kubernetes:context': 'ignored',
          },
          OPTIONS,
        );
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).issues.map((i) => i.key).sort()).toEqual([
      'image.prebuilt',
      'image.repository',
      'kubernetes.context',
    ]);
    expect((error as Error).message).toContain(
      `stack dev: invalid configuration:\n  - ${PROJECT}:`,
    );
  });
});

describe('secret sources', () => {
  it('derives the config key of an environment-variable-like store key, keeps the overrides', () => {
    expect(secretSourceOf('DB_PASSWORD')).toBe('dbPassword');
    expect(secretSourceOf('REDIS_PASSWORD')).toBe('redisPassword');
    expect(secretSourceOf('PAGE_TOKEN_SECRET')).toBe('pageTokenSecret');
    for (const [secretKey, name] of Object.entries(SECRET_NAME_OVERRIDES)) {
      expect(secretSourceOf(secretKey)).toBe(name);
    }
    expect(secretSourceOf('toString')).toBeUndefined();
    expect(secretSourceOf('api-token')).toBeUndefined();
    expect(secretConfigKey('dbPassword')).toBe('secrets.dbPassword');
  });

  it('knows every key the charts ExternalSecrets read, and follows a new one', () => {
    const keys = externalSecretKeys(
      renderEnvironments(loadEnvironments()).flatMap((r) => r.objects),
    );
    expect(keys).toEqual(expect.arrayContaining(['DB_PASSWORD', 'REDIS_PASSWORD', 'gossipKey']));
    expect([...SECRET_NAMES].sort()).toEqual(
      [...new Set(keys.map((k) => secretSourceOf(k)))].sort(),
    );
    const withNewKey = externalSecretKeys([
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'user-service-secrets' },
        spec: { data: [{ secretKey: 'DB_PASSWORD' }, { secretKey: 'PAGE_TOKEN_SECRET' }] },
      },
    ]);
    expect(withNewKey.map((k) => secretSourceOf(k))).toEqual(['dbPassword', 'pageTokenSecret']);
  });
});

/** What a stack file holds that must not be committed: the salt, secure values, secret keys. */
function committedSecrets(text: string): string[] {
  const file = (parse(text) ?? {}) as {
    encryptionsalt?: unknown;
    config?: Record<string, unknown>;
  };
  return [
    ...(file.encryptionsalt === undefined ? [] : ['encryptionsalt']),
    ...Object.entries(file.config ?? {})
      .filter(([k, v]) => k.includes(':secrets.') || JSON.stringify(v).includes('"secure"'))
      .map(([k]) => k),
  ];
}

/** A file as committed at HEAD (not the working tree, which `pulumi config set` changes). */
function atHead(path: string): string {
  return execFileSync('git', ['show', `HEAD:${path}`], { cwd: REPOSITORY_ROOT, encoding: 'utf8' });
}

describe('Pulumi.yaml and the committed stack files', () => {
  const project = parse(atHead('Pulumi.yaml')) as {
    name: string;
    main: string;
    runtime: { name: string; options: { typescript: boolean; tsconfig: string } };
  };

  it('runs infra/ as TypeScript with the Pulumi tsconfig', () => {
    expect(project).toMatchObject({
      name: PROJECT,
      main: 'infra/',
      runtime: { name: 'nodejs', options: { typescript: true } },
    });
    const tsconfig = atHead(`${project.main}${project.runtime.options.tsconfig}`);
    expect(tsconfig).toContain('"noCheck": true');
  });

  it('finds the salt and the secure values of a stack file after the README steps (fixture)', () => {
    const text = readFileSync(join(__dirname, 'fixtures', 'Pulumi.dev.after-readme.yaml'), 'utf8');
    expect(committedSecrets(text)).toEqual([
      'encryptionsalt',
      `${PROJECT}:secrets.dbPassword`,
      `${PROJECT}:secrets.redisPassword`,
    ]);
  });

  it.each(ENVIRONMENT_NAMES.map((env) => [env]))(
    'Pulumi.%s.yaml at HEAD is valid, names its environment and holds no secret',
    (env) => {
      const text = atHead(`Pulumi.${env}.yaml`);
      expect(committedSecrets(text)).toEqual([]);
      const file = parse(text) as { config: Record<string, string> };
      const parsed = parseStackConfig(file.config, { ...OPTIONS, stack: env });
      expect(parsed.environment).toBe(env);
    },
  );
});

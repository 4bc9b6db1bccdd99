import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENT_NAMES } from '../../charts/config/schema';
import { SECRET_NAMES, SECRET_SOURCES, secretConfigKey, secretSourceOf } from './secret-sources';
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
    });
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
  it('gives every mapped store key a config key secrets.<name>', () => {
    for (const [secretKey, name] of Object.entries(SECRET_SOURCES)) {
      expect(secretSourceOf(secretKey)).toBe(name);
      expect(SECRET_NAMES).toContain(name);
    }
    expect(secretSourceOf('toString')).toBeUndefined();
    expect(secretSourceOf('NOT_MAPPED')).toBeUndefined();
    expect(secretConfigKey('dbPassword')).toBe('secrets.dbPassword');
  });
});

describe('Pulumi.yaml and the committed stack files', () => {
  const project = parse(readFileSync(join(REPOSITORY_ROOT, 'Pulumi.yaml'), 'utf8')) as {
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
    const tsconfig = readFileSync(
      join(REPOSITORY_ROOT, project.main, project.runtime.options.tsconfig),
      'utf8',
    );
    expect(tsconfig).toContain('"noCheck": true');
  });

  it.each(ENVIRONMENT_NAMES.map((env) => [env]))(
    'Pulumi.%s.yaml is valid, names its environment and holds no secret',
    (env) => {
      const file = parse(readFileSync(join(REPOSITORY_ROOT, `Pulumi.${env}.yaml`), 'utf8')) as {
        config: Record<string, unknown>;
      };
      const keys = Object.keys(file.config);
      expect(
        keys.filter((k) => k.includes('secrets.') || /secure/.test(JSON.stringify(file.config[k]))),
      ).toEqual([]);
      const parsed = parseStackConfig(file.config as Record<string, string>, {
        ...OPTIONS,
        stack: env,
      });
      expect(parsed.environment).toBe(env);
    },
  );
});

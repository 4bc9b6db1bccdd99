import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStackConfig, StackConfigError } from '../config/stack-config';
import { checkKubernetesTarget } from './target';

const PROJECT = 'user-service-platform';
const FIXTURE = join(__dirname, 'fixtures', 'kubeconfig.yaml');
const MISSING = join(__dirname, 'fixtures', 'no-such-kubeconfig.yaml');

function config(stack: string, values: Record<string, string>) {
  return parseStackConfig(
    Object.fromEntries(Object.entries(values).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    { project: PROJECT, stack, repositoryRoot: '/repo' },
  );
}

function messageOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof StackConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('checkKubernetesTarget', () => {
  it('accepts a context of $KUBECONFIG (a list of files), of the configured file or content', () => {
    const env = { KUBECONFIG: `${MISSING}:${FIXTURE}` };
    expect(() => {
      checkKubernetesTarget(
        config('dev', { environment: 'dev', 'kubernetes.context': 'user-platform-dev' }),
        env,
      );
      checkKubernetesTarget(
        config('staging', {
          environment: 'staging',
          'kubernetes.context': 'kind-staging',
          'kubernetes.kubeconfig': FIXTURE,
        }),
        {},
      );
      checkKubernetesTarget(
        config('staging', {
          environment: 'staging',
          'kubernetes.context': 'kind-staging',
          'kubernetes.kubeconfig': readFileSync(FIXTURE, 'utf8'),
        }),
        {},
      );
    }).not.toThrow();
  });

  it('fails naming the stack and the context when the context does not exist', () => {
    const message = messageOf(() => {
      checkKubernetesTarget(
        config('staging', {
          environment: 'staging',
          'kubernetes.context': 'user-platform-staging',
        }),
        {
          KUBECONFIG: FIXTURE,
        },
      );
    });
    expect(message).toContain(
      `stack staging: invalid configuration:\n  - ${PROJECT}:kubernetes.context: no context "user-platform-staging" in the kubeconfig (${FIXTURE}); its contexts: user-platform-dev, kind-staging`,
    );
  });

  it('fails when there is no kubeconfig at all (HOME without .kube/config)', () => {
    const message = messageOf(() => {
      checkKubernetesTarget(
        config('dev', { environment: 'dev', 'kubernetes.context': 'user-platform-dev' }),
        {
          HOME: join(__dirname, 'fixtures'),
        },
      );
    });
    expect(message).toContain(
      `stack dev: invalid configuration:\n  - ${PROJECT}:kubernetes.context: "user-platform-dev": no kubeconfig file at ${join(__dirname, 'fixtures', '.kube', 'config')}`,
    );
  });

  it('checks nothing for a render-only stack', () => {
    expect(() => {
      checkKubernetesTarget(
        config('dev', {
          environment: 'dev',
          'kubernetes.context': 'nowhere',
          'kubernetes.renderYamlTo': 'rendered/dev',
        }),
        { KUBECONFIG: MISSING },
      );
    }).not.toThrow();
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { StackConfigError, type StackConfig } from '../config/stack-config';

/** Where the kubeconfig comes from, and its text (undefined when the file does not exist). */
interface KubeconfigSource {
  readonly name: string;
  readonly text: string | undefined;
}

/** The kubeconfig files the provider reads: the configured one, else $KUBECONFIG, else ~/.kube/config. */
function kubeconfigSources(config: StackConfig, env: NodeJS.ProcessEnv): KubeconfigSource[] {
  const read = (path: string) => ({
    name: path,
    text: existsSync(path) ? readFileSync(path, 'utf8') : undefined,
  });
  const configured = config.kubernetes.kubeconfig;
  if (configured !== undefined) {
    return configured.includes('\n')
      ? [{ name: 'the kubernetes.kubeconfig content', text: configured }]
      : [read(configured)];
  }
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
  const paths = fromEnv.length > 0 ? fromEnv : [join(env.HOME ?? homedir(), '.kube', 'config')];
  return paths.map(read);
}

function contextsOf(text: string): string[] {
  const doc = parse(text) as { contexts?: { name?: unknown }[] } | null;
  return (doc?.contexts ?? []).flatMap((c) => (typeof c.name === 'string' ? [c.name] : []));
}

/**
 * Fails (before anything is registered, so in `pulumi preview` too) when `kubernetes.context`
 * names a context the kubeconfig does not have. The provider itself would only fail at `up`,
 * and a preview would report changes against no cluster at all. Render-only stacks need no
 * cluster and are not checked.
 */
export function checkKubernetesTarget(config: StackConfig, env: NodeJS.ProcessEnv): void {
  const { context, renderYamlTo } = config.kubernetes;
  if (renderYamlTo !== undefined || context === undefined) return;
  const sources = kubeconfigSources(config, env);
  const found = sources.filter((s) => s.text !== undefined);
  const where = sources.map((s) => s.name).join(', ');
  if (found.length === 0) {
    throw new StackConfigError(config.project, config.stack, [
      { key: 'kubernetes.context', message: `"${context}": no kubeconfig file at ${where}` },
    ]);
  }
  const contexts = found.flatMap((s) => contextsOf(s.text ?? ''));
  if (!contexts.includes(context)) {
    throw new StackConfigError(config.project, config.stack, [
      {
        key: 'kubernetes.context',
        message:
          `no context "${context}" in the kubeconfig (${where}); its contexts: ` +
          (contexts.length > 0 ? contexts.join(', ') : 'none'),
      },
    ]);
  }
}

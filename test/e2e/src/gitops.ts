/** The GitOps path: what Argo CD / Flux would apply from dist/<env>, applied with kubectl. */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import type { Environment } from '../../../charts/config/schema';
import { REPOSITORY_ROOT } from '../../../infra/config/stack-config';
import { kubectl, kubectlJson, run, warningsOf } from './exec';
import { check } from './harness';

export const DIST = join(REPOSITORY_ROOT, 'dist');

/** Server-side apply with strict field validation; `extra` adds e.g. `--dry-run=server`. */
async function apply(target: readonly string[], extra: readonly string[]): Promise<string[]> {
  const args = [
    'apply',
    '--server-side',
    '--field-manager=e2e-gitops',
    '--validate=strict',
    ...extra,
    ...target,
  ];
  const result = await run('kubectl', args);
  check(result.code === 0, `kubectl ${args.join(' ')} failed:\n${result.stderr}`);
  return warningsOf(result.stderr);
}

/**
 * Applies dist/<env> as kustomize (its kustomization.yaml lists the files): first the
 * Namespace for real (a server dry run of namespaced objects needs it to exist), then a server
 * dry run of everything, then the real apply. Throws on any error or `Warning:` line.
 */
export async function applyEnvironment(environment: Environment): Promise<void> {
  const dir = join(DIST, environment.name);
  const nsFile = readdirSync(dir).find((f) => f.startsWith('namespace-'));
  check(nsFile !== undefined, `${dir} has no namespace-*.yaml`);
  const warnings = [
    ...(await apply(['-f', join(dir, nsFile)], [])),
    ...(await apply(['-k', dir], ['--dry-run=server'])).map((w) => `dry run: ${w}`),
    ...(await apply(['-k', dir], [])),
  ];
  check(warnings.length === 0, `kubectl printed warnings:\n${warnings.join('\n')}`);
}

/** `kind/name` of every Deployment and StatefulSet in the namespace. */
export async function workloadsOf(namespace: string): Promise<string[]> {
  const list = (await kubectlJson(['get', 'deployments,statefulsets', '-n', namespace])) as {
    items: { kind: string; metadata: { name: string } }[];
  };
  return list.items.map((i) => `${i.kind.toLowerCase()}/${i.metadata.name}`);
}

/** Waits for each workload's rollout (every replica Ready on the kwok nodes). */
export async function waitForRollouts(
  namespace: string,
  workloads: readonly string[],
): Promise<void> {
  for (const workload of workloads) {
    await kubectl(['rollout', 'status', '-n', namespace, workload, '--timeout=180s']);
  }
}

/** Claims of the namespace that are not Bound, as `name: phase`. */
export async function unboundClaims(namespace: string): Promise<string[]> {
  const list = (await kubectlJson(['get', 'pvc', '-n', namespace])) as {
    items: { metadata: { name: string }; status?: { phase?: string } }[];
  };
  return list.items
    .filter((c) => c.status?.phase !== 'Bound')
    .map((c) => `${c.metadata.name}: ${c.status?.phase ?? 'unknown'}`);
}

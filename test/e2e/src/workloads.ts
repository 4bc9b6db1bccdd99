/** Checks on the workloads, images and namespaces both paths deploy. */
import type { Environment } from '../../../charts/config/schema';
import { imageReference } from '../../../charts/constructs/user-service';
import { kubectlJson, run } from './exec';
import { check } from './harness';
import { captureNamespace } from './live';

export interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
  status?: { readyReplicas?: number; replicas?: number };
}

export const IMAGE_REPOSITORY = 'registry.example.com/platform/user-service';

/** `registry.example.com/platform/user-service@sha256:<64 hex>` made of one repeated hex digit. */
export function imageRef(hexDigit: string, repository = IMAGE_REPOSITORY): string {
  return `${repository}@sha256:${hexDigit.repeat(64)}`;
}

/** The image a stack deploys first: the chart's own when it is a digest, else a made-up one. */
export function firstImage(environment: Environment): string {
  const chart = imageReference(environment.image);
  return chart.includes('@sha256:') ? chart : imageRef('1');
}

/** Every Deployment and StatefulSet of the namespace has all its replicas Ready, now. */
export async function assertReadyNow(namespace: string): Promise<void> {
  const list = (await kubectlJson(['get', 'deployments,statefulsets', '-n', namespace])) as {
    items: Workload[];
  };
  check(list.items.length > 0, `no workloads in ${namespace}`);
  for (const w of list.items) {
    const want = w.spec.replicas ?? 1;
    const ready = w.status?.readyReplicas ?? 0;
    check(ready >= 1 && ready === want, `${w.kind}/${w.metadata.name}: ${ready}/${want} Ready`);
  }
}

/** Objects left in a namespace (empty when it is gone). */
export async function leftIn(namespace: string): Promise<string[]> {
  const ns = await run('kubectl', [
    'get',
    'namespace',
    namespace,
    '-o',
    'jsonpath={.status.phase}',
  ]);
  if (ns.code !== 0 && /NotFound/.test(ns.stderr)) return [];
  check(ns.code === 0, ns.stderr);
  const objects = await captureNamespace(namespace);
  const pods = await run('kubectl', ['get', 'pods', '-n', namespace, '-o', 'name']);
  const left = [...objects.keys()].filter((k) => k !== `Namespace/${namespace}`);
  const phase = ns.stdout === 'Terminating' ? [] : [`namespace ${namespace} is ${ns.stdout}`];
  return [...phase, ...left, ...pods.stdout.split('\n').filter(Boolean)];
}

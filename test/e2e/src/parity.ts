/**
 * Parity of the two delivery paths: the live objects of one environment after `kubectl apply`
 * of dist/<env> and after `pulumi up`, equal apart from the documented swaps (README.md,
 * "Deploy with Pulumi"): the service image pinned by digest, each ExternalSecret a Secret.
 */
import { differences, type Json, type LiveObject } from './live';

/** What differs, as readable lines (empty when the paths agree). */
export function parityIssues(
  gitops: ReadonlyMap<string, LiveObject>,
  pulumi: ReadonlyMap<string, LiveObject>,
  swap: { readonly chartImage: string; readonly deployedImage: string },
): string[] {
  const issues: string[] = [];
  const expected = new Map(gitops);
  const actual = new Map(pulumi);
  // Swap 1: ExternalSecret (GitOps) -> Secret of the same target name and labels (Pulumi).
  for (const [key, es] of gitops) {
    if (es.kind !== 'ExternalSecret') continue;
    expected.delete(key);
    const spec = es.spec as {
      target?: { name?: string; template?: { metadata?: { labels?: Json } } };
    };
    const name = spec.target?.name ?? es.metadata.name;
    const secret = actual.get(`Secret/${name}`);
    actual.delete(`Secret/${name}`);
    if (secret === undefined) {
      issues.push(`${key}: Pulumi made no Secret/${name}`);
      continue;
    }
    const data = (secret.data ?? {}) as Record<string, Json>;
    if (Object.keys(data).length === 0) issues.push(`Secret/${name}: no data`);
    const labels = spec.target?.template?.metadata?.labels;
    const secretLabels = (secret.metadata as { labels?: Json }).labels;
    if (labels !== undefined) {
      issues.push(...differences(labels, secretLabels, `Secret/${name} labels`));
    }
  }
  // Swap 2: the service image, the chart's reference -> the deployed digest.
  for (const [key, object] of actual) {
    const text = JSON.stringify(object);
    if (!text.includes(swap.deployedImage)) continue;
    actual.set(key, JSON.parse(text.split(swap.deployedImage).join(swap.chartImage)) as LiveObject);
  }
  for (const key of expected.keys()) {
    if (!actual.has(key)) issues.push(`${key}: only in the GitOps path`);
  }
  for (const key of actual.keys()) {
    if (!expected.has(key)) issues.push(`${key}: only in the Pulumi path`);
  }
  for (const [key, object] of expected) {
    const other = actual.get(key);
    if (other !== undefined) issues.push(...differences(object, other, key));
  }
  return issues;
}

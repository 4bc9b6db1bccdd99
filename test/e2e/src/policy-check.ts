/**
 * The Pulumi policy pack's rules run in this process on the resources of a preview:
 * `--policy-pack` needs the pulumi-language-nodejs binary, which cannot be built here
 * (test/e2e/README.md, "Known gaps"). Same policies (policies/pulumi/policies.ts), same inputs
 * the engine would hand the pack (the preview's step inputs).
 */
import { runPolicies, type Violation } from '../../../policies/pulumi/in-process';
import type { PreviewedResource } from './pulumi-stack';

export type { Violation };

/** Every policy of the pack over the previewed resources of stack `stack`. */
export async function runPack(
  stack: string,
  resources: readonly PreviewedResource[],
): Promise<Violation[]> {
  return runPolicies(resources, { PULUMI_NODEJS_STACK: stack });
}

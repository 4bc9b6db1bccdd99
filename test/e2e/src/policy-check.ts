/**
 * The Pulumi policy pack's rules run in this process on the resources of a preview:
 * `--policy-pack` needs the pulumi-language-nodejs binary, which cannot be built here
 * (test/e2e/README.md, "Known gaps"). Same policies (policies/pulumi/policies.ts), same inputs
 * the engine would hand the pack (the preview's step inputs).
 */
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import { pulumiPolicies } from '../../../policies/pulumi/policies';
import type { PreviewedResource } from './pulumi-stack';

/** One violation: policy, level and message. */
export interface Violation {
  readonly policy: string;
  readonly mandatory: boolean;
  readonly message: string;
}

function notApplicable(reason?: string): never {
  throw new Error(`not applicable: ${reason ?? ''}`);
}

function resourceArgs(r: PreviewedResource): ResourceValidationArgs {
  return {
    type: r.type,
    props: r.inputs,
    urn: r.urn,
    name: r.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}) as never,
    notApplicable,
  };
}

function stackArgs(resources: readonly PreviewedResource[]): StackValidationArgs {
  return {
    // The policies read only type, props, urn and name.
    resources: resources.map(
      (r) => ({ type: r.type, props: r.inputs, urn: r.urn, name: r.name }) as PolicyResource,
    ),
    stackTags: new Map(),
    getConfig: () => ({}) as never,
    notApplicable,
  };
}

/** Every policy of the pack over the previewed resources of stack `stack`. */
export async function runPack(
  stack: string,
  resources: readonly PreviewedResource[],
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const policy of pulumiPolicies({ PULUMI_NODEJS_STACK: stack })) {
    const mandatory = policy.enforcementLevel === 'mandatory';
    const report = (message: string) => {
      out.push({ policy: policy.name, mandatory, message });
    };
    if ('validateStack' in policy) {
      await policy.validateStack(stackArgs(resources), report);
    } else {
      const validate = policy.validateResource;
      const validators = Array.isArray(validate) ? validate : [validate];
      for (const r of resources) {
        for (const v of validators) await v?.(resourceArgs(r), report);
      }
    }
  }
  return out;
}

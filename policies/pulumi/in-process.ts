/**
 * Runs the pack's policies in this process over resources as the engine hands them to a pack
 * (type, name, URN, inputs), for the jest tests. `pulumi preview --policy-pack policies` does the
 * same through the CLI (the e2e suite runs that: test/e2e/README.md).
 */
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import { pulumiPolicies } from './policies';

/** A resource as a policy pack receives it. */
export interface PolicyInput {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
  /**
   * The resource's outputs, which stack policies receive (after an update: the live object);
   * @default the inputs (what a preview of a new resource hands over)
   */
  readonly outputs?: Record<string, unknown>;
}

/** One report of one policy. */
export interface Violation {
  readonly policy: string;
  readonly mandatory: boolean;
  readonly message: string;
  readonly urn?: string;
}

function notApplicable(reason?: string): never {
  throw new Error(`not applicable: ${reason ?? ''}`);
}

/** What validateResource receives for one resource. */
export function resourceArgs(r: PolicyInput): ResourceValidationArgs {
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

/** What validateStack receives for the whole stack. */
export function stackArgs(resources: readonly PolicyInput[]): StackValidationArgs {
  return {
    // The policies read only type, props, urn and name; the engine sends outputs here.
    resources: resources.map(
      (r) =>
        ({
          type: r.type,
          props: r.outputs ?? r.inputs,
          urn: r.urn,
          name: r.name,
        }) as PolicyResource,
    ),
    stackTags: new Map(),
    getConfig: () => ({}) as never,
    notApplicable,
  };
}

/** Every policy of the pack over the resources; `env` names the stack as the engine does. */
export async function runPolicies(
  resources: readonly PolicyInput[],
  env: NodeJS.ProcessEnv,
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const policy of pulumiPolicies(env)) {
    const mandatory = policy.enforcementLevel === 'mandatory';
    const report = (message: string, urn?: string) => {
      out.push({ policy: policy.name, mandatory, message, ...(urn === undefined ? {} : { urn }) });
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

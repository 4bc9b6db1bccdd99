/**
 * The rule set as Pulumi policies: each object rule judges each Kubernetes resource
 * (validateResource), each set rule judges all of them together (validateStack). Imports only
 * types from @pulumi/policy, so jest can call the validations directly.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import { isEnvironmentName } from '../core/context';
import { evaluate } from '../core/evaluate';
import type { EnvironmentName, Finding, KubeObject, Rule } from '../core/types';
import { RULES } from '../rules';
import { describeRef } from '../report/text';
import { declaredObject } from './declared';
import { toKubeObject } from './resources';

/** Environment variable that names the environment explicitly (else: the stack name). */
export const ENVIRONMENT_VARIABLE = 'POLICY_ENVIRONMENT';

/**
 * The environment of the stack: `POLICY_ENVIRONMENT`, else the stack name when it is one
 * (the language host passes it as PULUMI_NODEJS_STACK), else unknown (judged as prod, and in
 * stack validations each Namespace's label applies).
 */
export function stackEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): EnvironmentName | undefined {
  for (const value of [env[ENVIRONMENT_VARIABLE], env.PULUMI_NODEJS_STACK]) {
    if (isEnvironmentName(value)) return value;
  }
  return undefined;
}

function message(f: Finding): string {
  return `${describeRef(f.object)} ${f.path}: ${f.message}. Fix: ${f.remediation}`;
}

function evaluationOptions(env: NodeJS.ProcessEnv) {
  const environment = stackEnvironment(env);
  return { target: 'pulumi' as const, ...(environment === undefined ? {} : { environment }) };
}

/** Errors block the update (mandatory); warnings are shown (advisory). */
function policyInfo(rule: Rule) {
  return {
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.severity === 'error' ? ('mandatory' as const) : ('advisory' as const),
    severity: rule.severity === 'error' ? ('high' as const) : ('medium' as const),
  };
}

function resourcePolicy(
  rule: Rule & { scope: 'object' },
  env: NodeJS.ProcessEnv,
): ResourceValidationPolicy {
  return {
    ...policyInfo(rule),
    validateResource: (args, reportViolation) => {
      const object = toKubeObject(args.type, args.props, args.name);
      if (object === undefined) return;
      for (const f of evaluate([rule], [object], evaluationOptions(env)).findings) {
        reportViolation(message(f));
      }
    },
  };
}

/**
 * The stack's Kubernetes objects as the program declared them, and the URN of each. Stack
 * policies get the resources' outputs (live objects after an update, with server defaults and
 * controller writes); ./declared.ts keeps only the fields server-side apply owns, so a rule
 * judges the same object in preview, after `up` and on the GitOps path.
 */
function stackObjects(resources: readonly PolicyResource[]): {
  objects: KubeObject[];
  urnOf: Map<KubeObject, string>;
} {
  const urnOf = new Map<KubeObject, string>();
  const objects = resources.flatMap((r) => {
    const object = toKubeObject(r.type, declaredObject(r.props), r.name);
    if (object === undefined) return [];
    urnOf.set(object, r.urn);
    return [object];
  });
  return { objects, urnOf };
}

function stackPolicy(rule: Rule & { scope: 'set' }, env: NodeJS.ProcessEnv): StackValidationPolicy {
  return {
    ...policyInfo(rule),
    validateStack: (args, reportViolation) => {
      const { objects, urnOf } = stackObjects(args.resources);
      const report = evaluate([rule], objects, {
        ...evaluationOptions(env),
        sourceOf: (o) => urnOf.get(o),
      });
      for (const f of report.findings) reportViolation(message(f), f.object.source);
    },
  };
}

/** Lists every exemption with its reason (advisory: it never blocks, it keeps them visible). */
function exemptionsPolicy(env: NodeJS.ProcessEnv): StackValidationPolicy {
  return {
    name: 'policy-exemptions',
    description: 'Lists the exemption annotations of the stack and their written reasons.',
    enforcementLevel: 'advisory',
    severity: 'low',
    validateStack: (args, reportViolation: ReportViolation) => {
      const { objects, urnOf } = stackObjects(args.resources);
      const report = evaluate(RULES, objects, {
        ...evaluationOptions(env),
        sourceOf: (o) => urnOf.get(o),
      });
      for (const e of report.exemptions) {
        reportViolation(
          `exempt from ${e.ruleId}: ${describeRef(e.object)}: ${e.reason} (waives ${e.waived.length})`,
          e.object.source,
        );
      }
    },
  };
}

/** Every rule as a Pulumi policy, plus the exemption listing. */
export function pulumiPolicies(
  env: NodeJS.ProcessEnv = process.env,
): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return [
    ...RULES.map((rule) =>
      rule.scope === 'object' ? resourcePolicy(rule, env) : stackPolicy(rule, env),
    ),
    exemptionsPolicy(env),
  ];
}

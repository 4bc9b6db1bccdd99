/**
 * The policies: one rule set over plain Kubernetes objects, shared by every gate.
 * `checkObjects` is what the gates call; the rest is exported for reports and tests.
 */
import { evaluate, type EvaluateOptions } from './core/evaluate';
import type { KubeObject, Report } from './core/types';
import { POD_SECURITY_RULES, RULES } from './rules';

export * from './core/types';
export { hasErrors } from './core/evaluate';
export { ENVIRONMENT_LABEL } from './core/context';
export { EXEMPTION_PREFIX } from './core/exemptions';
export { RULES, ruleById, POD_SECURITY_RULES } from './rules';
export { podTemplateOf } from './core/workloads';

/** Judges the objects by every rule (see `evaluate` for grouping, context and exemptions). */
export function checkObjects(objects: readonly KubeObject[], options: EvaluateOptions): Report {
  return evaluate(RULES, objects, options);
}

/**
 * The restricted Pod Security Standard (v1.28) findings of one workload or Pod, as
 * `rule-id field.path: message` lines (empty when the pod template is compliant).
 */
export function podSecurityFindings(object: KubeObject): string[] {
  return evaluate(POD_SECURITY_RULES, [object], { target: 'gitops' }).findings.map(
    (f) => `${f.ruleId} ${f.path}: ${f.message}`,
  );
}

/** A gate refused the objects: the message is the readable report. */
export class PolicyViolationError extends Error {
  constructor(
    readonly report: Report,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyViolationError';
  }
}

export type { EvaluateOptions };

/**
 * The policies: one rule set over plain Kubernetes objects, shared by every gate.
 * `checkObjects` is what the gates call; the rest is exported for reports and tests.
 */
import { evaluate, type EvaluateOptions } from './core/evaluate';
import type { KubeObject, Report } from './core/types';
import { RULES } from './rules';

export * from './core/types';
export { hasErrors } from './core/evaluate';
export { ENVIRONMENT_LABEL } from './core/context';
export { EXEMPTION_PREFIX } from './core/exemptions';
export { RULES, ruleById, POD_SECURITY_RULES } from './rules';

/** Judges the objects by every rule (see `evaluate` for grouping, context and exemptions). */
export function checkObjects(objects: readonly KubeObject[], options: EvaluateOptions): Report {
  return evaluate(RULES, objects, options);
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

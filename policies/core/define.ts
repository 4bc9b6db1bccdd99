import type { EvaluationContext, KubeObject, ObjectRule, RuleInfo, Violation } from './types';
import { podTemplateOf, type PodTemplate } from './workloads';

/** A rule over one object. */
export function objectRule(
  info: RuleInfo,
  check: (object: KubeObject, context: EvaluationContext) => readonly Violation[],
): ObjectRule {
  return { ...info, scope: 'object', check };
}

/** A rule over the pod template of every workload kind (and Pods). */
export function podRule(
  info: RuleInfo,
  check: (template: PodTemplate, object: KubeObject, context: EvaluationContext) => Violation[],
): ObjectRule {
  return objectRule(info, (object, context) => {
    const template = podTemplateOf(object);
    return template === undefined ? [] : check(template, object, context);
  });
}

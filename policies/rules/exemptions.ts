import { objectRule } from '../core/define';
import {
  annotationPath,
  EXEMPTION_PREFIX,
  exemptionAnnotations,
  hasWrittenReason,
  MIN_REASON_LENGTH,
} from '../core/exemptions';
import type { ObjectRule } from '../core/types';

export const EXEMPTION_RULE_ID = 'exemption-valid';

/**
 * Exemption annotations must name a rule that exists and carry a written reason; an invalid
 * one waives nothing. `knownRuleIds` are the exemptable rules; this rule is not one of them.
 */
export function exemptionRule(knownRuleIds: ReadonlySet<string>): ObjectRule {
  return objectRule(
    {
      id: EXEMPTION_RULE_ID,
      severity: 'error',
      description: `Exemption annotations (${EXEMPTION_PREFIX}<rule-id>) name a known rule and give a reason of at least ${MIN_REASON_LENGTH} characters.`,
      remediation:
        'Write why the rule does not apply to this object in the annotation value, or remove ' +
        'the annotation.',
      sources: ['policies/README (exemptions)'],
      exemptable: false,
    },
    (object) =>
      exemptionAnnotations(object).flatMap((e) => {
        if (!knownRuleIds.has(e.ruleId)) {
          return [
            {
              path: annotationPath(e.key),
              message: `exempts ${JSON.stringify(e.ruleId)}, which is not an exemptable rule`,
            },
          ];
        }
        return hasWrittenReason(e)
          ? []
          : [
              {
                path: annotationPath(e.key),
                message: `exempts ${e.ruleId} without a written reason`,
              },
            ];
      }),
  );
}

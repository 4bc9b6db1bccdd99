import { contextFor, type ContextOptions } from './context';
import { exemptionAnnotations, hasWrittenReason } from './exemptions';
import type {
  EvaluationContext,
  Exemption,
  Finding,
  KubeObject,
  ObjectRef,
  Report,
  Rule,
  SetViolation,
} from './types';

/** How the gates call the rule set. */
export interface EvaluateOptions extends ContextOptions {
  /** Where an object came from (a file, a Pulumi URN), for reports. @default unknown */
  readonly sourceOf?: (object: KubeObject) => string | undefined;
}

/** The namespace a set rule sees an object in: a Namespace object belongs to itself. */
function groupOf(object: KubeObject): string {
  if (object.kind === 'Namespace' && object.apiVersion === 'v1') return object.metadata.name ?? '';
  return object.metadata.namespace ?? '';
}

function groupByNamespace(objects: readonly KubeObject[]): Map<string, KubeObject[]> {
  const groups = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const key = groupOf(object);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [object]);
    else group.push(object);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

/** The objects' violations of every rule, before exemptions. */
function violations(
  rules: readonly Rule[],
  objects: readonly KubeObject[],
  context: EvaluationContext,
): { rule: Rule; violation: SetViolation }[] {
  const out: { rule: Rule; violation: SetViolation }[] = [];
  for (const rule of rules) {
    if (rule.scope === 'set') {
      for (const violation of rule.check(objects, context)) out.push({ rule, violation });
    } else {
      for (const object of objects) {
        for (const v of rule.check(object, context))
          out.push({ rule, violation: { ...v, object } });
      }
    }
  }
  return out;
}

/** Report order: by file, namespace, kind, name, rule, field (stable across runs). */
function compareFindings(a: Finding, b: Finding): number {
  const key = (f: Finding) =>
    [
      f.object.source ?? '',
      f.object.namespace ?? '',
      f.object.kind,
      f.object.name,
      f.ruleId,
      f.path,
    ].join('\u0000');
  const [ka, kb] = [key(a), key(b)];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Judges the objects by the rules: objects are grouped by namespace, each group gets its own
 * context (see `contextFor`), exemption annotations with a written reason waive findings and
 * are listed in the report.
 */
export function evaluate(
  rules: readonly Rule[],
  objects: readonly KubeObject[],
  options: EvaluateOptions,
): Report {
  const refOf = (object: KubeObject): ObjectRef => {
    const source = options.sourceOf?.(object);
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name ?? '<unnamed>',
      ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
      ...(source === undefined ? {} : { source }),
    };
  };
  const findings: Finding[] = [];
  const waived = new Map<KubeObject, Map<string, Finding[]>>();
  const contexts: { namespace: string; context: EvaluationContext }[] = [];

  for (const [namespace, group] of groupByNamespace(objects)) {
    const context = contextFor(namespace, group, options);
    contexts.push({ namespace, context });
    for (const { rule, violation } of violations(rules, group, context)) {
      const exemption =
        rule.exemptable === false
          ? undefined
          : exemptionAnnotations(violation.object).find(
              (e) => e.ruleId === rule.id && hasWrittenReason(e),
            );
      const finding: Finding = {
        ruleId: rule.id,
        severity: rule.severity,
        object: refOf(violation.object),
        path: violation.path,
        message: violation.message,
        remediation: rule.remediation,
      };
      if (exemption === undefined) {
        findings.push(finding);
        continue;
      }
      const byRule = waived.get(violation.object) ?? new Map<string, Finding[]>();
      byRule.set(rule.id, [...(byRule.get(rule.id) ?? []), finding]);
      waived.set(violation.object, byRule);
    }
  }

  const exemptions: Exemption[] = objects.flatMap((object) =>
    exemptionAnnotations(object)
      .filter(hasWrittenReason)
      .map((e) => ({
        ruleId: e.ruleId,
        object: refOf(object),
        reason: e.reason,
        waived: waived.get(object)?.get(e.ruleId) ?? [],
      })),
  );

  return {
    findings: findings.sort(compareFindings),
    exemptions,
    contexts,
    objectCount: objects.length,
  };
}

/** Whether the report fails a gate: any finding of severity error. */
export function hasErrors(report: Report): boolean {
  return report.findings.some((f) => f.severity === 'error');
}

/** The human report: what is wrong, where, and how to fix it; exemptions always listed. */
import type { EvaluationContext, Exemption, Finding, ObjectRef, Report } from '../core/types';

/** `Kind/name (namespace)`. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.name}${ref.namespace === undefined ? '' : ` (${ref.namespace})`}`;
}

function describeContext(context: EvaluationContext): string {
  return `environment ${context.environment ?? 'unknown (judged as prod)'}, target ${context.target}`;
}

function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** One line that sums the report up. */
export function summaryLine(report: Report): string {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  return (
    `policy check: ${countOf(report.objectCount, 'object')}, ${countOf(errors, 'error')}, ` +
    `${countOf(warnings, 'warning')}, ${countOf(report.exemptions.length, 'exemption')}`
  );
}

function formatFinding(f: Finding): string[] {
  return [
    `${f.severity.toUpperCase().padEnd(7)} ${f.ruleId}  ${describeRef(f.object)}` +
      (f.object.source === undefined ? '' : `  ${f.object.source}`),
    `        ${f.path}: ${f.message}`,
    `        fix: ${f.remediation}`,
  ];
}

function formatExemption(e: Exemption): string {
  const waived =
    e.waived.length === 0
      ? 'waives nothing (remove it?)'
      : `waives ${countOf(e.waived.length, 'finding')}`;
  return `  ${e.ruleId}  ${describeRef(e.object)}  ${waived}\n    reason: ${e.reason}`;
}

/** The report as text for a terminal or a CI log. */
export function formatText(report: Report): string {
  const lines = [summaryLine(report)];
  for (const { namespace, context } of report.contexts) {
    lines.push(`  ${namespace === '' ? '(no namespace)' : namespace}: ${describeContext(context)}`);
  }
  if (report.findings.length > 0) lines.push('');
  for (const f of report.findings) lines.push(...formatFinding(f));
  lines.push('', `exemptions (${report.exemptions.length}):`);
  if (report.exemptions.length === 0) lines.push('  none');
  for (const e of report.exemptions) lines.push(formatExemption(e));
  return lines.join('\n');
}

/** The gate the synth pipeline (and any other caller) puts in front of writing or deploying. */
import { hasErrors } from './core/evaluate';
import type { EvaluateOptions } from './core/evaluate';
import type { KubeObject, Report } from './core/types';
import { checkObjects, PolicyViolationError } from './index';
import { formatText } from './report/text';

/**
 * Judges the objects; throws a PolicyViolationError whose message is the readable report when
 * any finding is an error. Warnings go to `warn` (stderr by default) and do not stop the gate.
 */
export function enforcePolicies(
  what: string,
  objects: readonly KubeObject[],
  options: EvaluateOptions,
  warn: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
): Report {
  const report = checkObjects(objects, options);
  if (hasErrors(report)) {
    throw new PolicyViolationError(report, `${what} violates the policies:\n${formatText(report)}`);
  }
  if (report.findings.length > 0) warn(`${what}: policy warnings\n${formatText(report)}`);
  return report;
}

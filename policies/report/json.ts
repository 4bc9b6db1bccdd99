import type { Report } from '../core/types';

/** Version of the JSON report's shape; bump it when a field changes meaning. */
export const JSON_REPORT_VERSION = 1;

/** The report as JSON for CI: summary counts, contexts, findings and exemptions. */
export function formatJson(report: Report): string {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  return JSON.stringify(
    {
      version: JSON_REPORT_VERSION,
      summary: {
        objects: report.objectCount,
        errors,
        warnings: report.findings.length - errors,
        exemptions: report.exemptions.length,
      },
      contexts: report.contexts,
      findings: report.findings,
      exemptions: report.exemptions,
    },
    null,
    2,
  );
}

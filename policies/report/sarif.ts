/**
 * SARIF 2.1.0 (the format GitHub code scanning and most CI dashboards read). Exempted findings
 * appear as suppressed results whose justification is the exemption's reason.
 */
import type { Finding, Report, Rule } from '../core/types';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function result(f: Finding, justification?: string): Record<string, unknown> {
  const ref = f.object;
  const name = [ref.namespace, ref.kind, ref.name].filter((p) => p !== undefined).join('/');
  return {
    ruleId: f.ruleId,
    level: f.severity,
    message: { text: `${name}: ${f.path}: ${f.message}` },
    locations: [
      {
        ...(ref.source === undefined
          ? {}
          : { physicalLocation: { artifactLocation: { uri: ref.source } } }),
        logicalLocations: [{ fullyQualifiedName: `${name}:${f.path}`, kind: 'resource' }],
      },
    ],
    properties: { fieldPath: f.path, apiVersion: ref.apiVersion },
    ...(justification === undefined ? {} : { suppressions: [{ kind: 'inSource', justification }] }),
  };
}

/** The report as a SARIF log with one run; `rules` become the tool's rule metadata. */
export function formatSarif(report: Report, rules: readonly Rule[]): string {
  return JSON.stringify(
    {
      $schema: SARIF_SCHEMA,
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'user-platform-policies',
              rules: rules.map((r) => ({
                id: r.id,
                shortDescription: { text: r.description },
                help: { text: r.remediation },
                defaultConfiguration: { level: r.severity },
                properties: { sources: r.sources },
              })),
            },
          },
          results: [
            ...report.findings.map((f) => result(f)),
            ...report.exemptions.flatMap((e) => e.waived.map((f) => result(f, e.reason))),
          ],
        },
      ],
    },
    null,
    2,
  );
}

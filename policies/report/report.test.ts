import { RULES } from '../index';
import { compliant, containerOf, findings, set } from '../test/fixtures';
import { checkObjects } from '../index';
import type { KubeObject } from '../core/types';
import { formatJson } from './json';
import { formatSarif } from './sarif';
import { formatText } from './text';

/** A set with one error, one warning and one exemption that waives one finding. */
function sample() {
  const f = compliant();
  set(containerOf(f.deployment), 'securityContext.privileged', true);
  delete f.serviceAccount.automountServiceAccountToken;
  set(containerOf(f.deployment), 'securityContext.readOnlyRootFilesystem', false);
  set(f.deployment, 'metadata.annotations', {
    'exempt.user-platform.example.com/read-only-root-filesystem':
      'legacy image writes its pid file to /var/run',
  });
  return checkObjects(f.all as unknown as KubeObject[], {
    target: 'gitops',
    sourceOf: (o) => `${o.kind.toLowerCase()}.yaml`,
  });
}

describe('reports', () => {
  it('text: summary, contexts, findings with field path and fix, exemptions with reason', () => {
    const text = formatText(sample());
    expect(text).toContain('policy check: 9 objects, 1 error, 1 warning, 1 exemption');
    expect(text).toContain('shop-prod: environment prod, target gitops');
    expect(text).toMatch(
      /ERROR +pss-privileged +Deployment\/shop \(shop-prod\) +deployment\.yaml\n +spec\.template\.spec\.containers\[0\]\.securityContext\.privileged: container "shop" is privileged\n +fix: /,
    );
    expect(text).toMatch(/WARNING service-account-automount +ServiceAccount\/shop/);
    expect(text).toContain(
      'read-only-root-filesystem  Deployment/shop (shop-prod)  waives 1 finding\n    reason: legacy image writes its pid file to /var/run',
    );
  });

  it('text: says so when there is no exemption', () => {
    expect(formatText(checkObjects([], { target: 'gitops' }))).toContain('exemptions (0):\n  none');
  });

  it('json: counts and the same findings', () => {
    const report = sample();
    const json = JSON.parse(formatJson(report)) as {
      version: number;
      summary: Record<string, number>;
      findings: unknown[];
    };
    expect(json.version).toBe(1);
    expect(json.summary).toEqual({ objects: 9, errors: 1, warnings: 1, exemptions: 1 });
    expect(json.findings).toEqual(JSON.parse(JSON.stringify(report.findings)));
  });

  it('sarif: rules, levels, locations, and exempted findings as suppressed results', () => {
    const sarif = JSON.parse(formatSarif(sample(), RULES)) as {
      runs: { tool: { driver: { rules: unknown[] } }; results: Record<string, unknown>[] }[];
    };
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules).toHaveLength(RULES.length);
    const byRule = new Map((run?.results ?? []).map((r) => [r.ruleId, r]));
    expect(byRule.get('pss-privileged')).toMatchObject({
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'deployment.yaml' } } }],
      properties: {
        fieldPath: 'spec.template.spec.containers[0].securityContext.privileged',
      },
    });
    expect(byRule.get('service-account-automount')).toMatchObject({ level: 'warning' });
    expect(byRule.get('read-only-root-filesystem')).toMatchObject({
      suppressions: [
        { kind: 'inSource', justification: 'legacy image writes its pid file to /var/run' },
      ],
    });
  });

  it('lists findings in a stable order', () => {
    const f = compliant();
    set(containerOf(f.deployment), 'image', 'x:latest');
    set(f.service, 'metadata.namespace', 'default');
    const forward = findings(f.all);
    const backward = findings([...f.all].reverse());
    expect(backward).toEqual(forward);
  });
});

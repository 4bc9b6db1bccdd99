import { RULES } from '../index';
import { compliant, summary } from '../test/fixtures';
import { crossObjectCases } from '../test/cases/cross-object';
import { exemptionCases } from '../test/cases/exemptions';
import { gitopsCases } from '../test/cases/gitops';
import { hardeningCases } from '../test/cases/hardening';
import { podSecurityCases } from '../test/cases/pod-security';
import type { RuleCase } from '../test/cases/types';
import { workloadCases } from '../test/cases/workload';

const CASES: readonly RuleCase[] = [
  ...podSecurityCases,
  ...workloadCases,
  ...crossObjectCases,
  ...exemptionCases,
  ...gitopsCases,
  ...hardeningCases,
];

/** `Kind/name path` of the rule's findings, sorted. */
function findingsOf(c: RuleCase): string[] {
  const f = compliant();
  c.mutate(f);
  return summary(f.all, c.options)
    .filter((line) => line.startsWith(`${c.rule} `))
    .map((line) => line.slice(c.rule.length + 1))
    .sort();
}

describe('the compliant fixture', () => {
  it('passes every rule', () => {
    expect(summary(compliant().all)).toEqual([]);
  });
});

describe.each(RULES.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
  const cases = CASES.filter((c) => c.rule === id);

  it('declares a severity, a description, a remediation and its sources', () => {
    expect(['error', 'warning']).toContain(rule.severity);
    expect(rule.description.length).toBeGreaterThan(20);
    expect(rule.remediation.length).toBeGreaterThan(20);
    expect(rule.sources.length).toBeGreaterThan(0);
  });

  it('has at least one case that makes it fail', () => {
    expect(cases.filter((c) => c.expect.length > 0).length).toBeGreaterThan(0);
  });

  if (cases.length > 0) {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(findingsOf(c)).toEqual([...c.expect].sort());
    });
  }
});

describe('rule ids', () => {
  it('are unique kebab-case and fit an annotation name (63 characters)', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9-]{1,62}$/);
  });
});

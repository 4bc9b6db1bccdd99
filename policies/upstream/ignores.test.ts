import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RULES } from '../index';

const ignores = readFileSync(join(__dirname, 'kube-score-ignores'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => {
    const [scope = '', test = '', ...reason] = line.trim().split(/\s+/);
    return { scope, test, reason: reason.join(' ') };
  });

describe('upstream ignores', () => {
  it('each kube-score ignore names an environment, a test and a reason citing an in-house rule', () => {
    expect(ignores.length).toBeGreaterThan(0);
    const ruleIds = RULES.map((r) => r.id);
    for (const i of ignores) {
      expect(['*', 'dev', 'staging', 'prod']).toContain(i.scope);
      expect(i.test).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(i.reason.length).toBeGreaterThan(80);
      const cited = ruleIds.filter((id) => new RegExp(`rules? ${id}\\b`, 'i').test(i.reason));
      expect({ test: i.test, cited: cited.length > 0 }).toEqual({ test: i.test, cited: true });
    }
  });

  it('ignores nothing in prod but the podAntiAffinity form kube-score cannot see', () => {
    expect(ignores.filter((i) => i.scope === '*' || i.scope === 'prod').map((i) => i.test)).toEqual(
      ['deployment-has-host-podantiaffinity'],
    );
  });

  it('the Polaris config only adds exemptions, each for named rules', () => {
    const config = parse(readFileSync(join(__dirname, 'polaris.yaml'), 'utf8')) as {
      exemptions: { rules: string[]; controllerNames?: string[]; namespace?: string }[];
    };
    expect(Object.keys(config)).toEqual(['exemptions']);
    for (const e of config.exemptions) {
      expect(e.rules.length).toBeGreaterThan(0);
      expect(e.controllerNames !== undefined || e.namespace !== undefined).toBe(true);
    }
  });
});

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

  it('ignores nothing in prod but the podAntiAffinity form kube-score cannot see and IfNotPresent for digests', () => {
    expect(ignores.filter((i) => i.scope === '*' || i.scope === 'prod').map((i) => i.test)).toEqual(
      ['deployment-has-host-podantiaffinity', 'container-image-pull-policy'],
    );
  });

  it('each Checkov skip names its check, environments and a reason citing an in-house rule', () => {
    const config = parse(readFileSync(join(__dirname, 'checkov-skips.yaml'), 'utf8')) as {
      skips: { check: string; environments: string[]; reason: string }[];
    };
    expect(Object.keys(config)).toEqual(['skips']);
    const ruleIds = RULES.map((r) => r.id);
    for (const skip of config.skips) {
      expect(Object.keys(skip).sort()).toEqual(['check', 'environments', 'reason']);
      expect(skip.check).toMatch(/^CKV_K8S_\d+$/);
      expect(skip.environments.length).toBeGreaterThan(0);
      for (const env of skip.environments) expect(['*', 'dev', 'staging', 'prod']).toContain(env);
      expect(skip.reason.length).toBeGreaterThan(80);
      const cited = ruleIds.filter((id) => new RegExp(`rules? ${id}\\b`, 'i').test(skip.reason));
      expect({ check: skip.check, cited: cited.length > 0 }).toEqual({
        check: skip.check,
        cited: true,
      });
    }
  });

  it('never skips Checkov in prod, nor CKV_K8S_35 (secrets as environment variables) anywhere', () => {
    const config = parse(readFileSync(join(__dirname, 'checkov-skips.yaml'), 'utf8')) as {
      skips: { check: string; environments: string[] }[];
    };
    const prod = config.skips.filter(
      (s) => s.environments.includes('prod') || s.environments.includes('*'),
    );
    expect(prod).toEqual([]);
    expect(config.skips.map((s) => s.check)).not.toContain('CKV_K8S_35');
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

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environments } from '../charts/config/environments';
import { deepMerge } from '../charts/config/merge';
import { synth } from '../charts/main';
import { enforcePolicies } from './gate';
import { PolicyViolationError } from './index';
import { compliant, containerOf, set } from './test/fixtures';
import type { KubeObject } from './core/types';

describe('enforcePolicies', () => {
  it('returns the report when nothing is wrong', () => {
    const report = enforcePolicies('fixture', compliant().all as unknown as KubeObject[], {
      target: 'gitops',
    });
    expect(report.findings).toEqual([]);
  });

  it('throws the readable report on an error finding', () => {
    const f = compliant();
    set(containerOf(f.deployment), 'securityContext.privileged', true);
    let error: unknown;
    try {
      enforcePolicies('fixture', f.all as unknown as KubeObject[], { target: 'gitops' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyViolationError);
    const message = (error as Error).message;
    expect(message).toContain('fixture violates the policies');
    expect(message).toContain('pss-privileged');
    expect(message).toContain('spec.template.spec.containers[0].securityContext.privileged');
  });

  it('passes warnings to the warn callback without failing', () => {
    const f = compliant();
    delete f.serviceAccount.automountServiceAccountToken;
    const warnings: string[] = [];
    const report = enforcePolicies(
      'fixture',
      f.all as unknown as KubeObject[],
      { target: 'gitops' },
      (text) => warnings.push(text),
    );
    expect(report.findings.map((x) => x.ruleId)).toEqual(['service-account-automount']);
    expect(warnings.join('\n')).toContain('service-account-automount');
  });
});

describe('the synth gate (npm run synth, cdk8s synth)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'gate-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses an environment that violates a policy and leaves dist/ untouched', () => {
    const outdir = join(root, 'dist');
    synth({ outdir, environments: ['dev'], gitops: false });
    writeFileSync(join(outdir, 'marker.txt'), 'previous');
    const before = readdirSync(join(outdir, 'dev')).sort();
    // Valid for the settings schema, but one prod pod is an outage: the policies refuse it.
    const risky = {
      ...environments,
      prod: deepMerge(environments.prod, { autoscaling: { minReplicas: 1 } }),
    };
    expect(() => synth({ outdir, environments: ['prod'], settings: risky, gitops: false })).toThrow(
      /environment prod violates the policies:[\s\S]*hpa-replica-range[\s\S]*spec\.minReplicas/,
    );
    expect(readdirSync(outdir).sort()).toEqual(['dev', 'marker.txt']);
    expect(readdirSync(join(outdir, 'dev')).sort()).toEqual(before);
    expect(readFileSync(join(outdir, 'marker.txt'), 'utf8')).toBe('previous');
  });
});

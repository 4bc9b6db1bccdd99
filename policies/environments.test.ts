/** Every synthesized environment meets every policy, judged as each gate judges it. */
import { loadEnvironments } from '../charts/config/load';
import { renderEnvironments } from '../charts/synth/render';
import { checkObjects } from './index';
import { describeRef } from './report/text';

const rendered = renderEnvironments(loadEnvironments());

describe.each(rendered.map((r) => [r.environment.name, r] as const))(
  'environment %s',
  (name, r) => {
    const lines = (report: ReturnType<typeof checkObjects>) =>
      report.findings.map((f) => `${f.ruleId} ${describeRef(f.object)} ${f.path}: ${f.message}`);

    it('has zero findings on the GitOps path (environment read from the Namespace label)', () => {
      const report = checkObjects(r.objects, { target: 'gitops' });
      expect(report.contexts.map((c) => c.context.environment)).toContain(name);
      expect(lines(report)).toEqual([]);
    });

    it('has zero findings on the Pulumi path with the environment named explicitly', () => {
      expect(lines(checkObjects(r.objects, { target: 'pulumi', environment: name }))).toEqual([]);
    });

    it('needs no exemption', () => {
      expect(checkObjects(r.objects, { target: 'gitops' }).exemptions).toEqual([]);
    });
  },
);

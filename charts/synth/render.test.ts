import { loadEnvironments } from '../config/load';
import { podSecurityFindings, podTemplateOf } from '../../policies/index';
import { schemaErrors } from '../../test/support/schema-validation';
import { renderEnvironments } from './render';
import { environmentFiles } from './write';

const rendered = renderEnvironments(loadEnvironments());

describe.each(rendered.map((r) => [r.environment.name, r] as const))(
  'environment %s',
  (name, r) => {
    it('matches its snapshot', () => {
      expect(Object.fromEntries(environmentFiles(r))).toMatchSnapshot();
    });

    it('has only schema-valid objects', () => {
      const errors = r.objects.flatMap((o) =>
        schemaErrors(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`),
      );
      expect(errors).toEqual([]);
    });

    it('meets the restricted Pod Security Standard in every pod template', () => {
      const templates = r.objects.filter((o) => podTemplateOf(o) !== undefined);
      expect(templates.length).toBeGreaterThan(0);
      for (const o of templates) {
        expect({
          object: `${o.kind}/${o.metadata.name}`,
          violations: podSecurityFindings(o),
        }).toEqual({
          object: `${o.kind}/${o.metadata.name}`,
          violations: [],
        });
      }
    });

    it('gives every namespaced object the environment namespace, labels and a human name', () => {
      for (const o of r.objects) {
        if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe(r.environment.namespace);
        expect(o.metadata.labels?.['app.kubernetes.io/name']).toBeDefined();
        expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8}$/);
      }
      expect(name).toBe(r.environment.name);
    });

    it('has no Secret with data and no Deployment replicas under its HPA', () => {
      expect(r.objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      const hpaTargets = r.objects
        .filter((o) => o.kind === 'HorizontalPodAutoscaler')
        .map((o) => (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name);
      for (const d of r.objects.filter(
        (o) => o.kind === 'Deployment' && hpaTargets.includes(o.metadata.name),
      )) {
        expect((d.spec as { replicas?: number }).replicas).toBeUndefined();
      }
    });
  },
);

describe('determinism', () => {
  it('renders byte-identical files from the same input', () => {
    const again = renderEnvironments(loadEnvironments());
    expect(again.map((r) => [...environmentFiles(r)])).toEqual(
      rendered.map((r) => [...environmentFiles(r)]),
    );
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { get } from '../../test/support/objects';
import { loadEnvironments } from '../config/load';
import { synth } from '../main';
import type { KubeObject } from '../synth/render';
import { gitopsFiles, renderGitOpsObjects } from './render';
import { gitopsSchemaErrors } from './schemas/validate';
import type { GitOpsSettingsInput } from './schema';
import { gitopsSettings } from './settings';

const environments = loadEnvironments();
const objects = renderGitOpsObjects(environments);

function only(file: string, kind: string): KubeObject {
  const found = (objects.get(file) ?? []).filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in ${file}, found ${found.length}`);
  return found[0] as KubeObject;
}

function withSettings(patch: Partial<GitOpsSettingsInput>): GitOpsSettingsInput {
  return { ...gitopsSettings, ...patch };
}

describe('dist/gitops objects', () => {
  it('writes argocd/argocd.yaml, flux/source.yaml and one flux/<env>.yaml per environment', () => {
    expect([...objects.keys()].sort()).toEqual([
      'argocd/argocd.yaml',
      'flux/dev.yaml',
      'flux/prod.yaml',
      'flux/source.yaml',
      'flux/staging.yaml',
    ]);
  });

  it('keeps Argo CD and Flux objects in separate folders (an Argo-only cluster applies argocd/)', () => {
    const groupOf = (o: KubeObject) => o.apiVersion.split('/')[0] ?? '';
    for (const [file, list] of objects) {
      const groups = new Set(list.map(groupOf));
      if (file.startsWith('argocd/')) expect([...groups]).toEqual(['argoproj.io']);
      else expect([...groups].every((g) => g.endsWith('.toolkit.fluxcd.io'))).toBe(true);
    }
  });

  it('defines the Flux GitRepository once, so several environments build from one folder', () => {
    const all = [...objects.values()].flat();
    const sources = all.filter((o) => o.kind === 'GitRepository');
    expect(sources).toHaveLength(1);
    const ids = all.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("lists each folder's files in its kustomization.yaml", () => {
    const files = gitopsFiles(environments);
    for (const folder of ['argocd', 'flux']) {
      const kustomization = parseAllDocuments(files.get(`${folder}/kustomization.yaml`) ?? '')[0];
      const listed = (kustomization?.toJS() as { resources: string[] }).resources;
      const own = [...objects.keys()].filter((f) => f.startsWith(`${folder}/`));
      expect(listed.map((f) => `${folder}/${f}`).sort()).toEqual(own.sort());
    }
  });

  it('validates every object against the strict schema of its CRD', () => {
    const errors = [...objects].flatMap(([file, list]) =>
      list.flatMap((o) => gitopsSchemaErrors(o).map((e) => `${file} ${o.kind}: ${e}`)),
    );
    expect(errors).toEqual([]);
    expect([...objects.values()].flat()).toHaveLength(3 + environments.length);
  });

  it('rejects an object the schemas do not describe', () => {
    const set = only('argocd/argocd.yaml', 'ApplicationSet');
    const broken = { ...set, spec: { ...(set.spec as object), syncPolicy: { prune: true } } };
    expect(gitopsSchemaErrors(broken)).toEqual([
      '/spec/syncPolicy must NOT have additional properties',
    ]);
  });

  it('points the ApplicationSet at apps/user-service/<env> of the repository and branch', () => {
    const set = only('argocd/argocd.yaml', 'ApplicationSet');
    expect(get(set, 'spec', 'generators', 0, 'list', 'elements')).toEqual(
      environments.map((e) => ({
        env: e.name,
        namespace: e.namespace,
        path: `apps/user-service/${e.name}`,
        server: 'https://kubernetes.default.svc',
      })),
    );
    expect(get(set, 'spec', 'template', 'spec', 'source')).toEqual({
      repoURL: gitopsSettings.repoURL,
      targetRevision: 'main',
      path: '{{.path}}',
    });
    expect(get(set, 'spec', 'template', 'spec', 'syncPolicy', 'automated')).toEqual({
      prune: true,
      selfHeal: true,
    });
    expect(get(set, 'spec', 'template', 'spec', 'project')).toBe('user-service');
  });

  it('confines the AppProject to the repository and the environment namespaces', () => {
    const project = only('argocd/argocd.yaml', 'AppProject');
    expect(get(project, 'spec', 'sourceRepos')).toEqual([gitopsSettings.repoURL]);
    expect(get(project, 'spec', 'destinations')).toEqual(
      environments.map((e) => ({
        server: 'https://kubernetes.default.svc',
        namespace: e.namespace,
      })),
    );
    expect(get(project, 'spec', 'clusterResourceWhitelist')).toEqual([
      { group: '', kind: 'Namespace' },
    ]);
  });

  it.each(environments.map((e) => e.name))(
    'gives %s a Flux Kustomization on its folder with prune, health checks and a timeout',
    (env) => {
      const source = only('flux/source.yaml', 'GitRepository');
      const kustomization = only(`flux/${env}.yaml`, 'Kustomization');
      expect(get(source, 'spec', 'url')).toBe(gitopsSettings.repoURL);
      expect(get(source, 'spec', 'ref')).toEqual({ branch: 'main' });
      expect(get(source, 'spec', 'ignore')).toBe('/*\n!/apps/user-service/\n');
      expect(kustomization.metadata).toMatchObject({
        name: `user-service-${env}`,
        namespace: 'flux-system',
      });
      expect(kustomization.spec).toEqual({
        interval: '10m',
        retryInterval: '1m',
        timeout: '5m',
        path: `./apps/user-service/${env}`,
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: source.metadata.name },
      });
    },
  );

  it('follows the path layout, branch, credentials and dependencies of the settings', () => {
    const changed = renderGitOpsObjects(
      environments,
      withSettings({
        envPath: 'clusters/{env}/user-service',
        branch: 'release/1.x',
        flux: { ...gitopsSettings.flux, secretRef: 'gitops-auth', dependsOn: ['external-secrets'] },
      }),
    );
    const [source] = changed.get('flux/source.yaml') ?? [];
    const [kustomization] = changed.get('flux/prod.yaml') ?? [];
    expect(get(source, 'spec', 'ref', 'branch')).toBe('release/1.x');
    expect(get(source, 'spec', 'secretRef')).toEqual({ name: 'gitops-auth' });
    expect(get(source, 'spec', 'ignore')).toBe('/*\n!/clusters/\n');
    expect(get(kustomization, 'spec', 'path')).toBe('./clusters/prod/user-service');
    expect(get(kustomization, 'spec', 'dependsOn')).toEqual([{ name: 'external-secrets' }]);
    const set = (changed.get('argocd/argocd.yaml') ?? []).find((o) => o.kind === 'ApplicationSet');
    expect(get(set, 'spec', 'generators', 0, 'list', 'elements', 2, 'path')).toBe(
      'clusters/prod/user-service',
    );
    for (const o of [...changed.values()].flat()) expect(gitopsSchemaErrors(o)).toEqual([]);
  });

  it('leaves out automated sync when the settings ask for manual syncs', () => {
    const manual = renderGitOpsObjects(
      environments,
      withSettings({ argocd: { ...gitopsSettings.argocd, automated: false } }),
    );
    const set = (manual.get('argocd/argocd.yaml') ?? []).find((o) => o.kind === 'ApplicationSet');
    expect(get(set, 'spec', 'template', 'spec', 'syncPolicy', 'automated')).toBeUndefined();
    expect(get(set, 'spec', 'template', 'spec', 'syncPolicy', 'retry', 'limit')).toBe(5);
  });

  it('writes multi-document YAML files that parse back to the same objects', () => {
    for (const [file, content] of gitopsFiles(environments)) {
      if (file.endsWith('/kustomization.yaml')) continue;
      const docs = parseAllDocuments(content).map((d) => d.toJS() as unknown);
      expect({ file, docs }).toEqual({ file, docs: objects.get(file) });
    }
  });
});

describe('bad gitops settings', () => {
  it.each<[string, Partial<GitOpsSettingsInput>, RegExp]>([
    [
      'an scp-like URL',
      { repoURL: 'git@git.example.com:platform/gitops.git' },
      /repoURL: .*ssh:\/\//,
    ],
    ['an envPath without {env}', { envPath: 'apps/user-service' }, /envPath: must contain \{env\}/],
    ['an envPath with ..', { envPath: '../apps/{env}' }, /envPath: must be a relative folder/],
    ['an overlapping bootstrapPath', { bootstrapPath: 'apps' }, /bootstrapPath: must not overlap/],
    ['a branch with ..', { branch: 'main..x' }, /branch: must be a branch name/],
  ])('refuses %s, naming the field', (_, patch, message) => {
    expect(() => renderGitOpsObjects(environments, withSettings(patch))).toThrow(message);
  });

  it('names a bad duration and a missing cluster', () => {
    const bad = withSettings({
      flux: { ...gitopsSettings.flux, timeout: 'five minutes' },
      argocd: {
        ...gitopsSettings.argocd,
        clusters: { dev: 'https://kubernetes.default.svc' } as never,
      },
    });
    expect(() => renderGitOpsObjects(environments, bad)).toThrow(
      /gitops: argocd\.clusters\.staging: .*\n[\s\S]*gitops: flux\.timeout: must be a duration/,
    );
  });

  it('stops synth before anything is written', () => {
    const root = mkdtempSync(join(tmpdir(), 'gitops-bad-'));
    try {
      expect(() =>
        synth({
          outdir: join(root, 'dist'),
          environments: [],
          gitops: withSettings({ repoURL: 'ftp://x' }),
        }),
      ).toThrow(/invalid gitops settings/);
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

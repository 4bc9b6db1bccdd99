import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environments } from '../config/environments';
import { deepMerge } from '../config/merge';
import { synth } from '../main';

function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const rel = prefix + entry.name;
      if (entry.isDirectory()) walk(join(d, entry.name), `${rel}/`);
      else out[rel] = readFileSync(join(d, entry.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

describe('synth to disk', () => {
  let root: string;
  let outdir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'synth-'));
    outdir = join(root, 'dist');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('writes one folder per environment with a kustomization listing every file', () => {
    synth({ outdir, environments: [] });
    expect(readdirSync(outdir).sort()).toEqual(['dev', 'gitops', 'prod', 'staging']);
    for (const env of ['dev', 'staging', 'prod']) {
      const files = readdirSync(join(outdir, env)).filter((f) => f !== 'kustomization.yaml');
      const kustomization = readFileSync(join(outdir, env, 'kustomization.yaml'), 'utf8');
      for (const f of files) expect(kustomization).toContain(`- ${f}`);
      expect(files).toContain('deployment-user-service.yaml');
    }
  });

  it('gives byte-identical files on a second run', () => {
    synth({ outdir, environments: [] });
    const first = snapshotTree(outdir);
    synth({ outdir, environments: [] });
    expect(snapshotTree(outdir)).toEqual(first);
  });

  it('keeps the previous output untouched when settings are bad', () => {
    synth({ outdir, environments: [] });
    writeFileSync(join(outdir, 'marker.txt'), 'previous');
    const before = snapshotTree(outdir);
    const bad = {
      ...environments,
      prod: deepMerge(environments.prod, { autoscaling: { minReplicas: 30 } }),
    };
    expect(() => synth({ outdir, environments: [], settings: bad })).toThrow(
      /prod: autoscaling\.maxReplicas/,
    );
    expect(snapshotTree(outdir)).toEqual(before);
    expect(readdirSync(root)).toEqual(['dist']);
  });

  it('rejects an unknown environment name and writes nothing', () => {
    expect(() => synth({ outdir, environments: ['qa'] })).toThrow(/qa: name: unknown environment/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('replaces only the selected environment and keeps the others', () => {
    synth({ outdir, environments: [] });
    mkdirSync(join(outdir, 'dev'), { recursive: true });
    writeFileSync(join(outdir, 'dev', 'stale.yaml'), 'stale');
    writeFileSync(join(outdir, 'prod', 'stale.yaml'), 'stale');
    synth({ outdir, environments: ['dev'] });
    expect(readdirSync(join(outdir, 'dev'))).not.toContain('stale.yaml');
    expect(readdirSync(join(outdir, 'prod'))).toContain('stale.yaml');
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { environment } from '../../../test/support/objects';
import { escapeForHelm, synthHelm } from './helm';
import { scratch, type Scratch } from './testing';
import { synthTree } from './tree';

describe('npm run synth:helm', () => {
  let tmp: Scratch;
  beforeEach(() => {
    tmp = scratch('gitops-helm-');
  });
  afterEach(() => {
    tmp.remove();
  });

  it('makes a static chart of one environment from cdk8s synth --format helm', () => {
    const [chart] = synthHelm({
      chartVersion: '2.3.4-rc.1',
      environments: ['prod'],
      outdir: tmp.dir,
    });
    expect(chart).toBe(join(tmp.dir, 'prod'));
    expect(readdirSync(tmp.dir)).toEqual(['prod']);
    const dir = join(tmp.dir, 'prod');
    expect(readdirSync(dir).sort()).toEqual(['Chart.yaml', 'README.md', 'templates']);
    expect(parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8'))).toEqual({
      apiVersion: 'v2',
      name: 'user-service-prod',
      version: '2.3.4-rc.1',
      appVersion: environment('prod').version,
      description: 'user-service objects of the prod environment (static templates, no values)',
      type: 'application',
    });
    // The same objects as dist/prod/, without the kustomization and without dist/gitops/.
    const dist = [...synthTree({ environments: ['prod'] })].filter(
      ([p]) => p.startsWith('prod/') && p !== 'prod/kustomization.yaml',
    );
    const templates = join(dir, 'templates');
    expect(readdirSync(templates).sort()).toEqual(dist.map(([p]) => p.slice(5)).sort());
    for (const [path, content] of dist) {
      expect(readFileSync(join(templates, path.slice(5)), 'utf8')).toBe(escapeForHelm(content));
    }
  });

  it('escapes literal {{ so that Helm renders it back unchanged', () => {
    expect(escapeForHelm('key: "{{ .password }}@{{ .host }}"\n')).toBe(
      'key: "{{ "{{" }} .password }}@{{ "{{" }} .host }}"\n',
    );
    expect(escapeForHelm('plain: yaml\n')).toBe('plain: yaml\n');
  });

  it('refuses a chart version that is not SemVer 2', () => {
    expect(() => synthHelm({ chartVersion: 'v1', outdir: tmp.dir })).toThrow(
      '--chart-version v1: must be a SemVer 2 version such as 1.2.3',
    );
    expect(readdirSync(tmp.dir)).toEqual([]);
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environments } from '../../config/environments';
import type { EnvironmentOverrides } from '../../config/load';
import { deepMerge } from '../../config/merge';
import { main } from './main';
import { scratch, useGitIdentity, writeFiles, type Scratch } from './testing';
import { synthTree } from './tree';

describe('gitops command line', () => {
  let tmp: Scratch;
  let out: jest.SpiedFunction<typeof process.stdout.write>;
  let log: jest.SpiedFunction<typeof console.log>;
  let err: jest.SpiedFunction<typeof console.error>;
  const printed = () => [...out.mock.calls, ...log.mock.calls].map((c) => String(c[0])).join('');
  const errors = () => err.mock.calls.map((c) => String(c[0])).join('\n');

  beforeEach(() => {
    tmp = scratch('gitops-cli-');
    out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    tmp.remove();
  });

  it('diff exits 0 with differences, and 1 only under --exit-code', () => {
    const other = {
      ...environments,
      dev: deepMerge(environments.dev, { autoscaling: { maxReplicas: 4 } }),
    } as EnvironmentOverrides;
    const dist = join(tmp.dir, 'dist');
    writeFiles(dist, synthTree({ settings: other }));
    expect(main(['diff', '--against', dist])).toBe(0);
    expect(printed()).toContain('#### changed: `HorizontalPodAutoscaler user-service-dev/');
    expect(main(['diff', '--against', dist, '--exit-code'])).toBe(1);
    expect(main(['diff', '--against', dist, '--exit-code', '--env', 'prod'])).toBe(0);
  });

  it('publish refuses a dirty target with exit code 1 and says why', () => {
    const restore = useGitIdentity();
    try {
      const repo = tmp.repo('gitops');
      writeFileSync(join(repo, 'wip.txt'), 'work in progress\n');
      expect(main(['publish', '--repo', repo])).toBe(1);
      expect(errors()).toContain(`refusing to publish: ${repo} has uncommitted changes`);
      expect(errors()).toContain('?? wip.txt');
    } finally {
      restore();
    }
  });

  it('names missing and unknown options, and unknown commands', () => {
    expect(main(['publish'])).toBe(1);
    expect(errors()).toContain('--repo <gitops-checkout> is required');
    expect(main(['diff', '--agaist', 'HEAD'])).toBe(2);
    expect(errors()).toMatch(/Unknown option '--agaist'/);
    expect(main(['helm'])).toBe(1);
    expect(errors()).toContain('--chart-version <semver> is required');
    expect(main(['deploy'])).toBe(2);
    expect(errors()).toContain('usage:');
  });
});

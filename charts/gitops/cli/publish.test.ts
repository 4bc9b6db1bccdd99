import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, uncommittedChanges } from './git';
import { publish, PublishRefusedError } from './publish';
import {
  changedLines,
  commitFiles,
  gitIdentityForSuite,
  settingsWith,
  scratch,
  type Scratch,
} from './testing';

const PROD_HPA = 'apps/user-service/prod/horizontalpodautoscaler-user-service-hpa.yaml';
const DEV_PDB = 'apps/user-service/dev/poddisruptionbudget-user-service-pdb.yaml';

function commitCount(repo: string): number {
  return Number(git(repo, ['rev-list', '--count', 'HEAD']).trim());
}

/** The -/+ lines of the last commit. */
function committedLines(repo: string): string[] {
  return changedLines(git(repo, ['show', '--format=', '--unified=0', 'HEAD']));
}

const twoDevReplicas = settingsWith('dev', { autoscaling: { minReplicas: 2 } });

describe('npm run gitops:publish', () => {
  let tmp: Scratch;
  let target: string;
  let source: string;
  let sourceCommit: string;
  gitIdentityForSuite();
  beforeEach(() => {
    tmp = scratch('gitops-publish-');
    target = tmp.repo('gitops');
    source = tmp.repo('source');
    sourceCommit = commitFiles(source, { 'README.md': 'source\n' }, 'source');
  });
  afterEach(() => {
    tmp.remove();
  });

  it('commits once, naming the source commit, then makes no commit for the same synth', () => {
    const first = publish({ repo: target, sourceDir: source });
    expect(first.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(first.source).toBe(sourceCommit);
    expect(commitCount(target)).toBe(1);
    const body = git(target, ['log', '-1', '--format=%B']);
    expect(body).toContain(
      `user-service: publish dev, staging, prod from ${sourceCommit.slice(0, 12)}`,
    );
    expect(body).toContain(`Source-Commit: ${sourceCommit}\n`);
    expect(existsSync(join(target, 'apps/user-service/prod/deployment-user-service.yaml'))).toBe(
      true,
    );
    expect(existsSync(join(target, 'bootstrap/user-service/argocd/argocd.yaml'))).toBe(true);
    expect(uncommittedChanges(target)).toEqual([]);

    const second = publish({ repo: target, sourceDir: source });
    expect(second.commit).toBeNull();
    expect(second.changes).toEqual([]);
    expect(commitCount(target)).toBe(1);
    expect(uncommittedChanges(target)).toEqual([]);
  });

  it('commits a changed setting as exactly that change, with the given message', () => {
    publish({ repo: target, sourceDir: source });
    const result = publish({
      repo: target,
      sourceDir: source,
      settings: settingsWith('prod', { autoscaling: { maxReplicas: 25 } }),
      message: 'prod: allow 25 replicas',
    });
    expect(result.changes).toEqual([`M\t${PROD_HPA}`]);
    expect(committedLines(target)).toEqual(['-  maxReplicas: 20', '+  maxReplicas: 25']);
    expect(git(target, ['log', '-1', '--format=%s']).trim()).toBe('prod: allow 25 replicas');
    expect(commitCount(target)).toBe(2);
  });

  it('marks a source with uncommitted edits as -dirty', () => {
    writeFileSync(join(source, 'README.md'), 'edited\n');
    const result = publish({ repo: target, sourceDir: source });
    expect(result.source).toBe(`${sourceCommit}-dirty`);
    expect(git(target, ['log', '-1', '--format=%B'])).toContain(
      `Source-Commit: ${sourceCommit}-dirty`,
    );
  });

  it('removes files the synth no longer writes, and stray files in the folders it owns', () => {
    // From two replicas on, dev gets a PodDisruptionBudget; with its usual one it has none.
    publish({ repo: target, sourceDir: source, settings: twoDevReplicas });
    expect(existsSync(join(target, DEV_PDB))).toBe(true);
    commitFiles(target, { 'apps/user-service/dev/stray.yaml': 'kind: Stray\n' }, 'by hand');
    commitFiles(target, { 'README.md': 'not ours\n' }, 'docs');
    const result = publish({ repo: target, sourceDir: source });
    expect(result.changes).toEqual([
      'M\tapps/user-service/dev/horizontalpodautoscaler-user-service-hpa.yaml',
      'M\tapps/user-service/dev/kustomization.yaml',
      `D\t${DEV_PDB}`,
      'D\tapps/user-service/dev/stray.yaml',
    ]);
    expect(existsSync(join(target, DEV_PDB))).toBe(false);
    expect(existsSync(join(target, 'apps/user-service/dev/stray.yaml'))).toBe(false);
    expect(readFileSync(join(target, 'README.md'), 'utf8')).toBe('not ours\n');
    expect(uncommittedChanges(target)).toEqual([]);
  });

  it('publishes only the selected environment (and the controller objects)', () => {
    const result = publish({ repo: target, sourceDir: source, environments: ['dev'] });
    expect(result.folders).toEqual(['apps/user-service/dev', 'bootstrap/user-service']);
    expect(existsSync(join(target, 'apps/user-service/prod'))).toBe(false);
    expect(git(target, ['log', '-1', '--format=%s'])).toMatch(/publish dev from/);
  });

  it('refuses a target with uncommitted changes and leaves it untouched', () => {
    publish({ repo: target, sourceDir: source });
    const head = git(target, ['rev-parse', 'HEAD']);
    writeFileSync(join(target, PROD_HPA), 'edited by hand\n');
    writeFileSync(join(target, 'notes.txt'), 'untracked\n');
    const before = uncommittedChanges(target);
    let caught: unknown;
    try {
      publish({
        repo: target,
        sourceDir: source,
        settings: settingsWith('prod', { autoscaling: { maxReplicas: 25 } }),
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PublishRefusedError);
    expect((caught as Error).message).toBe(
      `refusing to publish: ${target} has uncommitted changes (commit, stash or remove them first):\n` +
        `   M ${PROD_HPA}\n  ?? notes.txt`,
    );
    expect(uncommittedChanges(target)).toEqual(before);
    expect(readFileSync(join(target, PROD_HPA), 'utf8')).toBe('edited by hand\n');
    expect(git(target, ['rev-parse', 'HEAD'])).toBe(head);
  });

  it('leaves the target clean when the commit itself fails', () => {
    publish({ repo: target, sourceDir: source, settings: twoDevReplicas });
    const head = git(target, ['rev-parse', 'HEAD']);
    const hook = join(target, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "hook says no" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    // Publishing the usual dev settings deletes the PDB and rewrites the HPA, then the hook fails.
    expect(() => publish({ repo: target, sourceDir: source })).toThrow(/hook says no/);
    expect(uncommittedChanges(target)).toEqual([]);
    expect(git(target, ['rev-parse', 'HEAD'])).toBe(head);
    expect(existsSync(join(target, DEV_PDB))).toBe(true);
  });

  it('says clearly when the target is not a git checkout', () => {
    expect(() => publish({ repo: tmp.dir, sourceDir: source })).toThrow(
      `${tmp.dir} is not a git checkout`,
    );
  });
});

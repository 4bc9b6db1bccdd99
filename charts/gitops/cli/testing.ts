import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { environments } from '../../config/environments';
import type { EnvironmentOverrides } from '../../config/load';
import { deepMerge, type DeepPartial } from '../../config/merge';
import type { EnvironmentInput, EnvironmentName } from '../../config/schema';
import { git } from './git';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Publish Test',
  GIT_AUTHOR_EMAIL: 'publish-test@example.com',
  GIT_COMMITTER_NAME: 'Publish Test',
  GIT_COMMITTER_EMAIL: 'publish-test@example.com',
} as const;

/** Gives git an identity for the tests (CI runs as root with none configured); returns an undo. */
export function useGitIdentity(): () => void {
  const saved = Object.keys(IDENTITY).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, IDENTITY);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
}

/** Gives the git commands of every test of the enclosing `describe` an identity. */
export function gitIdentityForSuite(): void {
  let restore: () => void = () => undefined;
  beforeAll(() => {
    restore = useGitIdentity();
  });
  afterAll(() => {
    restore();
  });
}

/** The environment settings of charts/config/environments.ts with one environment changed. */
export function settingsWith(
  env: EnvironmentName,
  patch: DeepPartial<EnvironmentInput>,
): EnvironmentOverrides {
  return { ...environments, [env]: deepMerge(environments[env], patch) };
}

/** The -/+ lines of a unified diff, without its `---`/`+++` file headers. */
export function changedLines(patch: string): string[] {
  return patch.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));
}

/** Writes files (paths relative to `dir`), creating folders as needed. */
export function writeFiles(dir: string, files: Iterable<readonly [string, string]>): void {
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** A scratch folder and a way to remove it. */
export interface Scratch {
  readonly dir: string;
  /** A new empty git repository (branch main) inside the scratch folder. */
  repo(name: string): string;
  remove(): void;
}

/** A temporary folder for git repositories. */
export function scratch(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    repo(name) {
      const path = join(dir, name);
      mkdirSync(path);
      git(path, ['init', '--quiet', '--initial-branch=main']);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files (repository paths) and commits them all; returns the new commit. */
export function commitFiles(repo: string, files: Record<string, string>, message: string): string {
  writeFiles(repo, Object.entries(files));
  git(repo, ['add', '--all']);
  git(repo, ['commit', '--quiet', '-m', message]);
  return git(repo, ['rev-parse', 'HEAD']).trim();
}

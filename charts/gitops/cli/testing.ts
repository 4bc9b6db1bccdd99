import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git(repo, ['add', '--all']);
  git(repo, ['commit', '--quiet', '-m', message]);
  return git(repo, ['rev-parse', 'HEAD']).trim();
}

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EnvironmentOverrides } from '../../config/load';
import { GITOPS_FOLDER } from '../render';
import { parseGitOpsSettings, type GitOpsSettingsInput } from '../schema';
import { gitopsSettings } from '../settings';
import {
  checkoutRoot,
  git,
  gitSucceeds,
  headCommit,
  sourceRevision,
  uncommittedChanges,
} from './git';
import { folderMappings, toRepoLayout } from './layout';
import { readTree, synthTree, type Tree } from './tree';

/** Options of {@link publish}. */
export interface PublishOptions {
  /** The GitOps repository checkout to write into and commit to (its current branch). */
  readonly repo: string;
  /** Environments to publish. @default all */
  readonly environments?: readonly string[];
  /** Subject line of the commit. @default 'user-service: publish <envs> from <short source commit>' */
  readonly message?: string;
  /** Environment settings to synthesize. @default charts/config/environments.ts */
  readonly settings?: EnvironmentOverrides;
  /** GitOps settings (path layout). @default charts/gitops/settings.ts */
  readonly gitops?: GitOpsSettingsInput;
  /** This repository, whose HEAD the commit message names. @default the current folder */
  readonly sourceDir?: string;
}

/** What {@link publish} did. */
export interface PublishResult {
  /** The new commit of the GitOps repository, or null when nothing changed. */
  readonly commit: string | null;
  /** `git diff --name-status` lines of that commit (empty when nothing changed). */
  readonly changes: readonly string[];
  /** The source commit the files were rendered from (`<sha>` or `<sha>-dirty`). */
  readonly source: string;
  /** Folders of the GitOps repository that publish owns and replaced. */
  readonly folders: readonly string[];
}

/** A target that publish refuses to touch. */
export class PublishRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishRefusedError';
  }
}

/** Makes `folder` of `root` hold exactly `files` (repository paths under it). */
function replaceFolder(root: string, folder: string, files: Tree): void {
  const target = join(root, folder);
  if (existsSync(target)) {
    for (const path of readTree(target).keys()) {
      if (!files.has(`${folder}/${path}`)) rmSync(join(target, path));
    }
  }
  for (const [path, content] of files) {
    const file = join(root, path);
    if (existsSync(file) && readFileSync(file, 'utf8') === content) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** Puts the publish folders back as HEAD has them (the target was clean before). */
function rollback(root: string, folders: readonly string[]): void {
  if (headCommit(root) !== undefined) git(root, ['reset', '--quiet', '--hard', 'HEAD']);
  else git(root, ['rm', '-r', '-q', '--cached', '--ignore-unmatch', '--', ...folders]);
  git(root, ['clean', '-fdq', '--', ...folders]);
}

function commitMessage(o: PublishOptions, envs: readonly string[], source: string): string[] {
  const subject =
    o.message ?? `user-service: publish ${envs.join(', ')} from ${source.slice(0, 12)}`;
  return [
    subject,
    `Rendered manifests of ${envs.join(', ')}, written by npm run gitops:publish.`,
    `Source-Commit: ${source}`,
  ];
}

/**
 * Synthesizes, writes each environment (and dist/gitops/) into the GitOps repository layout,
 * removes files that are no longer rendered and commits once. Makes no commit when nothing
 * changed. Refuses a target with uncommitted changes, and leaves the target clean even when
 * it fails.
 */
export function publish(options: PublishOptions): PublishResult {
  const root = checkoutRoot(options.repo);
  const dirty = uncommittedChanges(root);
  if (dirty.length > 0) {
    throw new PublishRefusedError(
      `refusing to publish: ${root} has uncommitted changes (commit, stash or remove them first):\n` +
        dirty.map((line) => `  ${line}`).join('\n'),
    );
  }
  const settings = parseGitOpsSettings(options.gitops ?? gitopsSettings);
  const source = sourceRevision(options.sourceDir ?? process.cwd());
  const dist = synthTree(options);
  const published = folderMappings(settings).filter((m) =>
    [...dist.keys()].some((p) => p.startsWith(`${m.dist}/`)),
  );
  const folders = published.map((m) => m.repo);
  const files = toRepoLayout(dist, settings);
  const envs = published.map((m) => m.dist).filter((d) => d !== GITOPS_FOLDER);
  try {
    for (const folder of folders) {
      const inside = new Map([...files].filter(([p]) => p.startsWith(`${folder}/`)));
      replaceFolder(root, folder, inside);
    }
    git(root, ['add', '--all', '--', ...folders]);
    if (gitSucceeds(root, ['diff', '--cached', '--quiet'])) {
      return { commit: null, changes: [], source, folders };
    }
    const changes = git(root, ['diff', '--cached', '--name-status', '--no-renames'])
      .split('\n')
      .filter((l) => l !== '');
    const message = commitMessage(options, envs, source).flatMap((m) => ['-m', m]);
    git(root, ['commit', '--quiet', ...message]);
    return { commit: git(root, ['rev-parse', 'HEAD']).trim(), changes, source, folders };
  } catch (error) {
    try {
      rollback(root, folders);
    } catch (cleanup) {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n(and restoring ${root} failed: ${String(cleanup)})`,
        { cause: cleanup },
      );
    }
    throw error;
  }
}

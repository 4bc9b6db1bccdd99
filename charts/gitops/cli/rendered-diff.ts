import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EnvironmentOverrides } from '../../config/load';
import { parseGitOpsSettings, type GitOpsSettingsInput } from '../schema';
import { gitopsSettings } from '../settings';
import { compareTrees, type ObjectChange } from './diff';
import { checkoutRoot, git, gitSucceeds } from './git';
import { toDistLayout } from './layout';
import { readTree, synthTree, type Tree } from './tree';

/** The branch whose merge base is the default baseline, when it exists. */
export const DEFAULT_UPSTREAM = 'origin/main';

/** Options of {@link renderedDiff}. */
export interface RenderedDiffOptions {
  /** Environments to compare. @default all, and dist/gitops/ too */
  readonly environments?: readonly string[];
  /**
   * A folder (dist/ layout or a GitOps checkout) or a git ref of this repository.
   * @default the merge base of HEAD and origin/main, else HEAD
   */
  readonly against?: string;
  /** Environment settings of the current side. @default charts/config/environments.ts */
  readonly settings?: EnvironmentOverrides;
  /** GitOps settings of the current side (and the layout of a GitOps checkout). @default charts/gitops/settings.ts */
  readonly gitops?: GitOpsSettingsInput;
  /** This repository. @default the current folder */
  readonly sourceDir?: string;
}

/** The result of {@link renderedDiff}. */
export interface RenderedDiff {
  /** What the current synth was compared with, for people. */
  readonly against: string;
  readonly changes: readonly ObjectChange[];
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The commit and a label for the default baseline. */
function defaultBaseline(root: string): { commit: string; label: string } {
  if (gitSucceeds(root, ['rev-parse', '--verify', '--quiet', `${DEFAULT_UPSTREAM}^{commit}`])) {
    const base = git(root, ['merge-base', 'HEAD', DEFAULT_UPSTREAM]).trim();
    return { commit: base, label: `\`${DEFAULT_UPSTREAM}\` (merge base ${base.slice(0, 12)})` };
  }
  const head = git(root, ['rev-parse', 'HEAD']).trim();
  return { commit: head, label: `\`HEAD\` (${head.slice(0, 12)})` };
}

/**
 * Synthesizes this repository as it was at `commit`: a temporary `git worktree` that borrows
 * this checkout's node_modules (no npm ci) and runs that commit's own `npm run synth`.
 */
export function synthAtCommit(root: string, commit: string): Tree {
  const temp = mkdtempSync(join(tmpdir(), 'user-service-at-'));
  const worktree = join(temp, 'tree');
  const outdir = join(temp, 'dist');
  git(root, ['worktree', 'add', '--detach', '--quiet', worktree, commit]);
  try {
    symlinkSync(join(root, 'node_modules'), join(worktree, 'node_modules'), 'dir');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CDK8S_OUTDIR;
    try {
      execFileSync('npm', ['run', '--silent', 'synth', '--', '--outdir', outdir], {
        cwd: worktree,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(`synth at ${commit.slice(0, 12)} failed:\n${stderr.trim()}`, {
        cause: error,
      });
    }
    return readTree(outdir);
  } finally {
    git(root, ['worktree', 'remove', '--force', worktree]);
    rmSync(temp, { recursive: true, force: true });
  }
}

/** The baseline tree (dist/ layout) and its label. */
function baseline(root: string, against: string | undefined, settings: GitOpsSettingsInput) {
  if (against !== undefined && isFolder(against)) {
    const tree = toDistLayout(readTree(against), parseGitOpsSettings(settings));
    return { label: `folder \`${against}\``, tree };
  }
  let target: { commit: string; label: string };
  if (against === undefined) target = defaultBaseline(root);
  else if (gitSucceeds(root, ['rev-parse', '--verify', '--quiet', `${against}^{commit}`])) {
    const commit = git(root, ['rev-parse', `${against}^{commit}`]).trim();
    target = { commit, label: `\`${against}\` (${commit.slice(0, 12)})` };
  } else {
    throw new Error(`--against ${against}: neither a folder nor a git ref of ${root}`);
  }
  return { label: target.label, tree: synthAtCommit(root, target.commit) };
}

/** Compares the current synth with a baseline, object by object. */
export function renderedDiff(options: RenderedDiffOptions = {}): RenderedDiff {
  const root = checkoutRoot(resolve(options.sourceDir ?? process.cwd()));
  const settings = options.gitops ?? gitopsSettings;
  const current = synthTree(options);
  const base = baseline(root, options.against, settings);
  const envs = options.environments ?? [];
  const groups = envs.length > 0 ? envs : undefined;
  return { against: base.label, changes: compareTrees(base.tree, current, groups) };
}

import { execFileSync } from 'node:child_process';

/** A git command that failed: the message holds the command, the folder and git's own words. */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} (in ${cwd}) failed: ${stderr.trim() || `exit ${status}`}`);
    this.name = 'GitError';
  }
}

interface ExecFailure {
  readonly status: number | null;
  readonly stdout?: Buffer | string;
  readonly stderr?: Buffer | string;
}

function isExecFailure(error: unknown): error is ExecFailure {
  return typeof error === 'object' && error !== null && 'status' in error;
}

/** Runs git in `cwd` without a shell; returns stdout, throws {@link GitError} on non-zero exit. */
export function git(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync('git', [...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (error) {
    if (!isExecFailure(error)) throw error;
    throw new GitError(args, cwd, error.status, String(error.stderr ?? ''));
  }
}

/** Like {@link git}, but a non-zero exit is an answer (e.g. `--verify --quiet`), not an error. */
export function gitSucceeds(cwd: string, args: readonly string[]): boolean {
  try {
    git(cwd, args);
    return true;
  } catch (error) {
    if (error instanceof GitError && error.status !== null) return false;
    throw error;
  }
}

/** The top folder of the checkout that contains `dir`; a clear error when there is none. */
export function checkoutRoot(dir: string): string {
  try {
    return git(dir, ['rev-parse', '--show-toplevel']).trim();
  } catch (error) {
    if (error instanceof GitError)
      throw new Error(`${dir} is not a git checkout`, { cause: error });
    throw error;
  }
}

/** `git status --porcelain` lines of the checkout (untracked files included). */
export function uncommittedChanges(root: string, untracked = true): string[] {
  const args = ['status', '--porcelain=v1', `--untracked-files=${untracked ? 'all' : 'no'}`];
  return git(root, args)
    .split('\n')
    .filter((line) => line !== '');
}

/** The commit of HEAD, or undefined in a repository without commits. */
export function headCommit(root: string): string | undefined {
  return gitSucceeds(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])
    ? git(root, ['rev-parse', 'HEAD']).trim()
    : undefined;
}

/**
 * What the rendered files come from: HEAD of `dir`, with `-dirty` when tracked files differ
 * from it (as `git describe --dirty` does).
 */
export function sourceRevision(dir: string): string {
  let root: string;
  try {
    root = checkoutRoot(dir);
  } catch {
    return 'unknown (not a git checkout)';
  }
  const head = headCommit(root);
  if (head === undefined) return 'unknown (no commit yet)';
  return uncommittedChanges(root, false).length > 0 ? `${head}-dirty` : head;
}

/** Runs commands (kubectl) and captures their output; nothing here goes through a shell. */
import { spawn } from 'node:child_process';

/** What a finished command printed. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command args`, feeding `input` on stdin; never throws on a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  input?: string,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(input ?? '');
  });
}

/** `kubectl args`; throws with its stderr when it fails. */
export async function kubectl(args: readonly string[], input?: string): Promise<CommandResult> {
  const result = await run('kubectl', args, input);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
  }
  return result;
}

/** `kubectl args -o json`, parsed. */
export async function kubectlJson(args: readonly string[]): Promise<unknown> {
  const { stdout } = await kubectl([...args, '-o', 'json']);
  return JSON.parse(stdout) as unknown;
}

/** The `Warning: ...` lines kubectl printed (API warnings, Pod Security warn mode). */
export function warningsOf(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^warning:/i.test(line.trim()));
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value or `timeoutMs` passes; the error names `what`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${reason}`);
    }
    await sleep(1000);
  }
}

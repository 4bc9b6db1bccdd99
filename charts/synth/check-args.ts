/**
 * The command line of the checks that run a real program on the rendered environments
 * (scripts/check-*.mjs): `<program> [--env <name>]... [--scrape <file>]`. Parsed by
 * node:util parseArgs (strict: an unknown option or a missing value is an error), and the
 * program must be an executable file.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { parseArgs } from 'node:util';

export interface CheckArgs {
  /** The program to run (first positional argument). */
  readonly program: string;
  /** `--env` values, in order; empty means every environment. */
  readonly environments: readonly string[];
  /** `--scrape <file>`, only where the check accepts it. */
  readonly scrape?: string;
}

export interface CheckArgsSpec {
  /** What the positional argument is, for the error: e.g. "the path of promtool". */
  readonly program: string;
  /** Whether `--scrape <file>` is accepted. @default false */
  readonly scrape?: boolean;
}

/** The parsed arguments, or the problem (a sentence naming what is wrong). */
export function parseCheckArgs(argv: readonly string[], spec: CheckArgsSpec): CheckArgs | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        env: { type: 'string', multiple: true },
        ...(spec.scrape === true ? { scrape: { type: 'string' as const } } : {}),
      },
    });
  } catch (e) {
    return (e as Error).message;
  }
  const [program, ...rest] = parsed.positionals;
  if (program === undefined) return `${spec.program} is missing`;
  if (rest.length > 0) return `unexpected argument ${rest.join(' ')}`;
  try {
    accessSync(program, constants.X_OK);
  } catch {
    return `${program} is not an executable file`;
  }
  const scrape = (parsed.values as { scrape?: string }).scrape;
  return {
    program,
    environments: parsed.values.env ?? [],
    ...(scrape === undefined ? {} : { scrape }),
  };
}

/** What one run of the checked program returned (the fields of spawnSync's result that count). */
export interface ProgramRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly error?: Error;
}

/** Runs `program args...` with exactly `env`, text output, killed after `timeoutMs`. */
export function spawnProgram(
  program: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): ProgramRun {
  const result = spawnSync(program, [...args], { env, encoding: 'utf8', timeout: timeoutMs });
  return {
    status: result.status,
    stderr: result.stderr,
    stdout: result.stdout,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}

/** What a run says: accepted when it started and exited 0; its output is the spawn error, stderr and stdout. */
export function verdictOf(run: ProgramRun): {
  readonly accepted: boolean;
  readonly exitCode: number | null;
  readonly output: string;
} {
  const output = [run.error?.message, run.stderr, run.stdout]
    .filter((s): s is string => s !== undefined && s.trim() !== '')
    .join('\n')
    .trim();
  return { accepted: run.error === undefined && run.status === 0, exitCode: run.status, output };
}

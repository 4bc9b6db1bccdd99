/**
 * The Pulumi path as users run it: the real `pulumi` CLI (with the Node.js language host next to
 * it) on a copy of the project directory, running the command lines of README.md's "Deploy with
 * Pulumi" blocks marked `<!-- e2e: <name> -->`. Each command is printed with its exit code and
 * duration; its output goes to a log file of the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { log } from './harness';

/** One command that ran. */
export interface CommandRun {
  readonly command: string;
  readonly code: number;
  readonly seconds: number;
  /** stdout and stderr, interleaved as printed. */
  readonly output: string;
}

/** Every command run, for the timing table at the end. */
export const COMMANDS: CommandRun[] = [];

/**
 * A copy of the project directory: the files git tracks plus untracked ones it does not ignore
 * (what a fresh checkout of this working tree has), and `node_modules` linked to the original
 * (what `npm ci` would install). Commands that write into the project (`pulumi stack select
 * --create` writes Pulumi.<stack>.yaml) change the copy, never the checkout.
 */
export function copyProject(root: string, target: string): string {
  const listed = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter((f) => f.length > 0)) {
    const from = join(root, file);
    if (!existsSync(from) || lstatSync(from).isSymbolicLink()) continue;
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(from, join(target, file));
  }
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'));
  return target;
}

/**
 * The command lines of the README block after `<!-- e2e: <name> -->` (the next ```bash fence):
 * every line but blank lines and comment lines, as written.
 */
export function readmeBlock(readme: string, name: string): string[] {
  const marker = `<!-- e2e: ${name} -->`;
  const at = readme.indexOf(marker);
  if (at === -1) throw new Error(`README.md has no block ${marker}`);
  const fence = readme.indexOf('```bash\n', at);
  const end = readme.indexOf('\n```', fence);
  if (fence === -1 || end === -1) throw new Error(`README.md: no \`\`\`bash block after ${marker}`);
  return readme
    .slice(fence + '```bash\n'.length, end)
    .split('\n')
    .filter((line) => line.trim().length > 0 && !line.trim().startsWith('#'));
}

/** Runs command lines with bash in one folder and environment, logging each one. */
export class Shell {
  constructor(
    readonly cwd: string,
    readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {}

  /** Runs one line; never throws on a non-zero exit. */
  run(command: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandRun> {
    const start = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', command], {
        cwd: this.cwd,
        env: { ...this.env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => chunks.push(b));
      child.stderr.on('data', (b: Buffer) => chunks.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        const result: CommandRun = {
          command,
          code: code ?? 1,
          seconds: (Date.now() - start) / 1000,
          output: Buffer.concat(chunks).toString('utf8'),
        };
        COMMANDS.push(result);
        appendFileSync(this.logFile, `\n$ ${command}\n${result.output}[exit ${result.code}]\n`);
        log(`    $ ${command}\n      exit ${result.code} in ${result.seconds.toFixed(1)}s`);
        resolve(result);
      });
    });
  }

  /** Runs one line and throws (with the end of its output) unless it exits 0. */
  async ok(command: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandRun> {
    const result = await this.run(command, extraEnv);
    if (result.code !== 0) {
      throw new Error(`\`${command}\` exited ${result.code}:\n${tail(result.output, 40)}`);
    }
    return result;
  }

  /** Runs every line of a README block, in order, each required to exit 0. */
  async block(
    readme: string,
    name: string,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<CommandRun[]> {
    const out: CommandRun[] = [];
    for (const line of readmeBlock(readme, name)) out.push(await this.ok(line, extraEnv));
    return out;
  }
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The resource counts of a preview or update summary (`Resources:` section of the CLI). */
export interface ChangeSummary {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  readonly same: number;
}

/** Parses the `Resources:` section that `pulumi preview|up|destroy` prints at the end. */
export function changesOf(output: string): ChangeSummary {
  const counts = { create: 0, update: 0, delete: 0, replace: 0, same: 0 };
  const section = output.slice(output.lastIndexOf('Resources:'));
  if (!output.includes('Resources:')) throw new Error('no "Resources:" summary in the output');
  const kinds: [RegExp, keyof typeof counts][] = [
    [/^(?:to )?create$|^created$/, 'create'],
    [/^(?:to )?update$|^updated$/, 'update'],
    [/^(?:to )?delete$|^deleted$/, 'delete'],
    [/^(?:to )?replace$|^replaced$/, 'replace'],
    [/^unchanged$/, 'same'],
  ];
  for (const line of section.split('\n').slice(1)) {
    if (line.trim().length === 0) break;
    const match = /^\s*[-+~]*\s*(\d+) (.+?)\s*$/.exec(line);
    if (match === null) continue;
    const kind = kinds.find(([re]) => re.test(match[2] ?? ''))?.[1];
    if (kind !== undefined) counts[kind] += Number(match[1]);
  }
  return counts;
}

/** A file with one line of text, for PULUMI_CONFIG_PASSPHRASE_FILE. */
export function writePassphrase(file: string, passphrase: string): string {
  writeFileSync(file, `${passphrase}\n`, { mode: 0o600 });
  return file;
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

import { parseArgs } from 'node:util';
import { formatMarkdown } from './format';
import { synthHelm } from './helm';
import { publish } from './publish';
import { renderedDiff } from './rendered-diff';

const USAGE = `usage:
  npm run gitops:publish -- --repo <gitops-checkout> [--env <name>]... [--message <text>]
  npm run diff -- [--env <name>]... [--against <git-ref-or-folder>] [--exit-code]
  npm run synth:helm -- --chart-version <semver> [--env <name>]... [--outdir <dir>]`;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function publishCommand(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      repo: { type: 'string' },
      env: { type: 'string', multiple: true, short: 'e' },
      message: { type: 'string', short: 'm' },
    },
    strict: true,
  });
  if (values.repo === undefined) throw new Error('--repo <gitops-checkout> is required');
  const result = publish({
    repo: values.repo,
    environments: values.env ?? [],
    ...(values.message === undefined ? {} : { message: values.message }),
  });
  if (result.commit === null) {
    console.log(
      `nothing to publish: ${result.folders.join(', ')} already match (${result.source})`,
    );
  } else {
    console.log(`committed ${result.commit} (from ${result.source}):`);
    for (const line of result.changes) console.log(`  ${line}`);
  }
  return 0;
}

function diffCommand(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      env: { type: 'string', multiple: true, short: 'e' },
      against: { type: 'string' },
      'exit-code': { type: 'boolean' },
    },
    strict: true,
  });
  const diff = renderedDiff({
    environments: values.env ?? [],
    ...(values.against === undefined ? {} : { against: values.against }),
  });
  process.stdout.write(formatMarkdown(diff.changes, diff.against));
  return values['exit-code'] === true && diff.changes.length > 0 ? 1 : 0;
}

function helmCommand(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'chart-version': { type: 'string' },
      env: { type: 'string', multiple: true, short: 'e' },
      outdir: { type: 'string', short: 'o' },
    },
    strict: true,
  });
  const version = values['chart-version'];
  if (version === undefined) throw new Error('--chart-version <semver> is required');
  const charts = synthHelm({
    chartVersion: version,
    environments: values.env ?? [],
    ...(values.outdir === undefined ? {} : { outdir: values.outdir }),
  });
  for (const chart of charts) console.log(`chart ${chart}`);
  return 0;
}

const COMMANDS: Record<string, (argv: readonly string[]) => number> = {
  publish: publishCommand,
  diff: diffCommand,
  helm: helmCommand,
};

/**
 * `gitops <publish|diff|helm> [options]`; returns the exit code: 0 done (diff: also with
 * differences unless --exit-code), 1 differences under --exit-code or a failed publish/helm,
 * 2 bad usage or a failed diff.
 */
export function main(argv: readonly string[]): number {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command === undefined) {
    console.error(USAGE);
    return 2;
  }
  try {
    return command(rest);
  } catch (error) {
    console.error(`${name ?? ''} failed: ${message(error)}`);
    if (error instanceof TypeError && 'code' in error) console.error(USAGE);
    return name === 'diff' ? 2 : 1;
  }
}

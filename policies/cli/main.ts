/**
 * `npm run policy -- <folder>...`: judges every Kubernetes object in the YAML files of the
 * folders. Exit 0: no error finding; 1: at least one error finding; 2: bad usage or input.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isEnvironmentName } from '../core/context';
import { hasErrors } from '../core/evaluate';
import { TARGETS, type Report, type Target } from '../core/types';
import { checkObjects, RULES } from '../index';
import { formatJson } from '../report/json';
import { formatSarif } from '../report/sarif';
import { formatText, summaryLine } from '../report/text';
import { InputError, loadManifests } from './load';

export const USAGE = `usage: npm run policy -- [options] <folder or file>...

Checks every Kubernetes object in the YAML files (multi-document, searched recursively) against
the platform policies. Documents that are not Kubernetes objects (kustomization.yaml, ...) are
skipped.

options:
  --format text|json|sarif   report format (default: text)
  --output <file>            write the report to a file instead of stdout
  --env dev|staging|prod     judge every namespace as this environment (default: the
                             environment label of each Namespace object; none: as prod)
  --target gitops|pulumi     the delivery path (default: gitops: Secrets with data fail)
  -h, --help                 this text

exit status: 0 no error finding, 1 error findings, 2 bad usage or unreadable input`;

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

/** Where the CLI writes (the tests capture it). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function render(report: Report, format: Format): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report, RULES);
    case 'text':
      return formatText(report);
  }
}

/** Runs the CLI on `argv` (without node and script); returns the exit status. */
export function runPolicyCli(argv: readonly string[], io: CliIo = processIo): number {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: {
          format: { type: 'string', default: 'text' },
          output: { type: 'string' },
          env: { type: 'string' },
          target: { type: 'string', default: 'gitops' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new InputError(error instanceof Error ? error.message : String(error));
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      io.stdout(USAGE);
      return 0;
    }
    const format = oneOf(values.format, FORMATS, '--format');
    const target: Target = oneOf(values.target, TARGETS, '--target');
    const env = values.env;
    if (env !== undefined && !isEnvironmentName(env)) {
      throw new InputError(`--env must be one of dev, staging, prod, got "${env}"`);
    }
    if (positionals.length === 0) throw new InputError('name at least one folder or file to check');

    const loaded = loadManifests(positionals);
    if (loaded.objects.length === 0) {
      throw new InputError(`no Kubernetes objects in ${positionals.join(', ')}`);
    }
    const report = checkObjects(loaded.objects, {
      target,
      ...(env === undefined ? {} : { environment: env }),
      sourceOf: loaded.sourceOf,
    });
    const output = render(report, format);
    if (values.output === undefined) {
      io.stdout(output);
    } else {
      writeFileSync(values.output, `${output}\n`);
      io.stderr(`${summaryLine(report)} (report: ${values.output})`);
    }
    return hasErrors(report) ? 1 : 0;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(`policy: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}

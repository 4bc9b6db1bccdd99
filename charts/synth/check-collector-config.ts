/**
 * `node scripts/check-collector-config.mjs <otelcol binary> [--env <name>]...`: runs the
 * collector's own `validate` command (tools/otelcol, built by tools/otelcol/build.sh) on the
 * collector configuration each rendered environment mounts, then on a deliberately broken copy
 * (a pipeline naming an unknown processor), which must be refused. Exit 0 when every environment
 * is accepted and the broken copy refused; 1 naming what went wrong; 2 on usage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadEnvironments, selectEnvironments } from '../config/load';
import { OTEL_CONFIG_PATH, OTEL_NAMES, OTEL_POD_IP_ENV } from '../model/otel';
import { parseCheckArgs, spawnProgram, verdictOf, type ProgramRun } from './check-args';
import { renderEnvironments, type KubeObject } from './render';

/** The collector configuration file an environment mounts, or undefined when it has no collector. */
export function collectorConfigFile(objects: readonly KubeObject[]): string | undefined {
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === OTEL_NAMES.configMap,
  );
  if (configMap === undefined) return undefined;
  const data = configMap.data as Record<string, string> | undefined;
  const file = data?.[OTEL_CONFIG_PATH.file];
  if (file === undefined) {
    throw new Error(`ConfigMap ${OTEL_NAMES.configMap} has no ${OTEL_CONFIG_PATH.file}`);
  }
  return file;
}

/** The processor the broken copy names; no collector has a component of that type. */
export const UNKNOWN_PROCESSOR = 'no_such_processor';

/** A copy of `file` whose first pipeline also runs a processor no collector knows. */
export function withUnknownProcessor(file: string): string {
  const config = parse(file) as {
    processors: Record<string, unknown>;
    service: { pipelines: Record<string, { processors: string[] }> };
  };
  config.processors[UNKNOWN_PROCESSOR] = {};
  const [first] = Object.values(config.service.pipelines);
  if (first === undefined) throw new Error('the configuration has no pipeline');
  first.processors.push(UNKNOWN_PROCESSOR);
  return stringify(config, { lineWidth: 0 });
}

/** What one `validate` run said. */
export interface ValidateResult {
  readonly name: string;
  readonly accepted: boolean;
  readonly exitCode: number | null;
  readonly output: string;
}

/** Runs `<binary> validate --config=file:<path>`. */
export type Validator = (binary: string, configPath: string) => ProgramRun;

const spawnValidator: Validator = (binary, configPath) =>
  spawnProgram(
    binary,
    ['validate', `--config=file:${configPath}`],
    // The pod gets its IP from the downward API; any address parses the same.
    { PATH: process.env.PATH ?? '/usr/bin:/bin', [OTEL_POD_IP_ENV]: '10.0.0.10' },
    60_000,
  );

/** Validates each named configuration file, each in its own temporary folder. */
export function validateConfigs(
  binary: string,
  files: readonly { name: string; file: string }[],
  validate: Validator = spawnValidator,
): ValidateResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'check-collector-config-'));
  try {
    return files.map(({ name, file }) => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, file);
      return { name, ...verdictOf(validate(binary, path)) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The CLI: returns the exit code and writes its report to `log`. */
export function main(
  argv: readonly string[],
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  validate: Validator = spawnValidator,
): number {
  const args = parseCheckArgs(argv, { program: 'the path of the collector binary' });
  if (typeof args === 'string') return usage(log, args);
  const { program: binary, environments: names } = args;
  const files: { name: string; file: string }[] = [];
  for (const r of renderEnvironments(selectEnvironments(loadEnvironments(), names))) {
    const file = collectorConfigFile(r.objects);
    if (file === undefined) log(`validate ${r.environment.name}: no collector in this environment`);
    else files.push({ name: r.environment.name, file });
  }
  const [probe] = files;
  if (probe === undefined) {
    log('no environment has a collector: nothing to validate');
    return 1;
  }
  const broken = `${probe.name}-with-${UNKNOWN_PROCESSOR}`;
  const results = validateConfigs(
    binary,
    [...files, { name: broken, file: withUnknownProcessor(probe.file) }],
    validate,
  );
  let failed = false;
  for (const r of results) {
    const expectAccepted = r.name !== broken;
    const verdict = r.accepted ? 'accepted' : `refused (exit ${String(r.exitCode)})`;
    if (r.accepted === expectAccepted) {
      log(`validate ${r.name}: ${verdict}, as expected`);
      if (!expectAccepted) {
        const why = r.output.split('\n').filter((l) => l.includes(UNKNOWN_PROCESSOR));
        for (const line of why.slice(0, 1)) log(`  ${line.trim()}`);
      }
    } else {
      failed = true;
      log(`validate ${r.name}: ${verdict}, UNEXPECTED`);
      for (const line of r.output.split('\n')) log(`  ${line}`);
    }
  }
  if (failed) return 1;
  log(
    `the collector accepts the configuration of: ${files.map((f) => f.name).join(', ')}; ` +
      `it refuses one with an unknown processor`,
  );
  return 0;
}

function usage(log: (line: string) => void, problem: string): number {
  log(`check-collector-config: ${problem}`);
  log('usage: node scripts/check-collector-config.mjs <otelcol binary> [--env <name>]...');
  return 2;
}

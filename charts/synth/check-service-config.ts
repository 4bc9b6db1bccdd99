/**
 * `node scripts/check-service-config.mjs <binary> [--env <name>]...`: runs the built user
 * service with `--check-config` over the environment each rendered environment gives its pods
 * (ConfigMap entries and env of the Deployment, secrets as fixture files in a temporary
 * folder). Exit 0 when every environment is accepted; 1 naming each refused one; 2 on usage.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironments, selectEnvironments } from '../config/load';
import { parseCheckArgs, spawnProgram, verdictOf, type ProgramRun } from './check-args';
import { renderEnvironments, type KubeObject } from './render';
import { mountedSecretKeys, serviceProcessEnv } from './service-env';

/** Fixture values of the secret files: shapes the service accepts, never real secrets. */
export const SECRET_FIXTURES: Readonly<Record<string, string>> = {
  DB_PASSWORD: 'fixture-db-password',
  REDIS_PASSWORD: 'fixture-redis-password',
  // The service wants >= 16 bytes for the HMAC key of page tokens.
  PAGE_TOKEN_SECRET: 'fixture-page-token-secret-0123456789abcdef',
  CONSUL_HTTP_TOKEN: '00000000-0000-4000-8000-000000000000',
};

/** Writes one fixture file per key of the mounted Secret into `dir`. */
export function writeSecretFixtures(objects: readonly KubeObject[], dir: string): string[] {
  const keys = mountedSecretKeys(objects);
  for (const key of keys) {
    const value = SECRET_FIXTURES[key];
    if (value === undefined) throw new Error(`no fixture value for secret key ${key}`);
    writeFileSync(join(dir, key), value, { mode: 0o400 });
  }
  return keys;
}

/** What one run of the binary said about one environment. */
export interface CheckResult {
  readonly environment: string;
  readonly accepted: boolean;
  readonly exitCode: number | null;
  readonly output: string;
}

/** Runs `<binary> --check-config` with exactly the environment of the pod. */
export type Runner = (binary: string, env: Record<string, string>) => ProgramRun;

const spawnRunner: Runner = (binary, env) => spawnProgram(binary, ['--check-config'], env, 30_000);

/** Checks each environment: its own temporary folder of fixture secrets, removed afterwards. */
export function checkEnvironments(
  binary: string,
  environments: readonly { name: string; objects: readonly KubeObject[] }[],
  run: Runner = spawnRunner,
): CheckResult[] {
  return environments.map(({ name, objects }) => {
    const dir = mkdtempSync(join(tmpdir(), `check-config-${name}-`));
    try {
      writeSecretFixtures(objects, dir);
      return { environment: name, ...verdictOf(run(binary, serviceProcessEnv(objects, dir))) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The CLI: returns the exit code and writes its report to `log`. */
export function main(
  argv: readonly string[],
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  run: Runner = spawnRunner,
): number {
  const args = parseCheckArgs(argv, { program: 'the path of the built user-service binary' });
  if (typeof args === 'string') return usage(log, args);
  const { program: binary, environments: names } = args;
  const rendered = renderEnvironments(selectEnvironments(loadEnvironments(), names)).map((r) => ({
    name: r.environment.name,
    objects: r.objects,
  }));
  const results = checkEnvironments(binary, rendered, run);
  for (const r of results) {
    if (r.accepted) log(`check-config ${r.environment}: accepted`);
    else {
      log(`check-config ${r.environment}: REFUSED (exit ${String(r.exitCode)})`);
      for (const line of r.output.split('\n')) log(`  ${line}`);
    }
  }
  const refused = results.filter((r) => !r.accepted).map((r) => r.environment);
  if (refused.length > 0) {
    log(`the service refuses the configuration of: ${refused.join(', ')}`);
    return 1;
  }
  log(`the service accepts the configuration of: ${results.map((r) => r.environment).join(', ')}`);
  return 0;
}

function usage(log: (line: string) => void, problem: string): number {
  log(`check-service-config: ${problem}`);
  log('usage: node scripts/check-service-config.mjs <user-service binary> [--env <name>]...');
  return 2;
}

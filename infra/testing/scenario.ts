import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { EnvironmentName } from '../../charts/config/schema';
import { synth } from '../../charts/main';
import type { KubeObject } from '../../charts/synth/render';
import { SECRET_NAMES, secretConfigKey, type SecretName } from '../config/secret-sources';
import { loadStackConfig } from '../config/stack-config';
import { deploy, type DeployResult } from '../program';
import { mockStack, promiseOf, registered, type Registration } from './pulumi-mocks';

/** The project name of Pulumi.yaml. */
export const PROJECT = 'user-service-platform';

/** A recognisable value for each stack secret. */
export function secretValueOf(name: SecretName): string {
  return `value-of-${name}`;
}

/** Config entries (`secrets.<name>`) for every stack secret. */
export function allSecrets(): Record<string, string> {
  return Object.fromEntries(SECRET_NAMES.map((n) => [secretConfigKey(n), secretValueOf(n)]));
}

/** What one mocked `pulumi up` registered. */
export interface Scenario {
  readonly registrations: readonly Registration[];
  readonly result: DeployResult;
}

/** Runs the program for `stack` against the mock engine and waits for every registration. */
export async function deployScenario(
  stack: string,
  config: Readonly<Record<string, string>>,
): Promise<Scenario> {
  const registrations = await mockStack(PROJECT, stack, config);
  const result = await deploy(loadStackConfig());
  const { environment, outputs } = result;
  await registered([environment, environment.provider, ...environment.resources.values()]);
  await promiseOf(outputs.imageRef);
  return { registrations, result };
}

/** The objects `npm run synth` writes for one environment, read back from a temporary dist/. */
export function synthesizedObjects(env: EnvironmentName): KubeObject[] {
  const outdir = mkdtempSync(join(tmpdir(), 'infra-synth-'));
  try {
    synth({ outdir, environments: [env] });
    const folder = join(outdir, env);
    return readdirSync(folder)
      .filter((file) => file !== 'kustomization.yaml')
      .sort()
      .map((file) => parse(readFileSync(join(folder, file), 'utf8')) as KubeObject);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

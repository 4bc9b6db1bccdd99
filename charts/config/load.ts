import type { z } from 'zod';
import { defaults, environments } from './environments';
import { deepMerge, type DeepPartial } from './merge';
import {
  ENVIRONMENT_NAMES,
  environmentSchema,
  type Environment,
  type EnvironmentInput,
  type EnvironmentName,
} from './schema';

/** One problem with one field of one environment. */
export interface SettingIssue {
  readonly environment: string;
  /** Dotted path of the field, e.g. `autoscaling.maxReplicas`. */
  readonly field: string;
  readonly message: string;
}

/** Bad settings: the message names every environment and field at fault. */
export class EnvironmentSettingsError extends Error {
  constructor(readonly issues: readonly SettingIssue[]) {
    super(
      'invalid environment settings:\n' +
        issues.map((i) => `  - ${i.environment}: ${i.field}: ${i.message}`).join('\n'),
    );
    this.name = 'EnvironmentSettingsError';
  }
}

function toIssues(environment: string, error: z.ZodError): SettingIssue[] {
  return error.issues.map((issue) => ({
    environment,
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}

export type EnvironmentOverrides = Record<
  string,
  DeepPartial<EnvironmentInput> & { namespace: string }
>;

/**
 * Merges each environment's overrides onto the defaults and validates the result.
 * Throws one {@link EnvironmentSettingsError} that lists every issue of every environment.
 */
export function loadEnvironments(
  overrides: EnvironmentOverrides = environments,
  base: Omit<EnvironmentInput, 'name' | 'namespace'> = defaults,
): Environment[] {
  const issues: SettingIssue[] = [];
  const result: Environment[] = [];
  for (const [name, override] of Object.entries(overrides)) {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(name)) {
      issues.push({
        environment: name,
        field: 'name',
        message: `unknown environment (known: ${ENVIRONMENT_NAMES.join(', ')})`,
      });
      continue;
    }
    const input = deepMerge<EnvironmentInput>(
      { ...base, name: name as EnvironmentName, namespace: override.namespace },
      override,
    );
    const parsed = environmentSchema.safeParse(input);
    if (parsed.success) result.push(parsed.data);
    else issues.push(...toIssues(name, parsed.error));
  }
  if (issues.length > 0) throw new EnvironmentSettingsError(issues);
  return result;
}

/** Picks environments by name, failing on a name that does not exist. */
export function selectEnvironments(all: Environment[], names: readonly string[]): Environment[] {
  if (names.length === 0) return all;
  const unknown = names.filter((n) => !all.some((e) => e.name === n));
  if (unknown.length > 0) {
    throw new EnvironmentSettingsError(
      unknown.map((n) => ({
        environment: n,
        field: 'name',
        message: `unknown environment (known: ${all.map((e) => e.name).join(', ')})`,
      })),
    );
  }
  return all.filter((e) => names.includes(e.name));
}

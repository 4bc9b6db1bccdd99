import { environments } from '../../charts/config/environments';
import {
  EnvironmentSettingsError,
  loadEnvironments,
  type EnvironmentOverrides,
} from '../../charts/config/load';
import { deepMerge, type DeepPartial } from '../../charts/config/merge';
import type { EnvironmentInput, EnvironmentName } from '../../charts/config/schema';

/** What a test changes in one environment of charts/config/environments.ts. */
export type Override = DeepPartial<EnvironmentInput>;

/** The environments of charts/config/environments.ts with one of them changed. */
export function withOverride(env: EnvironmentName, override: Override): EnvironmentOverrides {
  return { ...environments, [env]: deepMerge(environments[env], override) };
}

/** The message of the {@link EnvironmentSettingsError} these settings raise; fails if none. */
export function issuesOf(settings: EnvironmentOverrides): string {
  try {
    loadEnvironments(settings);
  } catch (error) {
    if (!(error instanceof EnvironmentSettingsError)) throw error;
    return error.message;
  }
  throw new Error('expected the settings to be rejected');
}

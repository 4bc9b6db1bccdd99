import { Testing } from 'cdk8s';
import type { Chart } from 'cdk8s';
import { loadEnvironments } from '../../charts/config/load';
import type { Environment, EnvironmentName } from '../../charts/config/schema';
import type { KubeObject } from '../../charts/synth/render';

/** Synthesizes what `build` adds to a fresh test chart. */
export function synthConstruct(build: (chart: Chart) => void): KubeObject[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as KubeObject[];
}

/** The one object of a kind (and name, when given); fails the test when there is not exactly one. */
export function only(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0] as KubeObject;
}

/** The validated environment of that name from charts/config/environments.ts. */
export function environment(name: EnvironmentName): Environment {
  const env = loadEnvironments().find((e) => e.name === name);
  if (env === undefined) throw new Error(`no environment ${name}`);
  return env;
}

/** Reads a nested field: `get(obj, 'spec', 'template', 'spec')`. */
export function get(value: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

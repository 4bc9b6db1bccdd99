import { ENVIRONMENT_LABEL } from '../../charts/model/contract';
import {
  ENVIRONMENTS,
  type EnvironmentName,
  type EvaluationContext,
  type KubeObject,
  type Target,
} from './types';

export { ENVIRONMENT_LABEL };

/** Whether a string names one of the environments. */
export function isEnvironmentName(value: unknown): value is EnvironmentName {
  return typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * The environment a Namespace object declares through its `ENVIRONMENT_LABEL`, or undefined
 * when it has no (valid) label.
 */
export function environmentOfNamespace(namespace: KubeObject): EnvironmentName | undefined {
  const value = namespace.metadata.labels?.[ENVIRONMENT_LABEL];
  return isEnvironmentName(value) ? value : undefined;
}

/** What the gate knows for sure; the rest is derived from the objects. */
export interface ContextOptions {
  readonly target: Target;
  /** Overrides what the Namespace labels say, for every namespace. */
  readonly environment?: EnvironmentName;
}

/**
 * The context one namespace's objects are judged in: the gate's explicit environment, else the
 * environment label of the Namespace object among them, else unknown (judged as strictly as
 * prod).
 */
export function contextFor(
  namespace: string,
  objectsOfNamespace: readonly KubeObject[],
  options: ContextOptions,
): EvaluationContext {
  if (options.environment !== undefined) {
    return { target: options.target, environment: options.environment };
  }
  const ns = objectsOfNamespace.find(
    (o) => o.kind === 'Namespace' && o.apiVersion === 'v1' && o.metadata.name === namespace,
  );
  const environment = ns === undefined ? undefined : environmentOfNamespace(ns);
  return environment === undefined
    ? { target: options.target }
    : { target: options.target, environment };
}

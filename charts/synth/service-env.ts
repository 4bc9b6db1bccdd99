import {
  APP_NAME,
  ENV_CONTRACT,
  NAMES,
  SECRETS_MOUNT_PATH,
  type ContractVariable,
} from '../model/contract';
import type { KubeObject } from './render';

/** How one environment variable of the service's container gets its value. */
export interface RenderedVariable {
  readonly name: string;
  /** Where it comes from: the ConfigMap (envFrom), a literal, the downward API or a Secret. */
  readonly source: 'configMap' | 'literal' | 'fieldRef' | 'secretKeyRef' | 'other';
  /** The value, for ConfigMap entries and literals; the field path for the downward API. */
  readonly value?: string;
}

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function array(value: unknown): Json[] {
  return Array.isArray(value)
    ? value.flatMap((v) => (record(v) === undefined ? [] : [v as Json]))
    : [];
}

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = record(current)?.[key];
  return current;
}

/**
 * Every variable the user service's container gets, as Kubernetes would set it: the ConfigMaps
 * of `envFrom` first, then `env` (which wins on a clash, as in the kubelet). Throws when the
 * Deployment, its container or a referenced ConfigMap is missing.
 */
export function renderedServiceVariables(objects: readonly KubeObject[]): RenderedVariable[] {
  const deployment = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.name === NAMES.deployment,
  );
  if (deployment === undefined) throw new Error(`no Deployment ${NAMES.deployment}`);
  const container = array(at(deployment, 'spec', 'template', 'spec', 'containers')).find(
    (c) => c.name === APP_NAME,
  );
  if (container === undefined)
    throw new Error(`Deployment ${NAMES.deployment}: no container ${APP_NAME}`);
  const byName = new Map<string, RenderedVariable>();
  for (const from of array(container.envFrom)) {
    const name = at(from, 'configMapRef', 'name');
    if (typeof name !== 'string') {
      throw new Error(`Deployment ${NAMES.deployment}: envFrom other than a ConfigMap`);
    }
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (configMap === undefined) throw new Error(`no ConfigMap ${name} (envFrom)`);
    for (const [key, value] of Object.entries(record(configMap.data) ?? {})) {
      byName.set(key, { name: key, source: 'configMap', value: String(value) });
    }
  }
  for (const env of array(container.env)) {
    const name = String(env.name);
    if (typeof env.value === 'string') {
      byName.set(name, { name, source: 'literal', value: env.value });
    } else if (at(env, 'valueFrom', 'secretKeyRef') !== undefined) {
      byName.set(name, { name, source: 'secretKeyRef' });
    } else if (typeof at(env, 'valueFrom', 'fieldRef', 'fieldPath') === 'string') {
      byName.set(name, {
        name,
        source: 'fieldRef',
        value: String(at(env, 'valueFrom', 'fieldRef', 'fieldPath')),
      });
    } else {
      byName.set(name, { name, source: 'other' });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Stand-in values of the downward API fields, for running the binary outside a pod. */
export const FIELD_FIXTURES: Readonly<Record<string, string>> = {
  'status.podIP': '10.0.0.10',
  'metadata.name': `${APP_NAME}-0`,
  'metadata.namespace': 'default',
};

/**
 * The process environment the service would see in a pod of these objects, for running the
 * real binary outside Kubernetes: ConfigMap entries and literals as they are, downward API
 * fields from {@link FIELD_FIXTURES}, and every path under the Secret's mount point moved to
 * `secretsDir` (where the caller writes fixture files, one per key). A variable the pod gets
 * from a secretKeyRef cannot be reproduced and is an error: secrets are files.
 */
export function serviceProcessEnv(
  objects: readonly KubeObject[],
  secretsDir: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of renderedServiceVariables(objects)) {
    if (v.source === 'configMap' || v.source === 'literal') {
      const value = v.value ?? '';
      env[v.name] = value.startsWith(`${SECRETS_MOUNT_PATH}/`)
        ? `${secretsDir}/${value.slice(SECRETS_MOUNT_PATH.length + 1)}`
        : value;
    } else if (v.source === 'fieldRef') {
      const fixture = FIELD_FIXTURES[v.value ?? ''];
      if (fixture === undefined)
        throw new Error(`${v.name}: no fixture for field ${v.value ?? ''}`);
      env[v.name] = fixture;
    } else {
      throw new Error(
        `${v.name}: set from a ${v.source}, which a process outside a pod cannot get`,
      );
    }
  }
  return env;
}

/** The keys of the Secret the service mounts (from the ExternalSecret of these objects). */
export function mountedSecretKeys(objects: readonly KubeObject[]): string[] {
  const es = objects.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === NAMES.secret);
  if (es === undefined) throw new Error(`no ExternalSecret ${NAMES.secret}`);
  return array(at(es, 'spec', 'data')).map((d) => String(d.secretKey));
}

/**
 * Where the rendered objects break the env-var contract (services/user-service/configs/
 * env-contract.json), one sentence each; empty when they keep it:
 * - a variable the service does not read (neither in the contract nor a `_FILE` variable);
 * - a required variable that is never set;
 * - a secret variable set directly (literal, ConfigMap or secretKeyRef) instead of as a file;
 * - a `_FILE` variable that does not point at its key in the mounted Secret.
 */
export function contractViolations(
  objects: readonly KubeObject[],
  contract: readonly ContractVariable[] = ENV_CONTRACT,
): string[] {
  const variables = renderedServiceVariables(objects);
  const set = new Map(variables.map((v) => [v.name, v]));
  const byName = new Map(contract.map((c) => [c.name, c]));
  const byFile = new Map(
    contract.flatMap((c) => (c.fileVariable === undefined ? [] : [[c.fileVariable, c] as const])),
  );
  const keys = new Set(mountedSecretKeys(objects));
  const problems: string[] = [];
  for (const v of variables) {
    if (!byName.has(v.name) && !byFile.has(v.name)) {
      problems.push(`${v.name} is set but the service does not read it (not in the contract)`);
    }
  }
  for (const c of contract) {
    const direct = set.get(c.name);
    const file = c.fileVariable === undefined ? undefined : set.get(c.fileVariable);
    if (c.required && direct === undefined && file === undefined) {
      problems.push(`${c.name} is required by the service but never set`);
    }
    if (c.secret && direct !== undefined) {
      problems.push(
        `${c.name} is secret but set as a ${direct.source} value: mount it and set ${c.fileVariable ?? '<NAME>_FILE'}`,
      );
    }
    if (c.secret && file !== undefined) {
      const expected = `${SECRETS_MOUNT_PATH}/${c.name}`;
      if (file.value !== expected) {
        problems.push(
          `${c.fileVariable ?? ''} is ${file.value ?? file.source}, expected ${expected}`,
        );
      }
      if (!keys.has(c.name)) {
        problems.push(
          `${c.fileVariable ?? ''} names ${c.name}, which ${NAMES.secret} does not hold`,
        );
      }
    }
  }
  return problems;
}

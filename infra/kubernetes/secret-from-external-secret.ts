import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import type { KubeObject } from '../../charts/synth/render';
import { secretConfigKey, secretSourceOf, type SecretName } from '../config/secret-sources';
import type { ConfigIssue } from '../config/stack-config';
import { describeObject } from './objects';

const labels = z.record(z.string(), z.string());

/** The parts of an ExternalSecret (external-secrets.io) that decide the Secret it produces. */
const externalSecretSchema = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string().optional(),
    labels: labels.optional(),
  }),
  spec: z.object({
    target: z
      .object({
        name: z.string().optional(),
        template: z
          .object({
            engineVersion: z.string().optional(),
            mergePolicy: z.string().optional(),
            type: z.string().optional(),
            metadata: z.object({ labels: labels.optional() }).optional(),
            data: z.record(z.string(), z.string()).optional(),
            templateFrom: z.array(z.unknown()).optional(),
          })
          .optional(),
      })
      .optional(),
    data: z.array(z.object({ secretKey: z.string().min(1) })).optional(),
    dataFrom: z.array(z.unknown()).optional(),
  }),
});

type ExternalSecretTemplate = NonNullable<
  NonNullable<z.infer<typeof externalSecretSchema>['spec']['target']>['template']
>;

/** The ExternalSecret asks for something only its operator can build. */
export class UnsupportedExternalSecretError extends Error {
  constructor(object: KubeObject, reason: string) {
    super(`${describeObject(object)}: ${reason}`);
    this.name = 'UnsupportedExternalSecretError';
  }
}

/** The Secret that replaces one ExternalSecret, or the config keys missing to build it. */
export type SecretSwap =
  | { readonly ok: true; readonly secret: KubeObject }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** A template action: `{{ .name }}` is the only form supported. */
const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;
const VARIABLE = /^\.([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * The Secret keys of the ExternalSecret, each as a function of the store values: the values
 * themselves, or, with `spec.target.template.data` (engine v2), the templates with every
 * `{{ .<secretKey> }}` replaced by that value. Any other template action is refused.
 */
function secretKeys(
  object: KubeObject,
  keys: readonly string[],
  template: ExternalSecretTemplate | undefined,
): Map<string, (values: ReadonlyMap<string, string>) => string> {
  if (template?.templateFrom !== undefined) {
    throw new UnsupportedExternalSecretError(
      object,
      'spec.target.template.templateFrom is not supported',
    );
  }
  const fromStore = (key: string) => (values: ReadonlyMap<string, string>) => values.get(key) ?? '';
  if (template?.data === undefined) return new Map(keys.map((key) => [key, fromStore(key)]));
  if (
    (template.engineVersion ?? 'v2') !== 'v2' ||
    (template.mergePolicy ?? 'Replace') !== 'Replace'
  ) {
    throw new UnsupportedExternalSecretError(
      object,
      'only templates with engineVersion v2 and mergePolicy Replace are supported',
    );
  }
  const result = new Map<string, (values: ReadonlyMap<string, string>) => string>();
  for (const [name, text] of Object.entries(template.data)) {
    for (const [, action = ''] of text.matchAll(ACTION)) {
      const variable = VARIABLE.exec(action)?.[1];
      if (variable === undefined || !keys.includes(variable)) {
        throw new UnsupportedExternalSecretError(
          object,
          `template of key ${name}: "{{ ${action} }}" is not supported (only {{ .<secretKey> }} of spec.data)`,
        );
      }
    }
    result.set(name, (values) =>
      text.replace(ACTION, (_, action: string) => values.get(action.slice(1)) ?? ''),
    );
  }
  return result;
}

/**
 * Builds the Secret an ExternalSecret would make its operator create: same name (its
 * `spec.target.name`, else its own), namespace and labels, the same keys (its
 * `spec.data[].secretKey`, or the keys of its template), each value filled from the stack
 * secret {@link secretSourceOf} maps the store key to. Values are base64 in `data` and are
 * secret Outputs, so they stay encrypted in Pulumi state.
 *
 * Throws {@link UnsupportedExternalSecretError} for a key no stack secret is mapped to, for
 * `dataFrom` (its keys are known only to the store) and for template features beyond
 * `{{ .<secretKey> }}`. Returns the missing config keys when a mapped stack secret is not set.
 */
export function secretFromExternalSecret(
  object: KubeObject,
  secrets: Readonly<Partial<Record<SecretName, pulumi.Output<string>>>>,
): SecretSwap {
  const parsed = externalSecretSchema.safeParse(object);
  if (!parsed.success) {
    throw new UnsupportedExternalSecretError(
      object,
      `not a valid ExternalSecret: ${parsed.error.message}`,
    );
  }
  const { metadata, spec } = parsed.data;
  if ((spec.dataFrom ?? []).length > 0) {
    throw new UnsupportedExternalSecretError(
      object,
      'spec.dataFrom is not supported: its keys are known only to the secret store; list them in spec.data',
    );
  }
  const keys = (spec.data ?? []).map((d) => d.secretKey);
  if (keys.length === 0) throw new UnsupportedExternalSecretError(object, 'spec.data is empty');
  const template = spec.target?.template;
  const outputs = secretKeys(object, keys, template);
  const secretName = spec.target?.name ?? metadata.name;

  const values: Record<string, pulumi.Output<string>> = {};
  const issues: ConfigIssue[] = [];
  for (const key of keys) {
    const source = secretSourceOf(key);
    if (source === undefined) {
      throw new UnsupportedExternalSecretError(
        object,
        `key ${key} has no stack secret: name it like an environment variable (DB_PASSWORD → secrets.dbPassword) or add it to SECRET_NAME_OVERRIDES (infra/config/secret-sources.ts)`,
      );
    }
    const value = secrets[source];
    if (value === undefined) {
      issues.push({
        key: secretConfigKey(source),
        message: `required by Secret ${metadata.namespace ?? ''}/${secretName} (key ${key})`,
      });
    } else {
      values[key] = value;
    }
  }
  if (issues.length > 0) return { ok: false, issues };

  const all = pulumi.all(values);
  const data = Object.fromEntries(
    [...outputs].map(([name, render]) => [
      name,
      pulumi.secret(
        all.apply((v) =>
          Buffer.from(render(new Map(Object.entries(v))), 'utf8').toString('base64'),
        ),
      ),
    ]),
  );
  return {
    ok: true,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
        labels: { ...metadata.labels, ...template?.metadata?.labels },
      },
      type: template?.type ?? 'Opaque',
      data,
    },
  };
}

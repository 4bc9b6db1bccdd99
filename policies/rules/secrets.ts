/** No secret value in plain sight: not in GitOps YAML, not as a literal environment value. */
import { objectRule, podRule } from '../core/define';
import { field, obj, objects, str } from '../core/fields';
import { containersOf } from '../core/workloads';

export const plaintextSecret = objectRule(
  {
    id: 'secret-plaintext',
    severity: 'error',
    description:
      'GitOps output holds no Secret with data or stringData (the repository would hold the values).',
    remediation:
      'Deliver the secret through an ExternalSecret (external-secrets.io) that reads the ' +
      "environment's secret store; Pulumi builds the Secret from encrypted stack config instead.",
    sources: ['DESIGN rule 5', 'Checkov CKV_K8S_35 family'],
  },
  (object, context) => {
    if (context.target !== 'gitops' || object.kind !== 'Secret' || object.apiVersion !== 'v1') {
      return [];
    }
    return (['data', 'stringData'] as const)
      .filter((key) => Object.keys(obj(object[key]) ?? {}).length > 0)
      .map((key) => ({
        path: key,
        message: `Secret carries values in ${key} (${Object.keys(obj(object[key]) ?? {}).join(', ')})`,
      }));
  },
);

/** Names that say "this is a credential" (Polaris sensitiveContainerEnvVar, widened to keys). */
const SENSITIVE_NAME =
  /password|passwd|token|secret|bearer|credential|private_?key|api_?key|access_?key|(^|[_.-])key$/i;
const PRIVATE_KEY_VALUE = /-----BEGIN\s+.*PRIVATE KEY-----/i;

/** Whether an environment variable name looks like it holds a credential. */
export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

export const envLiteralSecret = podRule(
  {
    id: 'env-literal-secret',
    severity: 'error',
    description:
      'No environment variable whose name looks like a password, token, secret or key has a ' +
      'literal value; no literal value holds a private key.',
    remediation:
      'Mount the Secret as a read-only volume and point the program at the file (this ' +
      'service reads <NAME>_FILE, services/user-service/configs/env-contract.json); ' +
      'secretKeyRef would still put the value in the environment (Checkov CKV_K8S_35).',
    sources: ['Polaris sensitiveContainerEnvVar', 'Checkov CKV_K8S_35'],
  },
  (template) =>
    containersOf(template).flatMap((c) =>
      objects(c.container.env).flatMap((env, index) => {
        const name = str(env.name) ?? '';
        const value = env.value;
        if (value === undefined) return [];
        const literal = str(value) ?? JSON.stringify(value);
        if (!isSensitiveName(name) && !PRIVATE_KEY_VALUE.test(literal)) return [];
        return [
          {
            path: field(c.path, 'env', index, 'value'),
            message: `container "${c.name}" sets ${name} to a literal value`,
          },
        ];
      }),
    ),
);

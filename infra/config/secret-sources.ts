import { loadEnvironments } from '../../charts/config/load';
import { renderEnvironments, type KubeObject } from '../../charts/synth/render';

/**
 * Which stack secret fills each value an ExternalSecret reads from its store. The store keys
 * are the `spec.data[].secretKey` of the ExternalSecrets the charts render, so the list follows
 * the charts: a new key there (say `PAGE_TOKEN_SECRET` in `user-service-secrets`) is a new
 * config key here without any edit.
 *
 * The rule: an environment-variable-like key (`DB_PASSWORD`, `PAGE_TOKEN_SECRET`) is read from
 * `secrets.<lowerCamelCase>` (`secrets.dbPassword`, `secrets.pageTokenSecret`); the keys below
 * keep the names stacks already use, and the Consul template variables get a `consul` prefix.
 * Any other key stops the program with a message that names it.
 */
export const SECRET_NAME_OVERRIDES: Readonly<Record<string, string>> = {
  // user-service-secrets: the Consul ACL token of the service
  CONSUL_HTTP_TOKEN: 'consulClientToken',
  // consul-server-secrets (charts/constructs/consul-server-config.ts, template variables)
  gossipKey: 'consulGossipKey',
  aclInitialManagementToken: 'consulAclInitialManagementToken',
  aclAgentToken: 'consulAclAgentToken',
  // consul-metrics-token (where monitoring and ACLs are on): Prometheus' token for Consul's metrics
  aclMetricsToken: 'consulAclMetricsToken',
  tlsCaCert: 'consulTlsCaCert',
  tlsServerCert: 'consulTlsServerCert',
  tlsServerKey: 'consulTlsServerKey',
};

/** Name of one stack secret, e.g. `dbPassword`. */
export type SecretName = string;

/** The config key of a stack secret, without the project namespace: `secrets.dbPassword`. */
export type SecretConfigKey = `secrets.${SecretName}`;

export function secretConfigKey(name: SecretName): SecretConfigKey {
  return `secrets.${name}`;
}

const ENV_LIKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** The stack secret that fills `secretKey`, or undefined when the rule gives none. */
export function secretSourceOf(secretKey: string): SecretName | undefined {
  if (Object.hasOwn(SECRET_NAME_OVERRIDES, secretKey)) return SECRET_NAME_OVERRIDES[secretKey];
  if (!ENV_LIKE.test(secretKey)) return undefined;
  const [first = '', ...rest] = secretKey.toLowerCase().split('_');
  return first + rest.map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** The store keys (`spec.data[].secretKey`) of the ExternalSecrets among the objects. */
export function externalSecretKeys(objects: readonly KubeObject[]): string[] {
  const keys = objects
    .filter((o) => o.kind === 'ExternalSecret')
    .flatMap((o) => {
      const data = (o.spec as { data?: { secretKey?: unknown }[] } | undefined)?.data ?? [];
      return data.flatMap((d) => (typeof d.secretKey === 'string' ? [d.secretKey] : []));
    });
  return [...new Set(keys)].sort();
}

/**
 * Every stack secret the charts can ask for: the sources of the ExternalSecret keys of every
 * environment (a key without one is left out here and refused, by name, when it is deployed).
 */
export const SECRET_NAMES: readonly SecretName[] = [
  ...new Set(
    externalSecretKeys(renderEnvironments(loadEnvironments()).flatMap((r) => r.objects)).flatMap(
      (key) => secretSourceOf(key) ?? [],
    ),
  ),
];

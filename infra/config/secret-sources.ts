import { SECRET_KEYS } from '../../charts/model/contract';

/**
 * Which stack secret fills each value an ExternalSecret reads from its store. The keys are the
 * `spec.data[].secretKey` of the ExternalSecrets the charts render; the values name a config
 * key `secrets.<name>` (set with `pulumi config set --secret secrets.<name>`).
 *
 * A new key in an ExternalSecret needs one line here; the config key follows from it. An
 * ExternalSecret key missing here stops the program with a message that names it.
 */
export const SECRET_SOURCES = {
  // user-service-secrets (charts/constructs/user-service.ts)
  [SECRET_KEYS.dbPassword]: 'dbPassword',
  [SECRET_KEYS.redisPassword]: 'redisPassword',
  CONSUL_HTTP_TOKEN: 'consulClientToken',
  // consul-server-secrets (charts/constructs/consul-server-config.ts, template variables)
  gossipKey: 'consulGossipKey',
  aclInitialManagementToken: 'consulAclInitialManagementToken',
  aclAgentToken: 'consulAclAgentToken',
  tlsCaCert: 'consulTlsCaCert',
  tlsServerCert: 'consulTlsServerCert',
  tlsServerKey: 'consulTlsServerKey',
} as const;

/** Name of one stack secret, e.g. `dbPassword`. */
export type SecretName = (typeof SECRET_SOURCES)[keyof typeof SECRET_SOURCES];

/** Every stack secret name, once each. */
export const SECRET_NAMES: readonly SecretName[] = [...new Set(Object.values(SECRET_SOURCES))];

/** The config key of a stack secret, without the project namespace: `secrets.dbPassword`. */
export type SecretConfigKey = `secrets.${SecretName}`;

export function secretConfigKey(name: SecretName): SecretConfigKey {
  return `secrets.${name}`;
}

/** The stack secret that fills `secretKey`, or undefined when none is mapped. */
export function secretSourceOf(secretKey: string): SecretName | undefined {
  return Object.hasOwn(SECRET_SOURCES, secretKey)
    ? SECRET_SOURCES[secretKey as keyof typeof SECRET_SOURCES]
    : undefined;
}

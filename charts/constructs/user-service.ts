import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import type { Environment } from '../config/schema';
import { peakConnections } from '../config/schema';
import {
  APP_NAME,
  DB_CONNECTION_ANNOTATIONS,
  ENV_VARS,
  fileVariableOf,
  NAMES,
  SECRET_KEYS,
  SECRETS_MOUNT_PATH,
} from '../model/contract';
import { componentLabels, selectorLabels } from '../model/labels';
import { Autoscaler } from './autoscaler';
import { DisruptionBudget } from './disruption-budget';
import { ExternalSecret } from './external-secret';
import { GrpcService } from './grpc-service';
import { HttpRoute } from './http-route';
import { downwardEnv, goMemLimit } from './pod-defaults';
import { SettingsConfigMap } from './settings-config-map';
import { UserServiceDeployment } from './user-service-deployment';
import {
  callerPeers,
  cidrPeers,
  metricsIngress,
  WorkloadNetworkPolicy,
  type NamespacedCaller,
  type NetworkRule,
} from './workload-network-policy';

/** Props of {@link UserService}. */
export interface UserServiceProps {
  /** The validated settings of the environment. */
  readonly environment: Environment;
  /**
   * Settings for optional parts (tracing endpoint, Consul address), merged into the ConfigMap.
   * @default none
   */
  readonly extraSettings?: Record<string, string>;
  /** Egress to optional parts (the collector, Consul), besides DNS, Postgres and Redis. @default none */
  readonly extraEgress?: readonly NetworkRule[];
  /** Ingress from optional parts (Consul's health checks), besides the callers. @default none */
  readonly extraIngress?: readonly NetworkRule[];
  /**
   * Secret settings of optional parts (the Consul ACL token): each becomes a key of
   * `user-service-secrets`, read from `property` of the service's store entry, mounted as the
   * file of that name and named by the variable's `_FILE` variable (from the contract).
   * @default none
   */
  readonly extraSecretEnv?: readonly { readonly name: string; readonly property: string }[];
}

/** Labels that select the user service pods (other parts' network policies refer to them). */
export function userServiceSelector(): Record<string, string> {
  return selectorLabels({});
}

/** The image reference: by digest when there is one (DESIGN rule 6), else by tag. */
export function imageReference(image: Environment['image']): string {
  if (image.digest !== undefined) return `${image.repository}@${image.digest}`;
  if (image.tag !== undefined) return `${image.repository}:${image.tag}`;
  throw new Error(`image ${image.repository} has neither a tag nor a digest`);
}

/** The settings the Go service reads from its ConfigMap (services/user-service/README.md). */
export function serviceSettings(env: Environment): Record<string, string> {
  return {
    [ENV_VARS.grpcPort]: String(env.ports.grpc),
    [ENV_VARS.httpPort]: String(env.ports.http),
    [ENV_VARS.metricsPort]: String(env.ports.metrics),
    [ENV_VARS.dbHost]: env.database.host,
    [ENV_VARS.dbPort]: String(env.database.port),
    [ENV_VARS.dbName]: env.database.name,
    [ENV_VARS.dbUser]: env.database.user,
    [ENV_VARS.dbSslMode]: env.database.sslMode,
    [ENV_VARS.dbMaxConns]: String(env.database.maxConns),
    [ENV_VARS.dbMinConns]: String(env.database.minConns),
    [ENV_VARS.redisAddr]: `${env.redis.host}:${env.redis.port}`,
    [ENV_VARS.redisDb]: String(env.redis.db),
    [ENV_VARS.cacheTtl]: env.cacheTtl,
    [ENV_VARS.logLevel]: env.logLevel,
    [ENV_VARS.drainSeconds]: String(env.shutdown.drainSeconds),
  };
}

/** Properties of the service's entry in the secret store, by Secret key. */
export const SECRET_PROPERTIES: Readonly<Record<string, string>> = {
  [SECRET_KEYS.dbPassword]: 'db-password',
  [SECRET_KEYS.redisPassword]: 'redis-password',
  [SECRET_KEYS.pageTokenSecret]: 'page-token-secret',
};

/** The service's own secret variables (the Consul token comes with Consul). */
const SERVICE_SECRETS = [
  SECRET_KEYS.dbPassword,
  SECRET_KEYS.redisPassword,
  SECRET_KEYS.pageTokenSecret,
] as const;

/**
 * The tracing settings besides the collector endpoint: service name and the article's
 * parent-based ratio sampler (a ratio of 1 in dev samples every trace). Only set when a
 * collector runs: without OTEL_EXPORTER_OTLP_ENDPOINT the service does not trace at all.
 */
export function tracingSettings(env: Environment): Record<string, string> {
  return {
    [ENV_VARS.otelServiceName]: APP_NAME,
    [ENV_VARS.otelSampler]: 'parentbased_traceidratio',
    [ENV_VARS.otelSamplerArg]: String(env.tracing.samplingRatio),
  };
}

/**
 * Everything the user service needs in its namespace: ServiceAccount, settings, secrets by
 * reference, Deployment, Service, HPA, PDB (when it can run 2+ replicas) and its network policy.
 */
export class UserService extends Construct {
  readonly deployment: UserServiceDeployment;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: UserServiceProps) {
    super(scope, id);
    const env = props.environment;
    const namespace = env.namespace;
    const labels = componentLabels({ version: env.version, component: 'api' });
    this.selector = userServiceSelector();

    const extraSecretEnv = props.extraSecretEnv ?? [];
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: NAMES.serviceAccount, namespace, labels },
      automountToken: false,
    });

    const secrets = [
      ...SERVICE_SECRETS.map((name) => ({ name, property: SECRET_PROPERTIES[name] ?? name })),
      ...extraSecretEnv,
    ];
    const settings = new SettingsConfigMap(this, 'Settings', {
      name: NAMES.configMap,
      namespace,
      labels,
      settings: {
        ...serviceSettings(env),
        ...props.extraSettings,
        // Where each secret's file is: a path, no secret (the values are in the volume).
        ...Object.fromEntries(
          secrets.map((e) => [fileVariableOf(e.name), `${SECRETS_MOUNT_PATH}/${e.name}`]),
        ),
      },
    });

    const secret = new ExternalSecret(this, 'Secrets', {
      name: NAMES.secret,
      namespace,
      labels,
      storeName: env.secrets.storeName,
      storeKind: env.secrets.storeKind,
      refreshInterval: env.secrets.refreshInterval,
      data: secrets.map((e) => ({
        secretKey: e.name,
        remoteKey: env.secrets.remoteKey,
        property: e.property,
      })),
    });

    this.deployment = new UserServiceDeployment(this, 'Deployment', {
      name: NAMES.deployment,
      namespace,
      labels,
      selector: this.selector,
      podLabels: labels,
      image: imageReference(env.image),
      imagePullPolicy: env.image.pullPolicy,
      ports: env.ports,
      requests: env.resources.requests,
      limits: env.resources.limits,
      serviceAccount,
      configMap: settings.configMap,
      env: [
        { name: ENV_VARS.goMemLimit, value: goMemLimit(env.resources.limits.memory) },
        ...downwardEnv({ podIp: ENV_VARS.podIp }),
      ],
      secretFiles: { secretName: secret.secretName, mountPath: SECRETS_MOUNT_PATH },
      drainSeconds: env.shutdown.drainSeconds,
      topologySpread: env.topologySpread,
    });
    this.deployment.deployment.podMetadata.addAnnotation('checksum/config', settings.checksum);
    // What policy db-connection-budget checks: the budget the database grants and the reserve.
    this.deployment.deployment.metadata.addAnnotation(
      DB_CONNECTION_ANNOTATIONS.budget,
      String(env.database.connectionBudget),
    );
    this.deployment.deployment.metadata.addAnnotation(
      DB_CONNECTION_ANNOTATIONS.reserved,
      String(env.database.reservedConnections),
    );
    // Stops here already (the schema checks it too), for environments built without the schema.
    if (peakConnections(env) > env.database.connectionBudget) {
      throw new Error(
        `${env.name}: database.connectionBudget: ${peakConnections(env)} connections at the ` +
          `HPA maximum exceed the budget of ${env.database.connectionBudget}`,
      );
    }

    new GrpcService(this, 'Service', {
      name: NAMES.service,
      namespace,
      labels,
      selector: this.selector,
      ports: env.ports,
    });

    new Autoscaler(this, 'Autoscaler', {
      name: NAMES.hpa,
      namespace,
      labels,
      target: this.deployment.deployment,
      ...env.autoscaling,
    });

    if (env.autoscaling.minReplicas >= 2) {
      new DisruptionBudget(this, 'DisruptionBudget', {
        name: NAMES.pdb,
        namespace,
        labels,
        selector: this.selector,
        maxUnavailable: 1,
      });
    }

    const gateway = env.gateway;
    if (gateway !== undefined) {
      new HttpRoute(this, 'HttpRoute', {
        name: NAMES.httpRoute,
        namespace,
        labels,
        parentRef: {
          name: gateway.name,
          namespace: gateway.namespace,
          ...(gateway.sectionName === undefined ? {} : { sectionName: gateway.sectionName }),
        },
        hostnames: gateway.hostnames,
        pathPrefix: gateway.pathPrefix,
        backend: { serviceName: NAMES.service, port: env.ports.http },
      });
    }

    const servicePorts = [{ port: env.ports.grpc }, { port: env.ports.http }];
    new WorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: NAMES.networkPolicy,
      namespace,
      labels,
      podSelector: this.selector,
      ingress: [
        // Never an empty peer list here: that would open the ports to every source.
        ...(env.ingressCallers.length > 0
          ? [{ peers: callerPeers(env.ingressCallers), ports: servicePorts }]
          : []),
        // The gateway's proxies reach the REST port only.
        ...(gateway === undefined
          ? []
          : [
              {
                peers: callerPeers([
                  {
                    namespace: gateway.namespace,
                    ...(gateway.podLabels === undefined ? {} : { podLabels: gateway.podLabels }),
                  },
                ]),
                ports: [{ port: env.ports.http }],
              },
            ]),
        // Prometheus scrapes the metrics port, from the monitoring namespace only.
        ...metricsIngress(metricsScrapers(env), [{ port: env.ports.metrics }]),
        ...(props.extraIngress ?? []),
      ],
      egress: [
        { peers: cidrPeers(env.database.egressCidrs), ports: [{ port: env.database.port }] },
        { peers: cidrPeers(env.redis.egressCidrs), ports: [{ port: env.redis.port }] },
        ...(props.extraEgress ?? []),
      ],
    });
  }
}

/**
 * Who may scrape the metrics ports of the environment (the service's, the collector's,
 * Consul's): the monitoring namespace and, when set, only its Prometheus pods; nobody when
 * monitoring is off. The one source of every metrics ingress rule.
 */
export function metricsScrapers(env: Environment): NamespacedCaller[] {
  const m = env.monitoring;
  if (!m.enabled) return [];
  return [
    { namespace: m.namespace, ...(m.podLabels === undefined ? {} : { podLabels: m.podLabels }) },
  ];
}

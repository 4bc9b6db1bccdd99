import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import type { Environment } from '../config/schema';
import { APP_NAME, ENV_VARS, NAMES, SECRET_KEYS } from '../model/contract';
import { componentLabels, selectorLabels } from '../model/labels';
import { Autoscaler } from './autoscaler';
import { DisruptionBudget } from './disruption-budget';
import { ExternalSecret } from './external-secret';
import { GrpcService } from './grpc-service';
import { SettingsConfigMap } from './settings-config-map';
import { UserServiceDeployment } from './user-service-deployment';
import {
  cidrPeers,
  namespacePeers,
  WorkloadNetworkPolicy,
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
   * `user-service-secrets`, read from `property` of the service's store entry, and an
   * environment variable of the same name.
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

    const settings = new SettingsConfigMap(this, 'Settings', {
      name: NAMES.configMap,
      namespace,
      labels,
      settings: { ...serviceSettings(env), ...props.extraSettings },
    });

    const secret = new ExternalSecret(this, 'Secrets', {
      name: NAMES.secret,
      namespace,
      labels,
      storeName: env.secrets.storeName,
      storeKind: env.secrets.storeKind,
      refreshInterval: env.secrets.refreshInterval,
      data: [
        {
          secretKey: SECRET_KEYS.dbPassword,
          remoteKey: env.secrets.remoteKey,
          property: 'db-password',
        },
        {
          secretKey: SECRET_KEYS.redisPassword,
          remoteKey: env.secrets.remoteKey,
          property: 'redis-password',
        },
        ...extraSecretEnv.map((e) => ({
          secretKey: e.name,
          remoteKey: env.secrets.remoteKey,
          property: e.property,
        })),
      ],
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
      secretEnv: [
        { name: ENV_VARS.dbPassword, secretName: secret.secretName, key: SECRET_KEYS.dbPassword },
        {
          name: ENV_VARS.redisPassword,
          secretName: secret.secretName,
          key: SECRET_KEYS.redisPassword,
        },
        ...extraSecretEnv.map((e) => ({
          name: e.name,
          secretName: secret.secretName,
          key: e.name,
        })),
      ],
      drainSeconds: env.shutdown.drainSeconds,
      topologySpread: env.topologySpread,
    });
    this.deployment.deployment.podMetadata.addAnnotation('checksum/config', settings.checksum);

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

    const servicePorts = [{ port: env.ports.grpc }, { port: env.ports.http }];
    new WorkloadNetworkPolicy(this, 'NetworkPolicy', {
      name: NAMES.networkPolicy,
      namespace,
      labels,
      podSelector: this.selector,
      ingress: [
        { peers: namespacePeers(env.ingressNamespaces), ports: servicePorts },
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

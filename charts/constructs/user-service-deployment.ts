import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import {
  APP_NAME,
  HEALTH_SERVICES,
  NONROOT_UID,
  PORT_NAMES,
  SHUTDOWN_STOP_SECONDS,
} from '../model/contract';
import {
  containerResources,
  spreadConstraint,
  type SpreadMode,
  type WorkloadProps,
} from './pod-defaults';

export type { ResourceAmounts, SpreadMode } from './pod-defaults';

/**
 * Secret settings as files: the Secret is mounted read-only at `mountPath`, one file per key.
 * The `<NAME>_FILE` variables that name the files are plain settings (in the ConfigMap).
 */
export interface SecretFiles {
  readonly secretName: string;
  /** Directory of the files, e.g. /var/run/secrets/user-service. */
  readonly mountPath: string;
}

/** Props of {@link UserServiceDeployment}. */
export interface UserServiceDeploymentProps extends WorkloadProps {
  /** @default 'user-service' */
  readonly name?: string;
  /** Container ports. */
  readonly ports: { readonly grpc: number; readonly http: number; readonly metrics: number };
  /** The dedicated ServiceAccount (its token is not mounted). */
  readonly serviceAccount: kplus.IServiceAccount;
  /** Non-secret settings, injected with envFrom. */
  readonly configMap: kplus.IConfigMap;
  /** Secret settings, mounted as files. @default none */
  readonly secretFiles?: SecretFiles;
  /** Variables with values the pod alone knows or derives (GOMEMLIMIT, POD_IP). @default none */
  readonly env?: readonly k8s.EnvVar[];
  /** Old ReplicaSets kept for `kubectl rollout undo`. @default 5 */
  readonly revisionHistoryLimit?: number;
  /**
   * Seconds the service keeps serving after SIGTERM while reporting NOT_SERVING
   * (SHUTDOWN_DRAIN_SECONDS). The grace period is this plus {@link SHUTDOWN_STOP_SECONDS}.
   */
  readonly drainSeconds: number;
  /** @default { zone: 'ScheduleAnyway', hostname: 'ScheduleAnyway' } */
  readonly topologySpread?: { readonly zone: SpreadMode; readonly hostname: SpreadMode };
  /** Size limit of the writable /tmp emptyDir. @default '64Mi' */
  readonly tmpSizeLimit?: string;
}

/** The grace period that lets the drain and the graceful stop finish (DESIGN rule 9). */
export function terminationGracePeriodSeconds(drainSeconds: number): number {
  return drainSeconds + SHUTDOWN_STOP_SECONDS;
}

/**
 * The user service Deployment: hardened pod defaults (restricted PSS, distroless nonroot),
 * native gRPC probes, no `spec.replicas` (an HPA owns the count), zero-unavailable rollouts,
 * zone and node spread, and a grace period derived from the drain setting.
 */
export class UserServiceDeployment extends Construct {
  readonly deployment: kplus.Deployment;
  readonly name: string;

  constructor(scope: Construct, id: string, props: UserServiceDeploymentProps) {
    super(scope, id);
    this.name = props.name ?? APP_NAME;

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name: this.name, namespace: props.namespace, labels: props.labels },
      select: false,
      podMetadata: { labels: props.podLabels },
      serviceAccount: props.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: {
        ensureNonRoot: true,
        user: NONROOT_UID,
        group: NONROOT_UID,
        fsGroup: NONROOT_UID,
        fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
      },
      terminationGracePeriod: Duration.seconds(terminationGracePeriodSeconds(props.drainSeconds)),
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      progressDeadline: Duration.minutes(10),
      containers: [
        {
          name: APP_NAME,
          image: props.image,
          imagePullPolicy:
            props.imagePullPolicy === 'IfNotPresent'
              ? kplus.ImagePullPolicy.IF_NOT_PRESENT
              : kplus.ImagePullPolicy.ALWAYS,
          ports: [
            { name: PORT_NAMES.grpc, number: props.ports.grpc, protocol: kplus.Protocol.TCP },
            { name: PORT_NAMES.http, number: props.ports.http, protocol: kplus.Protocol.TCP },
            { name: PORT_NAMES.metrics, number: props.ports.metrics, protocol: kplus.Protocol.TCP },
          ],
          envFrom: [kplus.Env.fromConfigMap(props.configMap)],
          securityContext: {
            ensureNonRoot: true,
            user: NONROOT_UID,
            group: NONROOT_UID,
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: [kplus.Capability.ALL] },
            seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
          },
          volumeMounts: [
            {
              path: '/tmp',
              volume: kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'),
            },
            ...(props.secretFiles === undefined
              ? []
              : [
                  {
                    path: props.secretFiles.mountPath,
                    readOnly: true,
                    volume: kplus.Volume.fromSecret(
                      this,
                      'secrets',
                      kplus.Secret.fromSecretName(this, 'secret', props.secretFiles.secretName),
                      // Owner root, group the fsGroup: readable by the service's group only.
                      { name: 'secrets', defaultMode: 0o440 },
                    ),
                  },
                ]),
          ],
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: props.selector }));

    const env: k8s.EnvVar[] = [...(props.env ?? [])];
    const names = env.map((e) => e.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) {
      throw new Error(`Deployment ${this.name}: variable ${duplicate} is set twice`);
    }

    // Escape hatches: cdk8s-plus-28 has no gRPC probe, no pod-level seccomp profile and no
    // topologySpreadConstraints, and renders ephemeral-storage as fractional Gi.
    const spread = props.topologySpread ?? { zone: 'ScheduleAnyway', hostname: 'ScheduleAnyway' };
    const path = '/spec/template/spec';
    const c = `${path}/containers/0`;
    ApiObject.of(this.deployment).addJsonPatch(
      JsonPatch.add('/spec/revisionHistoryLimit', props.revisionHistoryLimit ?? 5),
      // No Docker-link variables (USER_SERVICE_PORT=tcp://...) that the service does not read.
      JsonPatch.add(`${path}/enableServiceLinks`, false),
      ...(env.length > 0 ? [JsonPatch.add(`${c}/env`, env)] : []),
      JsonPatch.add(`${path}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
      JsonPatch.add(`${path}/topologySpreadConstraints`, [
        spreadConstraint('topology.kubernetes.io/zone', spread.zone, props.selector),
        spreadConstraint('kubernetes.io/hostname', spread.hostname, props.selector),
      ]),
      // Remove the cdk8s address label: a hash-like value with no meaning to operators (rule 4).
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      JsonPatch.add(`${path}/volumes/0/emptyDir`, {
        sizeLimit: k8s.Quantity.fromString(props.tmpSizeLimit ?? '64Mi'),
      }),
      JsonPatch.add(`${c}/resources`, containerResources(props.requests, props.limits)),
      JsonPatch.add(`${c}/startupProbe`, {
        grpc: { port: props.ports.grpc, service: HEALTH_SERVICES.liveness },
        periodSeconds: 2,
        timeoutSeconds: 2,
        failureThreshold: 30,
      }),
      JsonPatch.add(`${c}/readinessProbe`, {
        grpc: { port: props.ports.grpc, service: HEALTH_SERVICES.readiness },
        periodSeconds: 5,
        timeoutSeconds: 2,
        successThreshold: 1,
        failureThreshold: 2,
      }),
      JsonPatch.add(`${c}/livenessProbe`, {
        grpc: { port: props.ports.grpc, service: HEALTH_SERVICES.liveness },
        periodSeconds: 10,
        timeoutSeconds: 3,
        failureThreshold: 3,
      }),
    );
  }
}

import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import {
  CONSUL_FILES,
  CONSUL_NAMES,
  CONSUL_PATHS,
  CONSUL_PORT_NAMES,
  CONSUL_PORTS,
  CONSUL_STABILIZATION_SECONDS,
  CONSUL_UID,
} from '../model/consul';
import { PRUNE_PROTECTION_ANNOTATIONS } from '../model/gitops';
import { assertOddServerCount } from './consul-server-config';
import {
  componentPodBasics,
  componentPodMetadata,
  containerResources,
  downwardEnv,
  restrictedContainerSecurityContext,
  spreadConstraint,
  type ComponentWorkloadProps,
  type SpreadMode,
} from './pod-defaults';

/** Props of {@link ConsulServerStatefulSet}. */
export interface ConsulServerStatefulSetProps extends ComponentWorkloadProps {
  /** @default 'consul-server' */
  readonly name?: string;
  /** Number of servers; must be odd. */
  readonly servers: number;
  /** The headless Service that gives each pod its DNS name. */
  readonly serviceName: string;
  /** Secret with `secrets.json` (and the TLS files when TLS is on). */
  readonly secretName: string;
  /** Data volume of each server. */
  readonly storage: { readonly size: string; readonly storageClassName?: string };
  /** Whether two servers may share a node. */
  readonly podAntiAffinity: 'required' | 'preferred';
  /** Spread over zones. @default 'ScheduleAnyway' */
  readonly zoneSpread?: SpreadMode;
  /**
   * Grace period of a server's shutdown (terminationGracePeriodSeconds): on SIGTERM Consul
   * closes Raft and its stores and exits, without leaving the peer set (`leave_on_terminate`
   * is off); the kubelet kills it only after this time. Set from `consul.leaveSeconds`.
   */
  readonly leaveSeconds: number;
  /** Size limit of the writable /tmp emptyDir. @default '64Mi' */
  readonly tmpSizeLimit?: string;
}

const VOLUMES = { config: 'config', secrets: 'secrets', tmp: 'tmp' } as const;
const POD_IP = 'POD_IP';
const POD_NAME = 'POD_NAME';

/**
 * The Consul servers: a StatefulSet with parallel start (every server must be up to elect a
 * leader), stable names, one data volume each, the restricted security context with a
 * read-only root, no service account token, and probes that tell a server that knows its
 * leader from one that does not.
 */
export class ConsulServerStatefulSet extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: ConsulServerStatefulSetProps) {
    super(scope, id);
    this.name = props.name ?? CONSUL_NAMES.statefulSet;
    assertOddServerCount(this.name, props.servers);
    const http = k8s.IntOrString.fromString(CONSUL_PORT_NAMES.http);

    const container: k8s.Container = {
      name: CONSUL_NAMES.container,
      image: props.image,
      imagePullPolicy: props.imagePullPolicy ?? 'Always',
      // The binary itself, not the image's entrypoint script (which chowns and execs su-exec).
      // Kubernetes expands $(POD_IP) and $(POD_NAME) from the env below; no shell involved.
      command: ['consul'],
      args: [
        'agent',
        `-config-file=${CONSUL_PATHS.config}/${CONSUL_FILES.serverConfig}`,
        `-config-file=${CONSUL_PATHS.secrets}/${CONSUL_FILES.secretConfig}`,
        `-advertise=$(${POD_IP})`,
        `-node=$(${POD_NAME})`,
      ],
      env: downwardEnv({ podIp: POD_IP, podName: POD_NAME }),
      ports: [
        { name: CONSUL_PORT_NAMES.server, containerPort: CONSUL_PORTS.server, protocol: 'TCP' },
        {
          name: CONSUL_PORT_NAMES.serfLanTcp,
          containerPort: CONSUL_PORTS.serfLan,
          protocol: 'TCP',
        },
        {
          name: CONSUL_PORT_NAMES.serfLanUdp,
          containerPort: CONSUL_PORTS.serfLan,
          protocol: 'UDP',
        },
        { name: CONSUL_PORT_NAMES.http, containerPort: CONSUL_PORTS.http, protocol: 'TCP' },
        { name: CONSUL_PORT_NAMES.dnsTcp, containerPort: CONSUL_PORTS.dns, protocol: 'TCP' },
        { name: CONSUL_PORT_NAMES.dnsUdp, containerPort: CONSUL_PORTS.dns, protocol: 'UDP' },
      ],
      resources: containerResources(props.requests, props.limits),
      // /v1/status/leader answers from the server's own Raft state without an ACL token and
      // with 200 even when there is no leader (it returns ""): it shows the agent's HTTP
      // server is up. Good for startup and liveness, which must not restart every server of
      // a cluster that has lost its leader; useless for readiness.
      startupProbe: {
        httpGet: { path: '/v1/status/leader', port: http },
        periodSeconds: 5,
        timeoutSeconds: 3,
        failureThreshold: 60,
      },
      livenessProbe: {
        httpGet: { path: '/v1/status/leader', port: http },
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 3,
      },
      // Readiness must reflect a known leader. A catalog read in the default consistency mode
      // (no ?stale) is served by the leader: a follower forwards it over RPC, and a server
      // with no leader answers 500 "No cluster leader". With ACLs on, the anonymous token gets
      // 200 and an ACL-filtered (empty) list, so no token is needed in the probe. Status and
      // autopilot endpoints cannot do this: the former is 200 without a leader, the latter
      // needs operator:read. This avoids an exec probe with curl | grep.
      readinessProbe: {
        httpGet: { path: '/v1/catalog/nodes', port: http },
        periodSeconds: 5,
        timeoutSeconds: 5,
        successThreshold: 1,
        failureThreshold: 2,
      },
      securityContext: restrictedContainerSecurityContext(CONSUL_UID),
      volumeMounts: [
        { name: CONSUL_NAMES.dataVolume, mountPath: CONSUL_PATHS.data },
        { name: VOLUMES.config, mountPath: CONSUL_PATHS.config, readOnly: true },
        { name: VOLUMES.secrets, mountPath: CONSUL_PATHS.secrets, readOnly: true },
        { name: VOLUMES.tmp, mountPath: CONSUL_PATHS.tmp },
      ],
    };

    const affinityTerm = {
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: { matchLabels: props.selector },
    };
    const affinity: k8s.Affinity = {
      podAntiAffinity:
        props.podAntiAffinity === 'required'
          ? { requiredDuringSchedulingIgnoredDuringExecution: [affinityTerm] }
          : {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: affinityTerm },
              ],
            },
    };

    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: props.namespace,
        labels: props.labels,
        // Holds the Raft data volumes: no GitOps controller deletes it (rule gitops-prune-stateful).
        annotations: { ...PRUNE_PROTECTION_ANNOTATIONS },
      },
      spec: {
        replicas: props.servers,
        // The data volumes outlive the StatefulSet and a scale-down (the API default, explicit).
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        serviceName: props.serviceName,
        // All servers start together: bootstrap_expect needs every one of them to elect a
        // leader, and with OrderedReady server 1 would wait for server 0 to become ready.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        // Readiness only says the restarted server knows a leader. It stays a voter through the
        // restart (no leave), so the next server may stop only once this one has caught up on
        // the Raft log and autopilot counts it healthy again: autopilot's stabilization time.
        minReadySeconds: CONSUL_STABILIZATION_SECONDS,
        selector: { matchLabels: props.selector },
        template: {
          metadata: componentPodMetadata(props),
          spec: {
            // No token is mounted: Consul never calls the Kubernetes API here. Peers are found
            // through DNS (retry_join on the headless Service), not the go-discover "k8s"
            // provider, and no Kubernetes auth method runs on the servers.
            ...componentPodBasics(props, CONSUL_UID),
            terminationGracePeriodSeconds: props.leaveSeconds,
            affinity,
            topologySpreadConstraints: [
              spreadConstraint(
                'topology.kubernetes.io/zone',
                props.zoneSpread ?? 'ScheduleAnyway',
                props.selector,
              ),
            ],
            containers: [container],
            volumes: [
              { name: VOLUMES.config, configMap: { name: props.configMapName } },
              // 0440: readable by the fsGroup, which owns the files; never world-readable.
              {
                name: VOLUMES.secrets,
                secret: { secretName: props.secretName, defaultMode: 0o440 },
              },
              {
                name: VOLUMES.tmp,
                emptyDir: { sizeLimit: k8s.Quantity.fromString(props.tmpSizeLimit ?? '64Mi') },
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            // volumeClaimTemplates are immutable: only the stable selector labels go here, never
            // the version label, or an image upgrade could not be applied.
            metadata: { name: CONSUL_NAMES.dataVolume, labels: props.selector },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(props.storage.storageClassName === undefined
                ? {}
                : { storageClassName: props.storage.storageClassName }),
              resources: { requests: { storage: k8s.Quantity.fromString(props.storage.size) } },
            },
          },
        ],
      },
    });
  }
}

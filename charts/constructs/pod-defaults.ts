import { k8s } from 'cdk8s-plus-28';
import { bytes } from '../config/quantity';

/** Requests or limits, as Kubernetes quantities. */
export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
}

/** How pods spread over a topology domain. */
export type SpreadMode = 'DoNotSchedule' | 'ScheduleAnyway';

/** What every workload is given: where it lives, its labels, its image and its sizes. */
export interface WorkloadProps {
  readonly namespace: string;
  /** Labels of the workload object. */
  readonly labels: Record<string, string>;
  /** Selector labels: immutable once released (DESIGN rule 4). */
  readonly selector: Record<string, string>;
  /** Labels of the pod template (must include the selector labels). */
  readonly podLabels: Record<string, string>;
  /** Full image reference, `repository@sha256:...` or `repository:tag`. */
  readonly image: string;
  /** @default 'Always' */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent';
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

/** What a platform component's workload (Consul, the collector) is given besides that. */
export interface ComponentWorkloadProps extends WorkloadProps {
  /** The component's own ServiceAccount. */
  readonly serviceAccountName: string;
  /** ConfigMap with the component's configuration file. */
  readonly configMapName: string;
  /** Checksum of the configuration, annotated on the pod template so a change rolls the pods. */
  readonly configChecksum: string;
}

/** Pod template metadata of a component: its labels and the checksum that rolls it. */
export function componentPodMetadata(props: ComponentWorkloadProps): k8s.ObjectMeta {
  return {
    labels: props.podLabels,
    annotations: { 'checksum/config': props.configChecksum },
  };
}

/**
 * The pod spec fields every component shares: its own ServiceAccount with no token mounted
 * (a component that needs the API mounts a projected token explicitly), no Service
 * environment variables, and the restricted security context as `uid`.
 */
export function componentPodBasics(props: ComponentWorkloadProps, uid: number) {
  return {
    serviceAccountName: props.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(uid),
  };
}

// Quantities go in as k8s.Quantity: the L1 objects map these fields through Quantity#value.
/** Requests or limits as the L1 objects take them (cpu, memory, ephemeral-storage). */
export function toKubeResources(amounts: ResourceAmounts): Record<string, k8s.Quantity> {
  return {
    cpu: k8s.Quantity.fromString(amounts.cpu),
    memory: k8s.Quantity.fromString(amounts.memory),
    'ephemeral-storage': k8s.Quantity.fromString(amounts.ephemeralStorage),
  };
}

/** Requests and limits of a container. */
export function containerResources(
  requests: ResourceAmounts,
  limits: ResourceAmounts,
): k8s.ResourceRequirements {
  return { requests: toKubeResources(requests), limits: toKubeResources(limits) };
}

/**
 * A topologySpreadConstraint with a skew of 1 over `topologyKey` for pods with `labels`.
 * A hard (`DoNotSchedule`) spread honours node taints and the pod's node affinity: otherwise
 * a cordoned or tainted node counts as an empty domain, pods stay Pending and a drain stalls
 * behind the PodDisruptionBudget (the defaults, Ignore for taints, are for soft spreads).
 */
export function spreadConstraint(
  topologyKey: string,
  mode: SpreadMode,
  labels: Record<string, string>,
) {
  return {
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: mode,
    labelSelector: { matchLabels: labels },
    ...(mode === 'DoNotSchedule'
      ? { nodeAffinityPolicy: 'Honor' as const, nodeTaintsPolicy: 'Honor' as const }
      : {}),
  };
}

const MIB = 2 ** 20;

/** Share of the container's memory limit that GOMEMLIMIT allows the Go heap and runtime. */
export const GO_MEMORY_LIMIT_SHARE = 0.8;

/**
 * GOMEMLIMIT for a Go container from its memory limit: the runtime collects garbage hard
 * before it reaches this, so the kernel's OOM kill at 100 % stays a last resort. In whole MiB,
 * rounded down (the runtime's syntax: `204MiB`).
 */
export function goMemLimit(memoryLimit: string, share = GO_MEMORY_LIMIT_SHARE): string {
  return `${goMemLimitMib(memoryLimit, share)}MiB`;
}

/** {@link goMemLimit} as a number of MiB. */
export function goMemLimitMib(memoryLimit: string, share = GO_MEMORY_LIMIT_SHARE): number {
  return Math.floor((bytes(memoryLimit) / MIB) * share);
}

/**
 * The pod-level part of the restricted Pod Security Standard, plus a fixed non-root uid and
 * gid (>= 10000) and an fsGroup so mounted volumes are writable by that group.
 */
export function restrictedPodSecurityContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The container-level part of the restricted Pod Security Standard, with a read-only root. */
export function restrictedContainerSecurityContext(uid: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Environment variables from the downward API: the pod's IP and name. */
export function downwardEnv(names: { readonly podIp?: string; readonly podName?: string }) {
  const env: k8s.EnvVar[] = [];
  if (names.podIp !== undefined) {
    env.push({ name: names.podIp, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
  }
  if (names.podName !== undefined) {
    env.push({ name: names.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  }
  return env;
}

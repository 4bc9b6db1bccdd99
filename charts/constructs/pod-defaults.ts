import { k8s } from 'cdk8s-plus-28';

/** Requests or limits, as Kubernetes quantities. */
export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
  readonly ephemeralStorage: string;
}

/** How pods spread over a topology domain. */
export type SpreadMode = 'DoNotSchedule' | 'ScheduleAnyway';

// Quantities go in as k8s.Quantity: the L1 objects map these fields through Quantity#value.
/** Requests or limits as the L1 objects take them (cpu, memory, ephemeral-storage). */
export function toKubeResources(amounts: ResourceAmounts): Record<string, k8s.Quantity> {
  return {
    cpu: k8s.Quantity.fromString(amounts.cpu),
    memory: k8s.Quantity.fromString(amounts.memory),
    'ephemeral-storage': k8s.Quantity.fromString(amounts.ephemeralStorage),
  };
}

/** A topologySpreadConstraint with a skew of 1 over `topologyKey` for pods with `labels`. */
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
  };
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

import type { KubeObject } from '../../charts/synth/render';
import { get } from './objects';

const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

type Obj = Record<string, unknown>;

/** The pod spec of a workload or pod, or undefined for other kinds. */
export function podSpecOf(object: KubeObject): Obj | undefined {
  switch (object.kind) {
    case 'Pod':
      return get(object, 'spec') as Obj;
    case 'CronJob':
      return get(object, 'spec', 'jobTemplate', 'spec', 'template', 'spec') as Obj;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return get(object, 'spec', 'template', 'spec') as Obj;
    default:
      return undefined;
  }
}

/**
 * Violations of the restricted Pod Security Standard (v1.28) in one pod spec, as
 * `field: problem` strings. Used by tests until the policies/ rule set judges the objects.
 */
export function restrictedViolations(spec: Obj): string[] {
  const out: string[] = [];
  const podSc = (spec.securityContext ?? {}) as Obj;
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[host] === true) out.push(`${host}: must not be true`);
  }
  for (const volume of (spec.volumes ?? []) as Obj[]) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type === undefined || !ALLOWED_VOLUMES.has(type)) {
      out.push(`volumes.${String(volume.name)}: type ${String(type)} not allowed`);
    }
  }
  const containers = [
    ...((spec.containers ?? []) as Obj[]),
    ...((spec.initContainers ?? []) as Obj[]),
    ...((spec.ephemeralContainers ?? []) as Obj[]),
  ];
  if (containers.length === 0) out.push('containers: none');
  for (const c of containers) {
    const name = String(c.name);
    const sc = (c.securityContext ?? {}) as Obj;
    if (sc.privileged === true) out.push(`${name}.privileged: must not be true`);
    if (sc.allowPrivilegeEscalation !== false) {
      out.push(`${name}.allowPrivilegeEscalation: must be false`);
    }
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (runAsNonRoot !== true) out.push(`${name}.runAsNonRoot: must be true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push(`${name}.runAsUser: must not be 0`);
    const seccomp = (get(sc, 'seccompProfile', 'type') ?? get(podSc, 'seccompProfile', 'type')) as
      string | undefined;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
      out.push(`${name}.seccompProfile.type: must be RuntimeDefault or Localhost`);
    }
    const drop = (get(sc, 'capabilities', 'drop') ?? []) as string[];
    if (!drop.includes('ALL')) out.push(`${name}.capabilities.drop: must include ALL`);
    const add = (get(sc, 'capabilities', 'add') ?? []) as string[];
    if (add.some((cap) => cap !== 'NET_BIND_SERVICE')) {
      out.push(`${name}.capabilities.add: only NET_BIND_SERVICE`);
    }
    for (const port of (c.ports ?? []) as Obj[]) {
      if (typeof port.hostPort === 'number' && port.hostPort !== 0) {
        out.push(`${name}.ports.hostPort: must be unset`);
      }
    }
    if (sc.procMount !== undefined && sc.procMount !== 'Default') {
      out.push(`${name}.procMount: must be Default`);
    }
  }
  return out;
}

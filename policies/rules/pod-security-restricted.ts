/**
 * The controls the restricted Pod Security Standard adds to baseline, for the v1.28 profile
 * (kubernetes/pod-security-admission policy/check_*.go). Like PSA, Windows pods (`spec.os.name:
 * windows`) are exempt from the Linux-only controls.
 */
import { podRule } from '../core/define';
import { at, field, list, num, objects, str, type Obj } from '../core/fields';
import type { Violation } from '../core/types';
import { containersOf, type PodTemplate } from '../core/workloads';
import {
  isWindowsPod,
  PSS,
  securityContext,
  securityContextViolations,
} from './pod-security-baseline';

const RESTRICTED_VOLUME_SOURCES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

export const volumeTypes = podRule(
  {
    id: 'pss-volume-types',
    severity: 'error',
    description:
      'Volumes may only be configMap, csi, downwardAPI, emptyDir, ephemeral, ' +
      'persistentVolumeClaim, projected or secret.',
    remediation: 'Use one of the allowed volume types (a PVC for network storage).',
    sources: [PSS('restrictedVolumes')],
  },
  (template) =>
    objects(template.spec.volumes).flatMap((volume, index) =>
      Object.keys(volume)
        .filter((key) => key !== 'name' && !RESTRICTED_VOLUME_SOURCES.has(key))
        .map((key) => ({
          path: field(template.specPath, 'volumes', index, key),
          message: `volume "${str(volume.name) ?? index}" has the restricted type ${key}`,
        })),
    ),
);

export const allowPrivilegeEscalation = podRule(
  {
    id: 'pss-allow-privilege-escalation',
    severity: 'error',
    description: 'Every container must set allowPrivilegeEscalation: false explicitly.',
    remediation: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
    sources: [PSS('allowPrivilegeEscalation'), 'Polaris privilegeEscalationAllowed'],
  },
  (template) =>
    isWindowsPod(template)
      ? []
      : containersOf(template)
          .filter((c) => securityContext(c.container).allowPrivilegeEscalation !== false)
          .map((c) => ({
            path: field(c.path, 'securityContext', 'allowPrivilegeEscalation'),
            message: `container "${c.name}" does not set allowPrivilegeEscalation: false`,
          })),
);

/** Capabilities baseline allows adding (the container runtime's default set). */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

function capabilityViolations(
  c: { container: Obj; name: string; path: string },
  windows: boolean,
): Violation[] {
  const capabilities = at(securityContext(c.container), 'capabilities');
  const drop = list(at(capabilities, 'drop'));
  const add = list(at(capabilities, 'add'));
  const out: Violation[] = [];
  if (!windows && !drop.includes('ALL')) {
    out.push({
      path: field(c.path, 'securityContext', 'capabilities', 'drop'),
      message: `container "${c.name}" does not drop ALL capabilities`,
    });
  }
  add.forEach((cap, index) => {
    const allowed = windows ? BASELINE_CAPABILITIES.has(String(cap)) : cap === 'NET_BIND_SERVICE';
    if (!allowed) {
      out.push({
        path: field(c.path, 'securityContext', 'capabilities', 'add', index),
        message: `container "${c.name}" adds capability ${JSON.stringify(cap)}`,
      });
    }
  });
  return out;
}

export const capabilities = podRule(
  {
    id: 'pss-capabilities',
    severity: 'error',
    description: 'Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE.',
    remediation:
      'Set securityContext.capabilities.drop: [ALL] and remove every added capability ' +
      'except NET_BIND_SERVICE.',
    sources: [PSS('capabilities_restricted'), 'Polaris insecureCapabilities/dangerousCapabilities'],
  },
  (template) => {
    const windows = isWindowsPod(template);
    return containersOf(template).flatMap((c) => capabilityViolations(c, windows));
  },
);

/** PSA's "pod-level value, else every container" controls. */
function podOrEveryContainer(
  template: PodTemplate,
  key: string,
  isGood: (value: unknown) => boolean,
  describeBad: (value: unknown) => string,
  describeMissing: string,
): Violation[] {
  const podValue = at(securityContext(template.spec), ...key.split('.'));
  const out: Violation[] = [];
  if (podValue !== undefined && !isGood(podValue)) {
    out.push({
      path: field(template.specPath, 'securityContext', key),
      message: `pod ${describeBad(podValue)}`,
    });
  }
  const podCovers = podValue !== undefined && isGood(podValue);
  for (const c of containersOf(template)) {
    const value = at(securityContext(c.container), ...key.split('.'));
    if (value === undefined ? !podCovers : !isGood(value)) {
      out.push({
        path: field(c.path, 'securityContext', key),
        message: `container "${c.name}" ${value === undefined ? describeMissing : describeBad(value)}`,
      });
    }
  }
  return out;
}

export const runAsNonRoot = podRule(
  {
    id: 'pss-run-as-non-root',
    severity: 'error',
    description: 'runAsNonRoot must be true for the pod or for every container.',
    remediation: 'Set spec.securityContext.runAsNonRoot: true (and never false on a container).',
    sources: [PSS('runAsNonRoot'), 'Polaris runAsRootAllowed'],
  },
  (template) =>
    podOrEveryContainer(
      template,
      'runAsNonRoot',
      (v) => v === true,
      () => 'sets runAsNonRoot: false',
      'does not set runAsNonRoot: true and the pod does not either',
    ),
);

export const runAsUser = podRule(
  {
    id: 'pss-run-as-user',
    severity: 'error',
    description: 'Neither the pod nor a container may run as user 0 (root).',
    remediation: 'Set runAsUser to a non-zero UID (the image user, e.g. 65532 for distroless).',
    sources: [PSS('runAsUser')],
  },
  (template) =>
    securityContextViolations(
      template,
      (sc) => (num(sc.runAsUser) === 0 ? 'sets runAsUser: 0' : undefined),
      'runAsUser',
    ),
);

const SECCOMP_TYPES = new Set(['RuntimeDefault', 'Localhost']);

export const seccomp = podRule(
  {
    id: 'pss-seccomp',
    severity: 'error',
    description:
      'The seccomp profile must be RuntimeDefault or Localhost, for the pod or for every container.',
    remediation: 'Set spec.securityContext.seccompProfile.type: RuntimeDefault.',
    sources: [PSS('seccompProfile_restricted'), 'kube-score container-seccomp-profile'],
  },
  (template) =>
    isWindowsPod(template)
      ? []
      : podOrEveryContainer(
          template,
          'seccompProfile.type',
          (v) => SECCOMP_TYPES.has(str(v) ?? ''),
          (v) => `sets seccompProfile.type ${JSON.stringify(v)}`,
          'sets no seccompProfile and the pod does not either',
        ),
);

/**
 * The baseline controls of the Pod Security Standards, as kubernetes/pod-security-admission
 * checks them for the v1.28 profile (policy/check_*.go). The restricted profile includes them.
 */
import { podRule } from '../core/define';
import { at, field, obj, objects, str, type Obj } from '../core/fields';
import type { Violation } from '../core/types';
import { containersOf, type PodTemplate } from '../core/workloads';

/** How a rule cites the PSA check it implements. */
export const PSS = (check: string) => `Pod Security Standards v1.28, ${check}`;

/** The securityContext of a container or pod spec, or an empty object. */
export function securityContext(holder: Obj): Obj {
  return obj(holder.securityContext) ?? {};
}

/** Whether the pod declares it runs on Windows (`spec.os.name`). */
export function isWindowsPod(template: PodTemplate): boolean {
  return str(at(template.spec, 'os', 'name')) === 'windows';
}

/** Pod-level then container-level `securityContext.<key>` findings, PSA's visiting order. */
function securityContextViolations(
  template: PodTemplate,
  isBad: (sc: Obj) => string | undefined,
  subfield: string,
): Violation[] {
  const out: Violation[] = [];
  const podProblem = isBad(securityContext(template.spec));
  if (podProblem !== undefined) {
    out.push({
      path: field(template.specPath, 'securityContext', subfield),
      message: `pod ${podProblem}`,
    });
  }
  for (const c of containersOf(template)) {
    const problem = isBad(securityContext(c.container));
    if (problem !== undefined) {
      out.push({
        path: field(c.path, 'securityContext', subfield),
        message: `container "${c.name}" ${problem}`,
      });
    }
  }
  return out;
}

export const hostNamespaces = podRule(
  {
    id: 'pss-host-namespaces',
    severity: 'error',
    description: 'Pods must not share the host network, PID or IPC namespace.',
    remediation: 'Remove spec.hostNetwork, spec.hostPID and spec.hostIPC (or set them to false).',
    sources: [PSS('hostNamespaces'), 'Polaris hostNetworkSet/hostPIDSet/hostIPCSet'],
  },
  (template) =>
    ['hostNetwork', 'hostPID', 'hostIPC']
      .filter((key) => template.spec[key] === true)
      .map((key) => ({
        path: field(template.specPath, key),
        message: `${key} is true: the pod shares the host's namespace`,
      })),
);

export const privileged = podRule(
  {
    id: 'pss-privileged',
    severity: 'error',
    description: 'Containers must not run privileged.',
    remediation: 'Remove securityContext.privileged (or set it to false) on every container.',
    sources: [PSS('privileged'), 'kube-score container-security-context-privileged'],
  },
  (template) =>
    containersOf(template)
      .filter((c) => securityContext(c.container).privileged === true)
      .map((c) => ({
        path: field(c.path, 'securityContext', 'privileged'),
        message: `container "${c.name}" is privileged`,
      })),
);

export const hostPathVolumes = podRule(
  {
    id: 'pss-host-path-volumes',
    severity: 'error',
    description: 'Pods must not mount hostPath volumes.',
    remediation: 'Replace the hostPath volume with an emptyDir, configMap, secret or PVC.',
    sources: [PSS('hostPathVolumes'), 'Polaris hostPathSet'],
  },
  (template) =>
    objects(template.spec.volumes).flatMap((volume, index) =>
      volume.hostPath === undefined
        ? []
        : [
            {
              path: field(template.specPath, 'volumes', index, 'hostPath'),
              message: `volume "${str(volume.name) ?? index}" mounts a host path`,
            },
          ],
    ),
);

export const hostPorts = podRule(
  {
    id: 'pss-host-ports',
    severity: 'error',
    description: 'Containers must not bind host ports.',
    remediation: 'Remove ports[].hostPort; expose the port through a Service instead.',
    sources: [PSS('hostPorts'), 'Polaris hostPortSet'],
  },
  (template) =>
    containersOf(template).flatMap((c) =>
      objects(c.container.ports).flatMap((port, index) => {
        const hostPort = port.hostPort;
        return hostPort === undefined || hostPort === 0
          ? []
          : [
              {
                path: field(c.path, 'ports', index, 'hostPort'),
                message: `container "${c.name}" binds host port ${JSON.stringify(hostPort)}`,
              },
            ];
      }),
    ),
);

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const APPARMOR_TYPES = new Set(['RuntimeDefault', 'Localhost']);

export const appArmor = podRule(
  {
    id: 'pss-apparmor',
    severity: 'error',
    description: 'AppArmor may only be the runtime default or a localhost profile.',
    remediation:
      'Set appArmorProfile.type to RuntimeDefault or Localhost (or leave it unset); the ' +
      'annotation form accepts runtime/default and localhost/<profile> only.',
    sources: [PSS('appArmorProfile')],
  },
  (template) => {
    const out = securityContextViolations(
      template,
      (sc) => {
        const type = at(sc, 'appArmorProfile', 'type');
        return type === undefined || APPARMOR_TYPES.has(str(type) ?? '')
          ? undefined
          : `sets AppArmor profile type ${JSON.stringify(type)}`;
      },
      'appArmorProfile.type',
    );
    const annotations = obj(template.metadata.annotations) ?? {};
    for (const [key, value] of Object.entries(annotations)) {
      if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
      const profile = str(value) ?? '';
      if (profile === '' || profile === 'runtime/default' || profile.startsWith('localhost/')) {
        continue;
      }
      out.push({
        path: `${template.metadataPath}.annotations["${key}"]`,
        message: `AppArmor annotation sets profile ${JSON.stringify(profile)}`,
      });
    }
    return out;
  },
);

/** SELinux types PSA v1.28 allows (container_engine_t only from v1.31). */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);

export const seLinux = podRule(
  {
    id: 'pss-selinux',
    severity: 'error',
    description:
      'SELinux options may only set the type container_t, container_init_t or ' +
      'container_kvm_t, never a user or role.',
    remediation: 'Remove seLinuxOptions.user/role and use an allowed seLinuxOptions.type.',
    sources: [PSS('seLinuxOptions')],
  },
  (template) =>
    securityContextViolations(
      template,
      (sc) => {
        const options = obj(sc.seLinuxOptions);
        if (options === undefined) return undefined;
        const problems: string[] = [];
        const type = str(options.type) ?? '';
        if (!SELINUX_TYPES.has(type)) problems.push(`type ${JSON.stringify(type)}`);
        if ((str(options.user) ?? '') !== '') problems.push('a user');
        if ((str(options.role) ?? '') !== '') problems.push('a role');
        return problems.length === 0 ? undefined : `sets SELinux ${problems.join(' and ')}`;
      },
      'seLinuxOptions',
    ),
);

export const procMount = podRule(
  {
    id: 'pss-proc-mount',
    severity: 'error',
    description: 'Containers must use the default /proc mount.',
    remediation: 'Remove securityContext.procMount (or set it to Default).',
    sources: [PSS('procMount'), 'Polaris procMount'],
  },
  (template) =>
    containersOf(template).flatMap((c) => {
      const value = securityContext(c.container).procMount;
      return value === undefined || value === 'Default'
        ? []
        : [
            {
              path: field(c.path, 'securityContext', 'procMount'),
              message: `container "${c.name}" sets procMount ${JSON.stringify(value)}`,
            },
          ];
    }),
);

/** Sysctls PSA v1.28 considers safe (net.ipv4.ip_local_reserved_ports joined in v1.27). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
]);

export const sysctls = podRule(
  {
    id: 'pss-sysctls',
    severity: 'error',
    description: 'Pods may only set the namespaced, safe sysctls.',
    remediation: `Remove sysctls other than ${[...SAFE_SYSCTLS].join(', ')}.`,
    sources: [PSS('sysctls')],
  },
  (template) =>
    objects(securityContext(template.spec).sysctls).flatMap((sysctl, index) => {
      const name = str(sysctl.name) ?? '';
      return SAFE_SYSCTLS.has(name)
        ? []
        : [
            {
              path: field(template.specPath, 'securityContext', 'sysctls', index, 'name'),
              message: `sysctl ${JSON.stringify(name)} is not a safe sysctl`,
            },
          ];
    }),
);

export const windowsHostProcess = podRule(
  {
    id: 'pss-windows-host-process',
    severity: 'error',
    description: 'Windows pods must not run as host processes.',
    remediation: 'Remove securityContext.windowsOptions.hostProcess (or set it to false).',
    sources: [PSS('windowsHostProcess')],
  },
  (template) =>
    securityContextViolations(
      template,
      (sc) =>
        at(sc, 'windowsOptions', 'hostProcess') === true
          ? 'sets windowsOptions.hostProcess'
          : undefined,
      'windowsOptions.hostProcess',
    ),
);

export { securityContextViolations };

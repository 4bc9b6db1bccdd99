/** Cases of the restricted Pod Security Standard rules (one PSA check each). */
import { containerOf, podOf, set, unset } from '../fixtures';
import type { RuleCase } from './types';

const POD = 'spec.template.spec';
const C0 = `${POD}.containers[0]`;
const D = 'Deployment/shop';

export const podSecurityCases: readonly RuleCase[] = [
  {
    rule: 'pss-host-namespaces',
    name: 'hostNetwork and hostPID',
    mutate: (f) => {
      set(podOf(f.deployment), 'hostNetwork', true);
      set(podOf(f.deployment), 'hostPID', true);
    },
    expect: [`${D} ${POD}.hostNetwork`, `${D} ${POD}.hostPID`],
  },
  {
    rule: 'pss-host-namespaces',
    name: 'hostIPC false is fine',
    mutate: (f) => set(podOf(f.deployment), 'hostIPC', false),
    expect: [],
  },
  {
    rule: 'pss-privileged',
    name: 'privileged container',
    mutate: (f) => set(containerOf(f.deployment), 'securityContext.privileged', true),
    expect: [`${D} ${C0}.securityContext.privileged`],
  },
  {
    rule: 'pss-privileged',
    name: 'privileged init container',
    mutate: (f) =>
      set(podOf(f.deployment), 'initContainers', [
        {
          name: 'init',
          image: 'x@sha256:' + 'c'.repeat(64),
          securityContext: { privileged: true },
        },
      ]),
    expect: [`${D} ${POD}.initContainers[0].securityContext.privileged`],
  },
  {
    rule: 'pss-host-path-volumes',
    name: 'hostPath volume',
    mutate: (f) => set(podOf(f.deployment), 'volumes[1]', { name: 'h', hostPath: { path: '/' } }),
    expect: [`${D} ${POD}.volumes[1].hostPath`],
  },
  {
    rule: 'pss-host-ports',
    name: 'hostPort',
    mutate: (f) => set(containerOf(f.deployment), 'ports[0].hostPort', 9000),
    expect: [`${D} ${C0}.ports[0].hostPort`],
  },
  {
    rule: 'pss-host-ports',
    name: 'hostPort 0 is unset',
    mutate: (f) => set(containerOf(f.deployment), 'ports[0].hostPort', 0),
    expect: [],
  },
  {
    rule: 'pss-apparmor',
    name: 'Unconfined field and annotation',
    mutate: (f) => {
      set(containerOf(f.deployment), 'securityContext.appArmorProfile', { type: 'Unconfined' });
      set(f.deployment, 'spec.template.metadata.annotations', {
        'container.apparmor.security.beta.kubernetes.io/shop': 'unconfined',
      });
    },
    expect: [
      `${D} ${C0}.securityContext.appArmorProfile.type`,
      `${D} spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/shop"]`,
    ],
  },
  {
    rule: 'pss-apparmor',
    name: 'RuntimeDefault and localhost profiles pass',
    mutate: (f) => {
      set(podOf(f.deployment), 'securityContext.appArmorProfile', { type: 'RuntimeDefault' });
      set(f.deployment, 'spec.template.metadata.annotations', {
        'container.apparmor.security.beta.kubernetes.io/shop': 'localhost/shop',
      });
    },
    expect: [],
  },
  {
    rule: 'pss-selinux',
    name: 'SELinux user and a custom type',
    mutate: (f) => {
      set(podOf(f.deployment), 'securityContext.seLinuxOptions', { user: 'system_u' });
      set(containerOf(f.deployment), 'securityContext.seLinuxOptions', { type: 'spc_t' });
    },
    expect: [
      `${D} ${POD}.securityContext.seLinuxOptions`,
      `${D} ${C0}.securityContext.seLinuxOptions`,
    ],
  },
  {
    rule: 'pss-selinux',
    name: 'container_t level only passes',
    mutate: (f) =>
      set(podOf(f.deployment), 'securityContext.seLinuxOptions', {
        type: 'container_t',
        level: 's0',
      }),
    expect: [],
  },
  {
    rule: 'pss-proc-mount',
    name: 'Unmasked /proc',
    mutate: (f) => set(containerOf(f.deployment), 'securityContext.procMount', 'Unmasked'),
    expect: [`${D} ${C0}.securityContext.procMount`],
  },
  {
    rule: 'pss-sysctls',
    name: 'unsafe sysctl next to a safe one',
    mutate: (f) =>
      set(podOf(f.deployment), 'securityContext.sysctls', [
        { name: 'net.ipv4.ip_local_port_range', value: '1024 65535' },
        { name: 'kernel.msgmax', value: '65536' },
      ]),
    expect: [`${D} ${POD}.securityContext.sysctls[1].name`],
  },
  {
    rule: 'pss-windows-host-process',
    name: 'hostProcess',
    mutate: (f) =>
      set(podOf(f.deployment), 'securityContext.windowsOptions', { hostProcess: true }),
    expect: [`${D} ${POD}.securityContext.windowsOptions.hostProcess`],
  },
  {
    rule: 'pss-volume-types',
    name: 'nfs and hostPath volumes',
    mutate: (f) => {
      set(podOf(f.deployment), 'volumes[1]', { name: 'n', nfs: { server: 'nfs', path: '/' } });
      set(podOf(f.deployment), 'volumes[2]', { name: 'h', hostPath: { path: '/' } });
    },
    expect: [`${D} ${POD}.volumes[1].nfs`, `${D} ${POD}.volumes[2].hostPath`],
  },
  {
    rule: 'pss-volume-types',
    name: 'projected, secret and PVC volumes pass',
    mutate: (f) => {
      set(podOf(f.deployment), 'volumes[1]', { name: 'p', projected: { sources: [] } });
      set(podOf(f.deployment), 'volumes[2]', { name: 's', secret: { secretName: 's' } });
      set(podOf(f.deployment), 'volumes[3]', {
        name: 'c',
        persistentVolumeClaim: { claimName: 'c' },
      });
    },
    expect: [],
  },
  {
    rule: 'pss-allow-privilege-escalation',
    name: 'unset on a container',
    mutate: (f) => unset(containerOf(f.deployment), 'securityContext.allowPrivilegeEscalation'),
    expect: [`${D} ${C0}.securityContext.allowPrivilegeEscalation`],
  },
  {
    rule: 'pss-allow-privilege-escalation',
    name: 'Windows pods are exempt (as in PSA >= 1.25)',
    mutate: (f) => {
      unset(containerOf(f.deployment), 'securityContext.allowPrivilegeEscalation');
      set(podOf(f.deployment), 'os', { name: 'windows' });
    },
    expect: [],
  },
  {
    rule: 'pss-capabilities',
    name: 'no drop ALL, adds NET_ADMIN',
    mutate: (f) =>
      set(containerOf(f.deployment), 'securityContext.capabilities', {
        drop: ['NET_RAW'],
        add: ['NET_BIND_SERVICE', 'NET_ADMIN'],
      }),
    expect: [
      `${D} ${C0}.securityContext.capabilities.drop`,
      `${D} ${C0}.securityContext.capabilities.add[1]`,
    ],
  },
  {
    rule: 'pss-capabilities',
    name: 'adding back NET_BIND_SERVICE passes',
    mutate: (f) =>
      set(containerOf(f.deployment), 'securityContext.capabilities.add', ['NET_BIND_SERVICE']),
    expect: [],
  },
  {
    rule: 'pss-run-as-non-root',
    name: 'pod-level unset and a container without it',
    mutate: (f) => unset(podOf(f.deployment), 'securityContext.runAsNonRoot'),
    expect: [`${D} ${C0}.securityContext.runAsNonRoot`],
  },
  {
    rule: 'pss-run-as-non-root',
    name: 'a container sets false despite the pod',
    mutate: (f) => set(containerOf(f.deployment), 'securityContext.runAsNonRoot', false),
    expect: [`${D} ${C0}.securityContext.runAsNonRoot`],
  },
  {
    rule: 'pss-run-as-non-root',
    name: 'every container sets it instead of the pod',
    mutate: (f) => {
      unset(podOf(f.deployment), 'securityContext.runAsNonRoot');
      set(containerOf(f.deployment), 'securityContext.runAsNonRoot', true);
    },
    expect: [],
  },
  {
    rule: 'pss-run-as-user',
    name: 'root user on the pod',
    mutate: (f) => set(podOf(f.deployment), 'securityContext.runAsUser', 0),
    expect: [`${D} ${POD}.securityContext.runAsUser`],
  },
  {
    rule: 'pss-seccomp',
    name: 'Unconfined on a container',
    mutate: (f) =>
      set(containerOf(f.deployment), 'securityContext.seccompProfile', { type: 'Unconfined' }),
    expect: [`${D} ${C0}.securityContext.seccompProfile.type`],
  },
  {
    rule: 'pss-seccomp',
    name: 'no profile anywhere',
    mutate: (f) => unset(podOf(f.deployment), 'securityContext.seccompProfile'),
    expect: [`${D} ${C0}.securityContext.seccompProfile.type`],
  },
  {
    rule: 'pss-seccomp',
    name: 'Localhost on every container instead of the pod',
    mutate: (f) => {
      unset(podOf(f.deployment), 'securityContext.seccompProfile');
      set(containerOf(f.deployment), 'securityContext.seccompProfile', {
        type: 'Localhost',
        localhostProfile: 'shop.json',
      });
    },
    expect: [],
  },
  {
    rule: 'pss-seccomp',
    name: 'CronJob pod templates are judged too',
    mutate: (f) =>
      f.all.push({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: {
          name: 'nightly',
          namespace: 'shop-prod',
          labels: { 'app.kubernetes.io/name': 'shop' },
        },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: {
            spec: {
              template: {
                metadata: { labels: { 'app.kubernetes.io/name': 'nightly' } },
                spec: {
                  ...podOf(f.deployment),
                  securityContext: { runAsNonRoot: true },
                },
              },
            },
          },
        },
      }),
    expect: [
      'CronJob/nightly spec.jobTemplate.spec.template.spec.containers[0].securityContext.seccompProfile.type',
    ],
  },
];

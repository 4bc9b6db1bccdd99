import { podSecurityFindings, podTemplateOf, POD_SECURITY_RULES } from './index';
import type { KubeObject } from './core/types';
import { containerOf, deployment, podOf, set } from './test/fixtures';

describe('podSecurityFindings (the check the construct tests use)', () => {
  it('is empty for a compliant workload', () => {
    expect(podSecurityFindings(deployment() as unknown as KubeObject)).toEqual([]);
  });

  it('names the rule and the field of each violation', () => {
    const d = deployment();
    set(podOf(d), 'hostIPC', true);
    set(containerOf(d), 'securityContext.capabilities.add', ['SYS_ADMIN']);
    expect(podSecurityFindings(d as unknown as KubeObject)).toEqual([
      'pss-capabilities spec.template.spec.containers[0].securityContext.capabilities.add[0]: container "shop" adds capability "SYS_ADMIN"',
      "pss-host-namespaces spec.template.spec.hostIPC: hostIPC is true: the pod shares the host's namespace",
    ]);
  });

  it('covers every PSA check of the restricted profile (v1.28)', () => {
    expect(POD_SECURITY_RULES.map((r) => r.id).sort()).toEqual([
      'pss-allow-privilege-escalation',
      'pss-apparmor',
      'pss-capabilities',
      'pss-host-namespaces',
      'pss-host-path-volumes',
      'pss-host-ports',
      'pss-privileged',
      'pss-proc-mount',
      'pss-run-as-non-root',
      'pss-run-as-user',
      'pss-seccomp',
      'pss-selinux',
      'pss-sysctls',
      'pss-volume-types',
      'pss-windows-host-process',
    ]);
  });

  it('finds the pod template of every workload kind and of a Pod', () => {
    const kinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'];
    const found = kinds.map((kind) => {
      const object = { apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1', kind, metadata: {} };
      return podTemplateOf(object)?.specPath;
    });
    expect(found).toEqual([
      'spec.template.spec',
      'spec.template.spec',
      'spec.template.spec',
      'spec.template.spec',
      'spec.template.spec',
      'spec.jobTemplate.spec.template.spec',
      'spec',
    ]);
    expect(podTemplateOf({ apiVersion: 'v1', kind: 'Service', metadata: {} })).toBeUndefined();
  });
});

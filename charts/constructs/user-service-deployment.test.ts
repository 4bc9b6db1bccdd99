import * as kplus from 'cdk8s-plus-28';
import { get, only, synthConstruct } from '../../test/support/objects';
import { podSecurityFindings } from '../../policies/index';
import { HEALTH_SERVICES, NONROOT_UID } from '../model/contract';
import {
  terminationGracePeriodSeconds,
  UserServiceDeployment,
  type UserServiceDeploymentProps,
} from './user-service-deployment';

const selector = {
  'app.kubernetes.io/name': 'user-service',
  'app.kubernetes.io/instance': 'user-service',
};

function deployment(overrides: Partial<UserServiceDeploymentProps> = {}) {
  const objects = synthConstruct((chart) => {
    new UserServiceDeployment(chart, 'Deployment', {
      namespace: 'ns',
      labels: selector,
      selector,
      podLabels: { ...selector, 'app.kubernetes.io/version': '1.0.0' },
      image: 'registry.example.com/user-service@sha256:' + 'a'.repeat(64),
      ports: { grpc: 50051, http: 8080, metrics: 9464 },
      requests: { cpu: '100m', memory: '64Mi', ephemeralStorage: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi', ephemeralStorage: '256Mi' },
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'user-service'),
      configMap: kplus.ConfigMap.fromConfigMapName(chart, 'cm', 'user-service-config'),
      secretFiles: {
        secretName: 'user-service-secrets',
        mountPath: '/var/run/secrets/user-service',
      },
      drainSeconds: 10,
      ...overrides,
    });
  });
  return only(objects, 'Deployment', 'user-service');
}

const pod = (d: unknown) => get(d, 'spec', 'template', 'spec') as Record<string, unknown>;
const container = (d: unknown) =>
  get(d, 'spec', 'template', 'spec', 'containers', 0) as Record<string, unknown>;

describe('UserServiceDeployment', () => {
  it('leaves spec.replicas to the HPA only when one targets it', () => {
    // Standalone (no HPA) cdk8s-plus would default replicas; the composed UserService test
    // checks that the HPA removes it.
    expect(get(deployment(), 'spec', 'selector', 'matchLabels')).toEqual(selector);
  });

  it('names the container ports grpc, http and metrics', () => {
    expect(container(deployment()).ports).toEqual([
      { containerPort: 50051, name: 'grpc', protocol: 'TCP' },
      { containerPort: 8080, name: 'http', protocol: 'TCP' },
      { containerPort: 9464, name: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('probes with native gRPC on the grpc port; readiness and liveness differ', () => {
    const c = container(deployment({ ports: { grpc: 50052, http: 8081, metrics: 9465 } }));
    expect(get(c, 'startupProbe', 'grpc')).toEqual({
      port: 50052,
      service: HEALTH_SERVICES.liveness,
    });
    expect(get(c, 'readinessProbe', 'grpc')).toEqual({
      port: 50052,
      service: HEALTH_SERVICES.readiness,
    });
    expect(get(c, 'livenessProbe', 'grpc')).toEqual({
      port: 50052,
      service: HEALTH_SERVICES.liveness,
    });
    expect(c.readinessProbe).not.toEqual(c.livenessProbe);
    expect(get(c, 'livenessProbe', 'exec')).toBeUndefined();
  });

  it('sets requests and limits exactly as given', () => {
    expect(container(deployment()).resources).toEqual({
      requests: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
    });
  });

  it('meets the restricted Pod Security Standard as distroless nonroot', () => {
    const d = deployment();
    expect(podSecurityFindings(d)).toEqual([]);
    expect(get(pod(d), 'securityContext')).toMatchObject({
      runAsNonRoot: true,
      runAsUser: NONROOT_UID,
      runAsGroup: NONROOT_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(d).securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      runAsUser: NONROOT_UID,
    });
    expect(pod(d).automountServiceAccountToken).toBe(false);
    expect(pod(d).serviceAccountName).toBe('user-service');
  });

  it('mounts a size-limited emptyDir at /tmp and the Secret read-only', () => {
    const d = deployment();
    expect(pod(d).volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'secrets', secret: { secretName: 'user-service-secrets', defaultMode: 0o440 } },
    ]);
    expect(container(d).volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/var/run/secrets/user-service', name: 'secrets', readOnly: true },
    ]);
  });

  it('takes settings from the ConfigMap and secrets as files, never as values', () => {
    const c = container(deployment({ env: [{ name: 'GOMEMLIMIT', value: '204MiB' }] }));
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'user-service-config' } }]);
    expect(c.env).toEqual([{ name: 'GOMEMLIMIT', value: '204MiB' }]);
    expect(JSON.stringify(c)).not.toContain('secretKeyRef');
  });

  it('refuses a variable set twice', () => {
    const twice = { name: 'GOMEMLIMIT', value: '1MiB' };
    expect(() => deployment({ env: [twice, twice] })).toThrow('variable GOMEMLIMIT is set twice');
  });

  it('keeps 5 old ReplicaSets and no Service link variables', () => {
    const d = deployment();
    expect(get(d, 'spec', 'revisionHistoryLimit')).toBe(5);
    expect(pod(d).enableServiceLinks).toBe(false);
    expect(get(deployment({ revisionHistoryLimit: 2 }), 'spec', 'revisionHistoryLimit')).toBe(2);
  });

  it('rolls out with maxUnavailable 0 and spreads over zones and nodes', () => {
    const d = deployment({ topologySpread: { zone: 'DoNotSchedule', hostname: 'ScheduleAnyway' } });
    expect(get(d, 'spec', 'strategy')).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    // A hard spread honours taints and node affinity (cordoned nodes are no empty domain).
    expect(pod(d).topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: selector },
        nodeAffinityPolicy: 'Honor',
        nodeTaintsPolicy: 'Honor',
      },
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selector },
      },
    ]);
  });

  it.each([0, 2, 10, 45])(
    'derives the grace period from a drain of %ds (DESIGN rule 9)',
    (drain) => {
      const grace = get(
        deployment({ drainSeconds: drain }),
        'spec',
        'template',
        'spec',
        'terminationGracePeriodSeconds',
      );
      expect(grace).toBe(terminationGracePeriodSeconds(drain));
      expect(grace).toBeGreaterThan(drain);
    },
  );

  it('carries no cdk8s address label or hash-suffixed name', () => {
    const d = deployment();
    expect(Object.keys(get(d, 'spec', 'template', 'metadata', 'labels') as object)).not.toContain(
      'cdk8s.io/metadata.addr',
    );
    expect(d.metadata.name).toBe('user-service');
  });
});

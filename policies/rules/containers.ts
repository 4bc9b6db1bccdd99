/** What every container must declare: resources, probes, a read-only root filesystem. */
import { podRule } from '../core/define';
import { at, field, num, obj, objects, str, type Obj } from '../core/fields';
import type { Violation } from '../core/types';
import { containersOf, LONG_RUNNING_KINDS, type ContainerRef } from '../core/workloads';
import { securityContext } from './pod-security-baseline';

export const resources = podRule(
  {
    id: 'container-resources',
    severity: 'error',
    description: 'Every container requests and limits CPU and memory.',
    remediation: 'Set resources.requests.{cpu,memory} and resources.limits.{cpu,memory}.',
    sources: [
      'kube-score container-resources',
      'Polaris cpuRequestsMissing/cpuLimitsMissing/memoryRequestsMissing/memoryLimitsMissing',
    ],
  },
  (template) =>
    containersOf(template, ['initContainers', 'containers']).flatMap((c) =>
      (['requests', 'limits'] as const).flatMap((kind) =>
        (['cpu', 'memory'] as const)
          .filter((resource) => at(c.container, 'resources', kind, resource) === undefined)
          .map((resource) => ({
            path: field(c.path, 'resources', kind, resource),
            message: `container "${c.name}" sets no ${resource} ${kind === 'requests' ? 'request' : 'limit'}`,
          })),
      ),
    ),
);

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;

/** The handler of a probe (what it calls), without its timing settings. */
function probeHandler(probe: Obj): string {
  return JSON.stringify(PROBE_HANDLERS.map((h) => probe[h] ?? null));
}

export const probes = podRule(
  {
    id: 'container-probes',
    severity: 'error',
    description:
      'Every container of a long-running workload has a readiness and a liveness probe, and ' +
      'they call different checks.',
    remediation:
      'Add readinessProbe and livenessProbe; let readiness follow dependencies and liveness ' +
      'only the process itself (for gRPC: different health service names).',
    sources: [
      'kube-score pod-probes, pod-probes-identical',
      'Polaris readinessProbeMissing/livenessProbeMissing',
    ],
  },
  (template, object) => {
    if (!LONG_RUNNING_KINDS.has(object.kind)) return [];
    return containersOf(template, ['containers']).flatMap((c) => {
      const readiness = obj(c.container.readinessProbe);
      const liveness = obj(c.container.livenessProbe);
      const out: Violation[] = [];
      if (readiness === undefined) {
        out.push({
          path: field(c.path, 'readinessProbe'),
          message: `container "${c.name}" has no readiness probe`,
        });
      }
      if (liveness === undefined) {
        out.push({
          path: field(c.path, 'livenessProbe'),
          message: `container "${c.name}" has no liveness probe`,
        });
      }
      if (
        readiness !== undefined &&
        liveness !== undefined &&
        probeHandler(readiness) === probeHandler(liveness)
      ) {
        out.push({
          path: field(c.path, 'livenessProbe'),
          message: `container "${c.name}" calls the same check for readiness and liveness`,
        });
      }
      return out;
    });
  },
);

/** The port a probe connects to, with its field path, or undefined for exec probes. */
function probePort(probe: Obj): { port: unknown; subpath: string[] } | undefined {
  for (const handler of ['httpGet', 'tcpSocket', 'grpc'] as const) {
    const h = obj(probe[handler]);
    if (h !== undefined) return { port: h.port, subpath: [handler, 'port'] };
  }
  return undefined;
}

function declaresPort(c: ContainerRef, port: unknown): boolean {
  return objects(c.container.ports).some((p) =>
    typeof port === 'string' ? str(p.name) === port : num(p.containerPort) === port,
  );
}

export const probePorts = podRule(
  {
    id: 'probe-ports',
    severity: 'error',
    description: 'Probes connect to a port the container declares (by number or by name).',
    remediation: 'Point the probe at a declared containerPort, preferably by its port name.',
    sources: ['kube-score container-ports-check (optional)'],
  },
  (template) =>
    containersOf(template, ['initContainers', 'containers']).flatMap((c) =>
      (['startupProbe', 'readinessProbe', 'livenessProbe'] as const).flatMap((kind) => {
        const probe = obj(c.container[kind]);
        const target = probe === undefined ? undefined : probePort(probe);
        if (target === undefined || declaresPort(c, target.port)) return [];
        return [
          {
            path: field(c.path, kind, ...target.subpath),
            message: `container "${c.name}" ${kind} connects to port ${JSON.stringify(target.port)}, which the container does not declare`,
          },
        ];
      }),
    ),
);

export const readOnlyRootFilesystem = podRule(
  {
    id: 'read-only-root-filesystem',
    severity: 'error',
    description: 'Every container runs with a read-only root filesystem.',
    remediation:
      'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the ' +
      'process must write (e.g. /tmp).',
    sources: [
      'kube-score container-security-context-readonlyrootfilesystem',
      'Polaris notReadOnlyRootFilesystem',
    ],
  },
  (template) =>
    containersOf(template, ['initContainers', 'containers'])
      .filter((c) => securityContext(c.container).readOnlyRootFilesystem !== true)
      .map((c) => ({
        path: field(c.path, 'securityContext', 'readOnlyRootFilesystem'),
        message: `container "${c.name}" has a writable root filesystem`,
      })),
);

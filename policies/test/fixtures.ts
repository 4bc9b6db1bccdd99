/**
 * Test fixtures: a compliant set of objects for one namespace (every rule passes), and helpers
 * to break exactly one field of it. Written by hand, independent of charts/, so a rule test
 * does not change when the charts do.
 */
import { checkObjects, type EvaluateOptions } from '../index';
import type { Finding, KubeObject } from '../core/types';

/** A JSON object the tests may change. */
export type Mutable = Record<string, unknown>;

export const NAMESPACE = 'shop-prod';
const DIGEST = `sha256:${'b'.repeat(64)}`;
const SELECTOR = { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop' };
const LABELS = { ...SELECTOR, 'app.kubernetes.io/version': '2.0.0' };

function meta(name: string, extra: Mutable = {}): Mutable {
  return { name, namespace: NAMESPACE, labels: { ...LABELS }, ...extra };
}

export function namespace(): Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: NAMESPACE,
      labels: {
        ...LABELS,
        'user-platform.example.com/environment': 'prod',
        'pod-security.kubernetes.io/enforce': 'restricted',
      },
      annotations: { ...PRUNE_PROTECTION },
    },
  };
}

/** What keeps an object from GitOps prune (Flux and Argo CD), rule gitops-prune-stateful. */
export const PRUNE_PROTECTION = {
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
};

/** A container that meets every container rule. */
export function container(name = 'shop'): Mutable {
  return {
    name,
    image: `registry.example.com/shop@${DIGEST}`,
    ports: [
      { name: 'grpc', containerPort: 9000, protocol: 'TCP' },
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
    ],
    env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop', key: 'db' } } }],
    resources: {
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    },
    readinessProbe: { grpc: { port: 9000, service: 'ready' } },
    livenessProbe: { grpc: { port: 9000, service: 'live' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** A pod spec that meets the restricted Pod Security Standard and every pod rule. */
export function podSpec(): Mutable {
  return {
    serviceAccountName: 'shop',
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container()],
    volumes: [{ name: 'tmp', emptyDir: {} }],
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        nodeTaintsPolicy: 'Honor',
        labelSelector: { matchLabels: { ...SELECTOR } },
      },
    ],
  };
}

export function deployment(): Mutable {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('shop'),
    spec: {
      selector: { matchLabels: { ...SELECTOR } },
      template: { metadata: { labels: { ...LABELS } }, spec: podSpec() },
    },
  };
}

export function service(): Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('shop'),
    spec: {
      selector: { ...SELECTOR },
      ports: [
        { name: 'grpc', port: 9000, targetPort: 'grpc' },
        { name: 'http', port: 80, targetPort: 8080 },
      ],
    },
  };
}

export function hpa(): Mutable {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('shop-hpa'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
      minReplicas: 3,
      maxReplicas: 10,
    },
  };
}

export function pdb(): Mutable {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta('shop-pdb'),
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...SELECTOR } } },
  };
}

export function defaultDeny(): Mutable {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('default-deny-all'),
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
}

export function workloadPolicy(): Mutable {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('shop'),
    spec: {
      podSelector: { matchLabels: { ...SELECTOR } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
            },
          ],
          ports: [{ port: 9000 }],
        },
      ],
      egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
    },
  };
}

export function serviceAccount(): Mutable {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta('shop'),
    automountServiceAccountToken: false,
  };
}

export function externalSecret(): Mutable {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: meta('shop'),
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' } },
  };
}

/** The compliant set, by role; `all` lists them for evaluation. */
export interface Fixture {
  readonly namespace: Mutable;
  readonly deployment: Mutable;
  readonly service: Mutable;
  readonly hpa: Mutable;
  readonly pdb: Mutable;
  readonly defaultDeny: Mutable;
  readonly workloadPolicy: Mutable;
  readonly serviceAccount: Mutable;
  readonly externalSecret: Mutable;
  readonly all: Mutable[];
}

/** A fresh compliant set (every call returns new objects that the test may change). */
export function compliant(): Fixture {
  const set = {
    namespace: namespace(),
    deployment: deployment(),
    service: service(),
    hpa: hpa(),
    pdb: pdb(),
    defaultDeny: defaultDeny(),
    workloadPolicy: workloadPolicy(),
    serviceAccount: serviceAccount(),
    externalSecret: externalSecret(),
  };
  return { ...set, all: Object.values(set) };
}

/** The pod spec of a workload fixture. */
export function podOf(workload: Mutable): Mutable {
  return (workload.spec as Mutable & { template: { spec: Mutable } }).template.spec;
}

/** The first container of a workload fixture. */
export function containerOf(workload: Mutable, index = 0): Mutable {
  return (podOf(workload).containers as Mutable[])[index] as Mutable;
}

/** Splits `a.b[0].c` (and `a["x/y"]`) into keys. */
function keys(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]/g)) {
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[3] !== undefined) out.push(match[3]);
  }
  return out;
}

function parentOf(
  target: unknown,
  path: string,
): [Record<string | number, unknown>, string | number] {
  const ks = keys(path);
  let current = target as Record<string | number, unknown>;
  for (const key of ks.slice(0, -1)) {
    const next = current[key];
    if (next === null || typeof next !== 'object') {
      current[key] = {};
    }
    current = current[key] as Record<string | number, unknown>;
  }
  const last = ks[ks.length - 1];
  if (last === undefined) throw new Error(`empty path "${path}"`);
  return [current, last];
}

/** Sets a nested field: `set(deployment, 'spec.template.spec.hostNetwork', true)`. */
export function set(target: Mutable, path: string, value: unknown): Mutable {
  const [parent, key] = parentOf(target, path);
  parent[key] = value;
  return target;
}

/** Deletes a nested field. */
export function unset(target: Mutable, path: string): Mutable {
  const [parent, key] = parentOf(target, path);
  if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else Reflect.deleteProperty(parent, key);
  return target;
}

const DEFAULT_OPTIONS: EvaluateOptions = { target: 'gitops' };

/** All findings for the objects. */
export function findings(
  objects: readonly Mutable[],
  options: EvaluateOptions = DEFAULT_OPTIONS,
): readonly Finding[] {
  return checkObjects(objects as unknown as KubeObject[], options).findings;
}

/** `ruleId Kind/name path` of every finding, the shape tests assert on. */
export function summary(
  objects: readonly Mutable[],
  options: EvaluateOptions = DEFAULT_OPTIONS,
): string[] {
  return findings(objects, options).map(
    (f) => `${f.ruleId} ${f.object.kind}/${f.object.name} ${f.path}`,
  );
}

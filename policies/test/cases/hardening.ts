/** Cases of the rules from the manifests hardening: spreads, ingress, connection budget. */
import { containerOf, podOf, set, unset, type Fixture, type Mutable } from '../fixtures';
import type { RuleCase } from './types';

const D = 'Deployment/shop';
const SPREAD = 'spec.template.spec.topologySpreadConstraints[0]';
const BUDGET = 'metadata.annotations.user-platform.example.com/db-connection-budget';
const INGRESS = 'spec.ingress[0]';

/** The pool size in a ConfigMap that the container reads with envFrom, and the budget. */
function withPool(f: Fixture, pool: string, budget?: string, reserved?: string): void {
  f.all.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shop-config', namespace: 'shop-prod' },
    data: { DB_HOST: 'db', DB_MAX_CONNS: pool },
  });
  set(containerOf(f.deployment), 'envFrom', [{ configMapRef: { name: 'shop-config' } }]);
  const annotations: Mutable = {};
  if (budget !== undefined) annotations['user-platform.example.com/db-connection-budget'] = budget;
  if (reserved !== undefined) {
    annotations['user-platform.example.com/db-connections-reserved'] = reserved;
  }
  set(f.deployment, 'metadata.annotations', annotations);
}

const peer = (f: Fixture): Mutable =>
  (f.workloadPolicy.spec as { ingress: { from: Mutable[] }[] }).ingress[0]?.from[0] ?? {};

export const hardeningCases: readonly RuleCase[] = [
  {
    rule: 'topology-spread-taints',
    name: 'a DoNotSchedule spread without nodeTaintsPolicy',
    mutate: (f) => unset(f.deployment, `${SPREAD}.nodeTaintsPolicy`),
    expect: [`${D} ${SPREAD}.nodeTaintsPolicy`],
  },
  {
    rule: 'topology-spread-taints',
    name: 'a DoNotSchedule spread that ignores taints, on a StatefulSet too',
    mutate: (f) => {
      set(f.deployment, `${SPREAD}.nodeTaintsPolicy`, 'Ignore');
      const sts = structuredClone(f.deployment);
      set(sts, 'kind', 'StatefulSet');
      set(sts, 'metadata.name', 'shop-db');
      f.all.push(sts);
    },
    expect: [`${D} ${SPREAD}.nodeTaintsPolicy`, `StatefulSet/shop-db ${SPREAD}.nodeTaintsPolicy`],
  },
  {
    rule: 'topology-spread-taints',
    name: 'a ScheduleAnyway spread needs no taint policy',
    mutate: (f) => {
      set(f.deployment, `${SPREAD}.whenUnsatisfiable`, 'ScheduleAnyway');
      unset(f.deployment, `${SPREAD}.nodeTaintsPolicy`);
      set(podOf(f.deployment), 'topologySpreadConstraints[1]', {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        nodeTaintsPolicy: 'Honor',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'shop' } },
      });
    },
    expect: [],
  },
  {
    rule: 'network-policy-namespace-wide-ingress',
    name: 'an empty namespaceSelector (every namespace)',
    mutate: (f) => {
      set(peer(f), 'namespaceSelector', {});
      unset(peer(f), 'podSelector');
    },
    expect: [`NetworkPolicy/shop ${INGRESS}.from[0].namespaceSelector`],
  },
  {
    rule: 'network-policy-namespace-wide-ingress',
    name: 'an empty namespaceSelector with pod labels (any namespace can run such pods)',
    mutate: (f) => set(peer(f), 'namespaceSelector', { matchLabels: {} }),
    expect: [`NetworkPolicy/shop ${INGRESS}.from[0].namespaceSelector`],
  },
  {
    rule: 'network-policy-namespace-wide-ingress',
    name: 'an ingress rule without "from" (every source)',
    mutate: (f) => unset(f.workloadPolicy, `${INGRESS}.from`),
    expect: [`NetworkPolicy/shop ${INGRESS}`],
  },
  {
    rule: 'network-policy-namespace-wide-ingress',
    name: 'a named namespace without pod labels, a namespace by expression, pods of its own namespace pass',
    mutate: (f) => {
      unset(peer(f), 'podSelector');
      set(f.workloadPolicy, `${INGRESS}.from[1]`, {
        namespaceSelector: {
          matchExpressions: [{ key: 'team', operator: 'In', values: ['checkout'] }],
        },
      });
      set(f.workloadPolicy, `${INGRESS}.from[2]`, {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'worker' } },
      });
    },
    expect: [],
  },
  {
    rule: 'db-connection-budget',
    name: 'pods at the HPA maximum plus the surge fit the budget',
    // HPA max 10 + 25 % surge (3) = 13 pods x 10 + 5 reserved = 135 <= 135
    mutate: (f) => {
      withPool(f, '10', '135', '5');
    },
    expect: [],
  },
  {
    rule: 'db-connection-budget',
    name: 'the budget is exceeded by one connection',
    mutate: (f) => {
      withPool(f, '10', '134', '5');
    },
    expect: [`${D} ${BUDGET}`],
  },
  {
    rule: 'db-connection-budget',
    name: 'an explicit surge of 1 and a literal pool: 11 x 25 > 250',
    mutate: (f) => {
      set(f.deployment, 'metadata.annotations', {
        'user-platform.example.com/db-connection-budget': '250',
      });
      set(f.deployment, 'spec.strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } });
      set(containerOf(f.deployment), 'env[1]', { name: 'DB_MAX_CONNS', value: '25' });
    },
    expect: [`${D} ${BUDGET}`],
  },
  {
    rule: 'db-connection-budget',
    name: 'a pool size without a budget',
    mutate: (f) => {
      withPool(f, '10');
    },
    expect: [`${D} metadata.annotations`],
  },
  {
    rule: 'db-connection-budget',
    name: 'a budget that is no number',
    mutate: (f) => {
      withPool(f, '10', 'plenty');
    },
    expect: [`${D} ${BUDGET}`],
  },
];

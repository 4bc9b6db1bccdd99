/** The database connections a workload can open at most fit the budget the database grants. */
import { DB_CONNECTION_ANNOTATIONS } from '../../charts/model/contract';
import { at, field, obj, objects, str, num } from '../core/fields';
import { hpasOf } from '../core/scaling';
import type { KubeObject, SetRule, SetViolation } from '../core/types';
import { containersOf, podTemplateOf, replicasOf, workloads } from '../core/workloads';

/** The variable that sets a pod's pool size (services/user-service/configs/env-contract.json). */
const POOL_VARIABLE = 'DB_MAX_CONNS';

/** The value a container gets for `name`: env (literal or ConfigMap key) over envFrom ConfigMaps. */
function containerValue(
  container: Readonly<Record<string, unknown>>,
  name: string,
  configMaps: readonly KubeObject[],
): string | undefined {
  const data = (cmName: unknown) =>
    obj(configMaps.find((c) => c.metadata.name === str(cmName))?.data) ?? {};
  const env = objects(container.env).find((e) => str(e.name) === name);
  if (env !== undefined) {
    if (env.value !== undefined) return str(env.value);
    const ref = obj(at(env, 'valueFrom', 'configMapKeyRef'));
    return ref === undefined ? undefined : str(data(ref.name)[str(ref.key) ?? '']);
  }
  let value: string | undefined;
  for (const from of objects(container.envFrom)) {
    const prefix = str(from.prefix) ?? '';
    const ref = obj(from.configMapRef);
    if (ref === undefined) continue;
    for (const [key, v] of Object.entries(data(ref.name))) {
      if (`${prefix}${key}` === name) value = str(v);
    }
  }
  return value;
}

/** The most pods of a workload at once: its scale maximum plus the rolling update's surge. */
function peakPods(workload: KubeObject, all: readonly KubeObject[]): number {
  const hpas = hpasOf(workload, all);
  const max =
    hpas.length > 0
      ? Math.max(...hpas.map((h) => num(at(h, 'spec', 'maxReplicas')) ?? 1))
      : (replicasOf(workload) ?? 1);
  if (workload.kind !== 'Deployment') return max;
  if (str(at(workload, 'spec', 'strategy', 'type')) === 'Recreate') return max;
  const surge = at(workload, 'spec', 'strategy', 'rollingUpdate', 'maxSurge') ?? '25%';
  const n = num(surge);
  if (n !== undefined) return max + n;
  const percent = /^(\d+)%$/.exec(str(surge) ?? '');
  return max + Math.ceil((max * Number(percent?.[1] ?? 25)) / 100);
}

const POSITIVE = /^\d+$/;

export const dbConnectionBudget: SetRule = {
  id: 'db-connection-budget',
  severity: 'error',
  description:
    `A workload whose pods set ${POOL_VARIABLE} states the database's connection budget ` +
    `(annotation ${DB_CONNECTION_ANNOTATIONS.budget}), and its pods at the scale maximum plus ` +
    'the rollout surge, each with a full pool, plus the reserved connections ' +
    `(${DB_CONNECTION_ANNOTATIONS.reserved}) fit into it.`,
  remediation:
    'Lower the HPA maxReplicas or the pool size, or raise the budget (database.connectionBudget ' +
    'in charts/config/environments.ts, which the charts write into the annotation).',
  sources: [
    'issue 15: 20 replicas x 25 connections = 500 at the HPA maximum, nothing checks it',
    'PostgreSQL max_connections',
  ],
  scope: 'set',
  check: (all) => {
    const configMaps = all.filter((o) => o.kind === 'ConfigMap');
    return workloads(all).flatMap((workload): SetViolation[] => {
      const template = podTemplateOf(workload);
      if (template === undefined) return [];
      const annotations = workload.metadata.annotations ?? {};
      const budgetText = annotations[DB_CONNECTION_ANNOTATIONS.budget];
      const reservedText = annotations[DB_CONNECTION_ANNOTATIONS.reserved] ?? '0';
      const budgetPath = field('metadata', 'annotations', DB_CONNECTION_ANNOTATIONS.budget);
      const pools = containersOf(template, ['containers']).flatMap((c) => {
        const value = containerValue(c.container, POOL_VARIABLE, configMaps);
        return value === undefined ? [] : [{ container: c.name, value }];
      });
      if (pools.length === 0 && budgetText === undefined) return [];
      const violation = (path: string, message: string) => [{ object: workload, path, message }];
      if (pools.length === 0) {
        return violation(budgetPath, `states a budget but no container sets ${POOL_VARIABLE}`);
      }
      if (budgetText === undefined) {
        return violation(
          field('metadata', 'annotations'),
          `sets ${POOL_VARIABLE} but states no connection budget (${DB_CONNECTION_ANNOTATIONS.budget})`,
        );
      }
      if (!POSITIVE.test(budgetText) || Number(budgetText) === 0) {
        return violation(budgetPath, `"${budgetText}" is no positive number of connections`);
      }
      if (!POSITIVE.test(reservedText)) {
        return violation(
          field('metadata', 'annotations', DB_CONNECTION_ANNOTATIONS.reserved),
          `"${reservedText}" is no number of connections`,
        );
      }
      const bad = pools.find((p) => !POSITIVE.test(p.value));
      if (bad !== undefined) {
        return violation(
          template.specPath,
          `container "${bad.container}" sets ${POOL_VARIABLE} to "${bad.value}", not a number`,
        );
      }
      const perPod = pools.reduce((sum, p) => sum + Number(p.value), 0);
      const pods = peakPods(workload, all);
      const peak = pods * perPod + Number(reservedText);
      if (peak <= Number(budgetText)) return [];
      return violation(
        budgetPath,
        `${pods} pods (scale maximum plus rollout surge) x ${perPod} connections + ` +
          `${reservedText} reserved = ${peak}, over the budget of ${budgetText}`,
      );
    });
  },
};

/** Cases of the rule that keeps GitOps prune away from data (Namespace, StatefulSet, PVC). */
import { PRUNE_PROTECTION, deployment, set, unset, type Mutable } from '../fixtures';
import type { RuleCase } from './types';

const NS = 'Namespace/shop-prod';
const FLUX = 'metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]';
const ARGO = 'metadata.annotations["argocd.argoproj.io/sync-options"]';

/** A StatefulSet with one volume claim, made from the compliant Deployment. */
function statefulSet(annotations?: Record<string, string>): Mutable {
  const s = deployment();
  s.kind = 'StatefulSet';
  set(s, 'metadata.name', 'shop-db');
  set(s, 'spec.serviceName', 'shop');
  set(s, 'spec.replicas', 1);
  set(s, 'spec.volumeClaimTemplates', [
    { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } },
  ]);
  if (annotations !== undefined) set(s, 'metadata.annotations', { ...annotations });
  return s;
}

export const gitopsCases: readonly RuleCase[] = [
  {
    rule: 'gitops-prune-stateful',
    name: 'a Namespace Flux can prune (no annotation)',
    mutate: (f) => unset(f.namespace, FLUX),
    expect: [`${NS} ${FLUX}`],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a Namespace with Flux prune enabled',
    mutate: (f) => set(f.namespace, FLUX, 'enabled'),
    expect: [`${NS} ${FLUX}`],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a Namespace Argo CD deletes with its Application (Prune=false only)',
    mutate: (f) => set(f.namespace, ARGO, 'Prune=false'),
    expect: [`${NS} ${ARGO}`],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a Namespace without any annotation: both controllers can delete it',
    mutate: (f) => unset(f.namespace, 'metadata.annotations'),
    expect: [`${NS} ${FLUX}`, `${NS} ${ARGO}`],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a StatefulSet Flux can prune',
    mutate: (f) => f.all.push(statefulSet()),
    expect: ['StatefulSet/shop-db ' + FLUX, 'StatefulSet/shop-db ' + ARGO],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a StatefulSet protected only from Argo CD',
    mutate: (f) =>
      f.all.push(statefulSet({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' })),
    expect: ['StatefulSet/shop-db ' + FLUX],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a PersistentVolumeClaim Flux can prune',
    mutate: (f) =>
      f.all.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'shop-data', namespace: 'shop-prod' },
        spec: { accessModes: ['ReadWriteOnce'] },
      }),
    expect: ['PersistentVolumeClaim/shop-data ' + FLUX, 'PersistentVolumeClaim/shop-data ' + ARGO],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a protected StatefulSet (sync options with spaces, in any order) passes',
    mutate: (f) =>
      f.all.push(
        statefulSet({
          'kustomize.toolkit.fluxcd.io/prune': 'disabled',
          'argocd.argoproj.io/sync-options': ' Delete=false , Prune=false ',
        }),
      ),
    expect: [],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'a protected StatefulSet passes',
    mutate: (f) => f.all.push(statefulSet(PRUNE_PROTECTION)),
    expect: [],
  },
  {
    rule: 'gitops-prune-stateful',
    name: 'objects Pulumi deploys are not judged (no controller prunes them)',
    mutate: (f) => {
      unset(f.namespace, 'metadata.annotations');
      f.all.push(statefulSet());
    },
    options: { target: 'pulumi' },
    expect: [],
  },
];

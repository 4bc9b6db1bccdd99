/**
 * Objects the e2e cluster needs besides the project's own: the external-secrets CRD stand-in
 * and PersistentVolumes for the StatefulSets' claims (the cluster has no storage provisioner).
 */
import { resolve } from 'node:path';
import type { KubeObject } from '../../../charts/synth/render';
import { REPOSITORY_ROOT } from '../../../infra/config/stack-config';
import { kubectl, waitFor } from './exec';

export const CRD_FILE = resolve(REPOSITORY_ROOT, 'test', 'e2e', 'crds', 'external-secrets.yaml');
/** The Gateway API HTTPRoute CRD stand-in (staging and prod publish the REST API). */
export const HTTPROUTE_CRD_FILE = resolve(
  REPOSITORY_ROOT,
  'test',
  'e2e',
  'crds',
  'gateway-api-httproute.yaml',
);
/** The prometheus-operator PodMonitor and PrometheusRule CRD stand-ins (monitoring on). */
export const MONITORING_CRD_FILE = resolve(
  REPOSITORY_ROOT,
  'test',
  'e2e',
  'crds',
  'prometheus-operator.yaml',
);
/** Label on every PersistentVolume created here, so they can be removed together. */
const PV_LABEL = 'e2e.user-platform.example.com/pv';

export async function installCrds(): Promise<void> {
  for (const file of [CRD_FILE, HTTPROUTE_CRD_FILE, MONITORING_CRD_FILE]) {
    await kubectl(['apply', '--server-side', '--validate=strict', '-f', file]);
  }
  await kubectl([
    'wait',
    '--for=condition=Established',
    'crd/externalsecrets.external-secrets.io',
    'crd/httproutes.gateway.networking.k8s.io',
    'crd/podmonitors.monitoring.coreos.com',
    'crd/prometheusrules.monitoring.coreos.com',
    '--timeout=60s',
  ]);
}

interface ClaimTemplate {
  readonly name: string;
  readonly storage: string;
}

function claimTemplates(statefulSet: KubeObject): { replicas: number; claims: ClaimTemplate[] } {
  const spec = statefulSet.spec as
    | {
        replicas?: number;
        volumeClaimTemplates?: {
          metadata: { name: string };
          spec: { resources?: { requests?: { storage?: string } } };
        }[];
      }
    | undefined;
  return {
    replicas: spec?.replicas ?? 1,
    claims: (spec?.volumeClaimTemplates ?? []).map((t) => ({
      name: t.metadata.name,
      storage: t.spec.resources?.requests?.storage ?? '1Gi',
    })),
  };
}

/**
 * One PersistentVolume per claim the StatefulSets of `objects` will make
 * (`<template>-<statefulset>-<ordinal>`), pre-bound to it through `claimRef`. hostPath, never
 * mounted: kwok runs no container. Returns the claim names.
 */
export async function createVolumesFor(objects: readonly KubeObject[]): Promise<string[]> {
  const volumes: object[] = [];
  const claimNames: string[] = [];
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    const { replicas, claims } = claimTemplates(sts);
    const namespace = sts.metadata.namespace ?? 'default';
    for (const claim of claims) {
      for (let i = 0; i < replicas; i++) {
        const claimName = `${claim.name}-${sts.metadata.name}-${i}`;
        claimNames.push(`${namespace}/${claimName}`);
        volumes.push({
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name: `e2e-${namespace}-${claimName}`, labels: { [PV_LABEL]: 'true' } },
          spec: {
            capacity: { storage: claim.storage },
            accessModes: ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Retain',
            storageClassName: '',
            hostPath: { path: `/tmp/e2e-pv/${namespace}/${claimName}`, type: '' },
            claimRef: {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              namespace,
              name: claimName,
            },
          },
        });
      }
    }
  }
  if (volumes.length > 0) {
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: volumes }),
    );
  }
  return claimNames;
}

/** Removes every PersistentVolume created by {@link createVolumesFor}. */
export async function deleteVolumes(): Promise<void> {
  await kubectl(['delete', 'pv', '-l', PV_LABEL, '--wait=true', '--timeout=60s']);
}

/** Deletes the namespaces and waits until they are gone. */
export async function deleteNamespaces(names: readonly string[]): Promise<void> {
  await kubectl(['delete', 'namespace', ...names, '--ignore-not-found', '--wait=false']);
  await waitFor(`namespaces ${names.join(', ')} to be gone`, 180_000, async () => {
    const { stdout } = await kubectl(['get', 'namespace', '-o', 'name']);
    const left = names.filter((n) => stdout.split('\n').includes(`namespace/${n}`));
    return left.length === 0 ? true : undefined;
  });
}

import type { KubeObject } from '../../charts/synth/render';
import { RESOURCE_FACTORIES, resourceFactoryFor } from './kinds';

function object(apiVersion: string, kind: string): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'ns' } };
}

describe('resourceFactoryFor', () => {
  it('has a typed class for every kind the charts render', () => {
    for (const key of [
      'v1/Namespace',
      'apps/v1/Deployment',
      'apps/v1/StatefulSet',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'networking.k8s.io/v1/NetworkPolicy',
    ]) {
      expect(RESOURCE_FACTORIES[key]).toBeDefined();
    }
  });

  it('falls back to CustomResource only outside the Kubernetes API groups', () => {
    expect(() =>
      resourceFactoryFor(object('monitoring.coreos.com/v1', 'ServiceMonitor')),
    ).not.toThrow();
    expect(() => resourceFactoryFor(object('v1', 'LimitRange'))).toThrow(
      'LimitRange ns/x: no Pulumi resource class for v1/LimitRange; add it to RESOURCE_FACTORIES in infra/kubernetes/kinds.ts',
    );
    expect(() => resourceFactoryFor(object('storage.k8s.io/v1', 'StorageClass'))).toThrow(
      'no Pulumi resource class',
    );
    expect(() => resourceFactoryFor(object('apps/v1', 'ReplicaSet'))).toThrow(
      'no Pulumi resource class',
    );
  });
});

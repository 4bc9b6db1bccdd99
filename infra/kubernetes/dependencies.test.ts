import type { KubeObject } from '../../charts/synth/render';
import { creationOrder, dependencies } from './dependencies';

function object(kind: string, name: string, rest: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind,
    metadata: { name, ...(kind === 'Namespace' ? {} : { namespace: 'ns' }) },
    ...rest,
  };
}

const deployment = object('Deployment', 'app', {
  spec: { template: { spec: { containers: [] } } },
});
const hpa = object('HorizontalPodAutoscaler', 'app-hpa', {
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app' } },
});

describe('dependencies', () => {
  it('orders namespace, pod inputs, workload, autoscaler whatever the input order', () => {
    const objects = [
      hpa,
      deployment,
      object('Service', 'app'),
      object('Secret', 'app-secrets'),
      object('ConfigMap', 'app-config'),
      object('ServiceAccount', 'app'),
      object('Namespace', 'ns'),
    ];
    const waits = dependencies(objects);
    expect(Object.fromEntries(waits)).toEqual({
      'horizontalpodautoscaler-app-hpa': ['namespace-ns', 'deployment-app'],
      'deployment-app': [
        'namespace-ns',
        'secret-app-secrets',
        'configmap-app-config',
        'serviceaccount-app',
      ],
      'service-app': ['namespace-ns'],
      'secret-app-secrets': ['namespace-ns'],
      'configmap-app-config': ['namespace-ns'],
      'serviceaccount-app': ['namespace-ns'],
      'namespace-ns': [],
    });
    expect(creationOrder(waits)).toEqual([
      'namespace-ns',
      'service-app',
      'secret-app-secrets',
      'configmap-app-config',
      'serviceaccount-app',
      'deployment-app',
      'horizontalpodautoscaler-app-hpa',
    ]);
  });

  it('refuses two objects with the same kind and name', () => {
    expect(() =>
      dependencies([
        object('ConfigMap', 'a'),
        { ...object('ConfigMap', 'a'), metadata: { name: 'a', namespace: 'other' } },
      ]),
    ).toThrow('two objects would be the Pulumi resource configmap-a');
  });

  it('reports a cycle instead of looping', () => {
    expect(() =>
      creationOrder(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toThrow('cycle: a, b');
  });
});

import * as kplus from 'cdk8s-plus-28';
import { get, only, synthConstruct } from '../../test/support/objects';
import { Autoscaler } from './autoscaler';

function build(min: number, max: number) {
  return synthConstruct((chart) => {
    const target = new kplus.Deployment(chart, 'd', {
      metadata: { name: 'user-service', namespace: 'ns' },
      containers: [{ image: 'x:1', portNumber: 8080 }],
    });
    new Autoscaler(chart, 'hpa', {
      name: 'user-service-hpa',
      namespace: 'ns',
      labels: {},
      target,
      minReplicas: min,
      maxReplicas: max,
      cpuUtilization: 70,
      memoryUtilization: 80,
    });
  });
}

describe('Autoscaler', () => {
  it('is an autoscaling/v2 HPA on CPU and memory utilization', () => {
    const hpa = only(build(3, 20), 'HorizontalPodAutoscaler', 'user-service-hpa');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(get(hpa, 'spec', 'minReplicas')).toBe(3);
    expect(get(hpa, 'spec', 'maxReplicas')).toBe(20);
    expect(get(hpa, 'spec', 'scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'user-service',
    });
    expect(get(hpa, 'spec', 'metrics')).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    expect(get(hpa, 'spec', 'behavior', 'scaleDown', 'stabilizationWindowSeconds')).toBe(300);
  });

  it('takes the replica count away from the Deployment it targets', () => {
    expect(get(only(build(3, 20), 'Deployment'), 'spec', 'replicas')).toBeUndefined();
  });

  it.each([
    [3, 3],
    [5, 2],
  ])('rejects min %d with max %d', (min, max) => {
    expect(() => build(min, max)).toThrow(/maxReplicas .* must exceed minReplicas/);
  });
});

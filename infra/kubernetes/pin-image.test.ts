import type { KubeObject } from '../../charts/synth/render';
import { pinImage } from './pin-image';

const FROM = 'registry.example.com/app:1.0.0';
const TO = `registry.example.com/app@sha256:${'e'.repeat(64)}`;

function workload(kind: string, podSpec: Record<string, unknown>): KubeObject {
  const template = { metadata: {}, spec: podSpec };
  const spec = kind === 'CronJob' ? { jobTemplate: { spec: { template } } } : { template };
  return { apiVersion: 'v1', kind, metadata: { name: kind.toLowerCase(), namespace: 'ns' }, spec };
}

describe('pinImage', () => {
  it('replaces the image in containers and init containers of every pod template, only where it matches', () => {
    const deployment = workload('Deployment', {
      initContainers: [{ name: 'migrate', image: FROM }],
      containers: [
        { name: 'app', image: FROM },
        { name: 'sidecar', image: 'other:1' },
      ],
    });
    const cronJob = workload('CronJob', { containers: [{ name: 'job', image: FROM }] });
    const config: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { IMAGE: FROM },
    };
    const { objects, pinned } = pinImage([deployment, cronJob, config], FROM, TO);
    expect(pinned).toEqual([
      'Deployment ns/deployment: migrate',
      'Deployment ns/deployment: app',
      'CronJob ns/cronjob: job',
    ]);
    expect(objects[0]?.spec).toEqual({
      template: {
        metadata: {},
        spec: {
          initContainers: [{ name: 'migrate', image: TO }],
          containers: [
            { name: 'app', image: TO },
            { name: 'sidecar', image: 'other:1' },
          ],
        },
      },
    });
    expect(objects[2]).toBe(config);
    expect(JSON.stringify(deployment)).not.toContain(TO);
  });

  it('fails when no container runs the image', () => {
    expect(() =>
      pinImage([workload('Deployment', { containers: [{ name: 'a', image: 'x:1' }] })], FROM, TO),
    ).toThrow(`no container uses the image ${FROM}`);
  });
});

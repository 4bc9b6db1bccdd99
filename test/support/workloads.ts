import type { KubeObject } from '../../charts/synth/render';
import { get } from './objects';

type Obj = Record<string, unknown>;

/** The pod spec of a Deployment or StatefulSet; fails the test for an object without one. */
export function podSpec(workload: KubeObject): Obj {
  const spec = get(workload, 'spec', 'template', 'spec');
  if (typeof spec !== 'object' || spec === null) {
    throw new Error(`${workload.kind}/${workload.metadata.name} has no pod template`);
  }
  return spec as Obj;
}

/** The first container of a workload's pod template. */
export function firstContainer(workload: KubeObject): Obj {
  return get(podSpec(workload), 'containers', 0) as Obj;
}

/** The `checksum/config` annotation of a workload's pod template. */
export function configChecksum(workload: KubeObject): unknown {
  return get(workload, 'spec', 'template', 'metadata', 'annotations', 'checksum/config');
}

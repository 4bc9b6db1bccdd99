import type * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../../charts/synth/render';
import { asRecord, describeObject, podSpecOf } from './objects';

/** The objects with every container image equal to `from` replaced by `to`. */
export interface PinnedImage {
  readonly objects: readonly KubeObject[];
  /** `Kind ns/name: container` of each replaced image. */
  readonly pinned: readonly string[];
}

/**
 * Replaces the image reference the charts wrote (`from`, e.g. `repo:1.1.0-dev`) with the image
 * Pulumi deploys (`to`, `repo@sha256:...`, possibly not known before the build finishes) in the
 * containers and init containers of every pod template. The input objects are not changed.
 * Fails when no container uses `from`: the deployment would then run an image nobody built.
 */
export function pinImage(
  objects: readonly KubeObject[],
  from: string,
  to: pulumi.Input<string>,
): PinnedImage {
  const pinned: string[] = [];
  const result = objects.map((original) => {
    if (podSpecOf(original) === undefined) return original;
    const object = JSON.parse(JSON.stringify(original)) as KubeObject;
    const podSpec = podSpecOf(object) ?? {};
    for (const field of ['initContainers', 'containers']) {
      const containers = podSpec[field];
      if (!Array.isArray(containers)) continue;
      for (const item of containers) {
        const container = asRecord(item);
        if (container?.image !== from) continue;
        container.image = to;
        pinned.push(`${describeObject(object)}: ${String(container.name)}`);
      }
    }
    return object;
  });
  if (pinned.length === 0) {
    throw new Error(
      `no container uses the image ${from}: there is nothing to pin to the deployed image`,
    );
  }
  return { objects: result, pinned };
}

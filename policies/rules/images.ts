/** Image references: never a mutable `latest`, pinned by digest where it matters. */
import { podRule } from '../core/define';
import { field, str } from '../core/fields';
import { containersOf } from '../core/workloads';

/** The parts of an image reference `[registry/]repository[:tag][@digest]`. */
export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits an image reference; the tag is what follows ':' in the last path segment. */
export function parseImage(image: string): ImageReference {
  const at = image.indexOf('@');
  const withoutDigest = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : image.slice(at + 1);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  const tag = colon === -1 ? undefined : withoutDigest.slice(colon + 1);
  return {
    name,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

const DIGEST = /^sha(256|384|512):[a-f0-9]{64,128}$/;

export const imageTag = podRule(
  {
    id: 'image-tag',
    severity: 'error',
    description: 'Every image names a tag or a digest, and never the mutable tag "latest".',
    remediation: 'Reference the image by a version tag or, better, by its sha256 digest.',
    sources: ['kube-score container-image-tag', 'Polaris tagNotSpecified'],
  },
  (template) =>
    containersOf(template).flatMap((c) => {
      const image = str(c.container.image) ?? '';
      const ref = parseImage(image);
      const path = field(c.path, 'image');
      if (ref.tag === 'latest') {
        return [{ path, message: `container "${c.name}" uses the mutable tag latest (${image})` }];
      }
      if (ref.tag === undefined && ref.digest === undefined) {
        return [{ path, message: `container "${c.name}" image ${image} has no tag or digest` }];
      }
      return [];
    }),
);

export const imageDigest = podRule(
  {
    id: 'image-digest',
    severity: 'error',
    description:
      'Outside dev (and wherever the environment is unknown) every image is pinned by digest.',
    remediation:
      'Reference the image as <repository>@sha256:<digest> (set image.digest in ' +
      'charts/config/environments.ts, or let Pulumi pin the digest it built).',
    sources: ['DESIGN rule 6'],
  },
  (template, _object, context) => {
    if (context.environment === 'dev') return [];
    return containersOf(template).flatMap((c) => {
      const image = str(c.container.image) ?? '';
      const digest = parseImage(image).digest;
      return digest !== undefined && DIGEST.test(digest)
        ? []
        : [
            {
              path: field(c.path, 'image'),
              message: `container "${c.name}" image ${image} is not pinned by digest (${context.environment ?? 'unknown environment'})`,
            },
          ];
    });
  },
);

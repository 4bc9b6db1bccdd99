import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { join, relative } from 'node:path';

/** Props of {@link UserServiceImage}. */
export interface UserServiceImageProps {
  /** Registry and repository to push to, e.g. `registry.example.com/platform/user-service`. */
  readonly repository: string;
  /** The service version: the `VERSION` build argument and the human tag pushed next to the digest. */
  readonly version: string;
  /** Absolute path of the build context (the folder with the Dockerfile). */
  readonly context: string;
  /**
   * Folder that relative paths in the state are taken from, so the state does not depend on
   * where the repository is checked out. @default the working directory (infra/ under Pulumi)
   */
  readonly cwd?: string;
}

/** The Pulumi type of {@link UserServiceImage}. */
export const IMAGE_TYPE = 'user-service:platform:Image';

/** The platform the clusters run. */
export const IMAGE_PLATFORM = 'linux/amd64';

const REPO_DIGEST = /^(?<repository>[^@\s]+)@(?<digest>sha256:[a-f0-9]{64})$/;

/**
 * `repository@sha256:...` of a pushed image, checked: a tag, or the local image ID that the
 * provider reports for an image it did not push, stops the program instead of being deployed.
 */
export function pushedReference(repoDigest: string, repository: string): string {
  const match = REPO_DIGEST.exec(repoDigest);
  if (match?.groups?.repository !== repository) {
    throw new Error(
      `image ${repository}: the build returned "${repoDigest}", not "${repository}@sha256:<digest>" ` +
        '(was the image pushed?)',
    );
  }
  return repoDigest;
}

/**
 * The distroless user-service image, built from services/user-service/Dockerfile with
 * @pulumi/docker's `docker.Image` (BuildKit) for linux/amd64 and pushed to the registry as
 * `<repository>:<version>`, through its own explicit docker provider. Registry credentials come
 * from the host's Docker config (`docker login`). Registry cache: BuildKit's inline cache
 * (`BUILDKIT_INLINE_CACHE=1`) goes into every pushed image, and the build reads it back from
 * `<repository>:<version>` (`cacheFrom`). The Deployment runs `repoDigest`, never the tag.
 */
export class UserServiceImage extends pulumi.ComponentResource {
  /** `repository@sha256:...`: what the Deployment runs. */
  readonly ref: pulumi.Output<string>;
  /** `sha256:...` of the pushed image manifest. */
  readonly digest: pulumi.Output<string>;

  constructor(name: string, props: UserServiceImageProps, opts?: pulumi.ComponentResourceOptions) {
    super(IMAGE_TYPE, name, {}, opts);
    const cwd = props.cwd ?? process.cwd();
    const tag = `${props.repository}:${props.version}`;
    const provider = new docker.Provider('docker', {}, { parent: this });
    const image = new docker.Image(
      name,
      {
        imageName: tag,
        build: {
          builderVersion: docker.BuilderVersion.BuilderBuildKit,
          context: relative(cwd, props.context) || '.',
          dockerfile: relative(cwd, join(props.context, 'Dockerfile')),
          platform: IMAGE_PLATFORM,
          args: { VERSION: props.version, BUILDKIT_INLINE_CACHE: '1' },
          cacheFrom: { images: [tag] },
        },
        skipPush: false,
      },
      { parent: this, provider },
    );
    this.ref = image.repoDigest.apply((d) => pushedReference(d, props.repository));
    this.digest = this.ref.apply((ref) => ref.slice(ref.indexOf('@') + 1));
    this.registerOutputs({ ref: this.ref, digest: this.digest });
  }
}

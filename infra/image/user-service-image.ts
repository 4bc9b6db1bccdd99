import * as dockerBuild from '@pulumi/docker-build';
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

/**
 * The distroless user-service image, built from services/user-service/Dockerfile with
 * @pulumi/docker-build (BuildKit) for linux/amd64 and pushed to the registry, through its own
 * explicit docker-build provider. Registry credentials come from the host's Docker config
 * (`docker login`). A registry build cache (`<repository>:buildcache`) keeps rebuilds fast.
 */
export class UserServiceImage extends pulumi.ComponentResource {
  /** `repository@sha256:...`: what the Deployment runs. */
  readonly ref: pulumi.Output<string>;
  /** `sha256:...` of the pushed image (index) manifest. */
  readonly digest: pulumi.Output<string>;

  constructor(name: string, props: UserServiceImageProps, opts?: pulumi.ComponentResourceOptions) {
    super(IMAGE_TYPE, name, {}, opts);
    const cwd = props.cwd ?? process.cwd();
    const cache = `${props.repository}:buildcache`;
    const provider = new dockerBuild.Provider('docker-build', {}, { parent: this });
    const image = new dockerBuild.Image(
      name,
      {
        context: { location: relative(cwd, props.context) || '.' },
        dockerfile: { location: relative(cwd, join(props.context, 'Dockerfile')) },
        platforms: [dockerBuild.Platform.Linux_amd64],
        buildArgs: { VERSION: props.version },
        tags: [`${props.repository}:${props.version}`],
        push: true,
        cacheFrom: [{ registry: { ref: cache } }],
        cacheTo: [
          {
            registry: {
              ref: cache,
              mode: dockerBuild.CacheMode.Max,
              imageManifest: true,
              ociMediaTypes: true,
            },
          },
        ],
      },
      { parent: this, provider },
    );
    this.digest = image.digest;
    this.ref = pulumi.interpolate`${props.repository}@${image.digest}`;
    this.registerOutputs({ ref: this.ref, digest: this.digest });
  }
}

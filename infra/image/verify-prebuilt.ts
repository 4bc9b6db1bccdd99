import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';

/**
 * `image.verifyPrebuilt: true`: asks the registry for the prebuilt image
 * (`docker.getRegistryImage`, at preview and up, with the host's `docker login` credentials)
 * and stops the program unless the registry has exactly that digest. Loaded only then, so a
 * prebuilt stack without the setting needs no docker provider plugin.
 */
export function verifiedPrebuilt(reference: string, digest: string): pulumi.Output<string> {
  const provider = new docker.Provider('docker-registry', {});
  return docker
    .getRegistryImageOutput({ name: reference }, { provider })
    .apply((found) => checkRegistryDigest(reference, digest, found.sha256Digest));
}

/** `reference` when the registry's digest for it is `digest`; throws otherwise. */
export function checkRegistryDigest(reference: string, digest: string, found: string): string {
  if (found !== digest) {
    throw new Error(
      `image.prebuilt ${reference}: the registry reports digest ${found}, not ${digest}`,
    );
  }
  return reference;
}

import * as pulumi from '@pulumi/pulumi';
import type { MockMonitor } from '@pulumi/pulumi/runtime/mocks';

/** What the engine received for one resource registration. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  /** `<provider urn>::<provider id>`, empty when the resource uses a default provider. */
  readonly provider: string;
  readonly parent: string;
  /** URNs of the resources it depends on (dependsOn and Output dependencies). */
  readonly dependencies: readonly string[];
  /** Inputs as the engine sees them; secrets keep their RPC secret wrapper. */
  readonly inputs: Record<string, unknown>;
  /** The `protect` resource option. */
  readonly protect: boolean;
}

/** The request of ResourceMonitor.RegisterResource (the generated protobuf class). */
interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
  getProtect(): boolean;
}

interface RegisterResourceResponse {
  getUrn(): string;
}

/** A fake digest the mock "build" returns. */
export const BUILT_DIGEST = `sha256:${'b'.repeat(64)}`;

/** The `docker.Image` resource type. */
export const DOCKER_IMAGE_TYPE = 'docker:index/image:Image';
/** The `docker.getRegistryImage` function token. */
export const GET_REGISTRY_IMAGE = 'docker:index/getRegistryImage:getRegistryImage';

/** What the mock registry answers for an image reference (`docker.getRegistryImage`). */
export const registryDigests = new Map<string, string>();

/**
 * Mock outputs: inputs echoed back, plus what docker.Image computes after a push
 * (`repoDigest` = `<imageName without tag>@<BUILT_DIGEST>`), and the registry's digests.
 */
const mocks: pulumi.runtime.Mocks = {
  newResource: (args) => {
    const inputs = args.inputs as Record<string, unknown>;
    let state = inputs;
    if (args.type === DOCKER_IMAGE_TYPE) {
      const imageName = String(inputs.imageName);
      const repository = imageName.replace(/:[^:/]+$/, '');
      state = { ...inputs, repoDigest: `${repository}@${BUILT_DIGEST}` };
    }
    return { id: args.custom === true ? `${args.name}-id` : undefined, state };
  },
  call: (args) => {
    if (args.token === GET_REGISTRY_IMAGE) {
      const inputs = args.inputs as Record<string, unknown>;
      const name = String(inputs.name);
      const digest = registryDigests.get(name);
      if (digest === undefined) throw new Error(`mock registry: no image ${name}`);
      return { id: name, name, sha256Digest: digest };
    }
    return args.inputs as Record<string, unknown>;
  },
};

/**
 * Points the Pulumi runtime at the mock engine for one scenario (project and stack as
 * `pulumi up` would set them), records every resource registration (with parent, provider and
 * dependencies, which the mocks API does not show) and sets the stack config from
 * `<key>: <value>` entries. Runtime state is global to a test file: run scenarios one after
 * another.
 */
export async function mockStack(
  project: string,
  stack: string,
  config: Readonly<Record<string, string>>,
): Promise<readonly Registration[]> {
  await pulumi.runtime.setMocks(mocks, project, stack, false);
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const registrations: Registration[] = [];
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (
    req: RegisterResourceRequest,
    callback: (err: unknown, response?: RegisterResourceResponse) => void,
  ) =>
    register(req, (err: unknown, response?: RegisterResourceResponse) => {
      if (response !== undefined) {
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          custom: req.getCustom(),
          provider: req.getProvider(),
          parent: req.getParent(),
          dependencies: req.getDependenciesList(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()),
          protect: req.getProtect(),
        });
      }
      callback(err, response);
    });
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([key, value]) => [`${project}:${key}`, value])),
  );
  return registrations;
}

/** The value of an Output (never unknown outside preview). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => {
    output.apply((value) => {
      resolve(value);
      return value;
    });
  });
}

/** Waits until every given resource has been registered. */
export async function registered(resources: Iterable<pulumi.Resource>): Promise<void> {
  await Promise.all([...resources].map((r) => promiseOf(r.urn)));
}

/** The RPC secret wrapper's value, or undefined when the value is not a secret. */
export function secretValue(value: unknown): unknown {
  return pulumi.runtime.isRpcSecret(value)
    ? (pulumi.runtime.unwrapRpcSecret(value) as unknown)
    : undefined;
}

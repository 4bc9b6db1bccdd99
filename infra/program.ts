import * as pulumi from '@pulumi/pulumi';
import { resolve } from 'node:path';
import { loadEnvironments } from '../charts/config/load';
import type { Environment } from '../charts/config/schema';
import { imageReference } from '../charts/constructs/user-service';
import { NAMES, PORT_NAMES } from '../charts/model/contract';
import { renderEnvironment, type KubeObject } from '../charts/synth/render';
import { planResources, UserServiceEnvironment } from './components/environment';
import {
  loadStackConfig,
  REPOSITORY_ROOT,
  StackConfigError,
  type ConfigIssue,
  type StackConfig,
} from './config/stack-config';
import { checkKubernetesTarget } from './kubernetes/target';
import { asRecord } from './kubernetes/objects';
import { pinImage } from './kubernetes/pin-image';
import { secretFromExternalSecret } from './kubernetes/secret-from-external-secret';

/** The build context of the service image. */
export const SERVICE_DIR = resolve(REPOSITORY_ROOT, 'services', 'user-service');

/** The outputs of a stack (`pulumi stack output`). */
export interface StackOutputs {
  readonly environment: string;
  /** `repository@sha256:...` the Deployment runs. */
  readonly imageRef: pulumi.Output<string>;
  readonly imageDigest: pulumi.Output<string>;
  readonly namespace: string;
  /** In-cluster gRPC address, `user-service.<ns>.svc.cluster.local:50051`. */
  readonly grpcAddress: string;
  /** In-cluster HTTP (REST gateway) address. */
  readonly httpAddress: string;
  /** The folder the YAML was rendered to, when the stack renders instead of applying. */
  readonly renderedTo?: string;
}

/** Everything decided from config and charts before any resource is registered. */
export interface StackPlan {
  readonly environment: Environment;
  /** The charts' objects with every ExternalSecret replaced by a Secret (image not pinned yet). */
  readonly objects: readonly KubeObject[];
  /** The image reference the charts wrote, replaced by the deployed one. */
  readonly chartImage: string;
  readonly grpcAddress: string;
  readonly httpAddress: string;
}

function servicePort(service: KubeObject, portName: string): number {
  const ports = asRecord(service.spec)?.ports;
  const port = (Array.isArray(ports) ? ports : [])
    .map(asRecord)
    .find((p) => p?.name === portName)?.port;
  if (typeof port !== 'number') {
    throw new Error(`Service ${service.metadata.name} has no port named ${portName}`);
  }
  return port;
}

/**
 * Loads the stack's environment from charts/config, renders its objects with the charts
 * (the same objects `npm run synth` writes) and swaps every ExternalSecret for a Secret built
 * from the stack secrets. Throws one error naming the stack and every missing config key, or
 * the object at fault, before anything is registered (the image build included).
 */
export function planStack(config: StackConfig): StackPlan {
  const environment = loadEnvironments().find((e) => e.name === config.environment);
  if (environment === undefined) {
    throw new StackConfigError(config.project, config.stack, [
      { key: 'environment', message: `no environment ${config.environment} in charts/config` },
    ]);
  }
  const rendered = renderEnvironment(environment);
  const issues: ConfigIssue[] = [];
  // Rendering YAML without the opt-in keeps the ExternalSecrets: no secret value on disk.
  const keepExternalSecrets =
    config.kubernetes.renderYamlTo !== undefined && !config.kubernetes.renderYamlSecrets;
  const objects = rendered.flatMap((object) => {
    if (object.kind !== 'ExternalSecret' || keepExternalSecrets) return [object];
    const swap = secretFromExternalSecret(object, config.secrets);
    if (swap.ok) return [swap.secret];
    issues.push(...swap.issues);
    return [];
  });
  if (issues.length > 0) throw new StackConfigError(config.project, config.stack, issues);
  assertNoPlaintextSecretRendered(config, objects);

  // Check now what would otherwise fail after the image build started: a container must run
  // the charts' image, and every object needs a resource class, a unique name and an order.
  const chartImage = imageReference(environment.image);
  pinImage(objects, chartImage, chartImage);
  planResources(objects);
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === NAMES.service);
  if (service === undefined) throw new Error(`the charts render no Service ${NAMES.service}`);
  const host = `${NAMES.service}.${environment.namespace}.svc.cluster.local`;
  return {
    environment,
    objects,
    chartImage,
    grpcAddress: `${host}:${servicePort(service, PORT_NAMES.grpc)}`,
    httpAddress: `${host}:${servicePort(service, PORT_NAMES.http)}`,
  };
}

/**
 * Refuses to render a Secret (its values in plain text) into `kubernetes.renderYamlTo` unless
 * the stack opted in with `kubernetes.renderYamlSecrets: true`.
 */
export function assertNoPlaintextSecretRendered(
  config: StackConfig,
  objects: readonly KubeObject[],
): void {
  const { renderYamlTo, renderYamlSecrets } = config.kubernetes;
  if (renderYamlTo === undefined || renderYamlSecrets) return;
  const secrets = objects.filter((o) => o.kind === 'Secret');
  if (secrets.length === 0) return;
  throw new StackConfigError(config.project, config.stack, [
    {
      key: 'kubernetes.renderYamlSecrets',
      message:
        `rendering to ${renderYamlTo} would write ${secrets.map((o) => `Secret ${o.metadata.namespace ?? ''}/${o.metadata.name}`).join(', ')} ` +
        'with its values in plain text; set kubernetes.renderYamlSecrets true to allow it',
    },
  ]);
}

/** Whether the environment's objects are protected from deletion (`pulumi destroy`). */
export function protectedKinds(environment: Environment): ReadonlySet<string> {
  return environment.name === 'prod' ? new Set(['Namespace', 'StatefulSet']) : new Set();
}

/** The image the stack deploys. */
interface DeployedImage {
  readonly ref: pulumi.Output<string>;
  readonly digest: pulumi.Output<string>;
}

/**
 * Build mode: builds and pushes the image (the docker-build package and its plugin are loaded
 * only here). Prebuilt mode: the configured `repository@sha256:...`, nothing registered.
 */
async function deployedImage(
  config: StackConfig,
  environment: Environment,
): Promise<DeployedImage> {
  if (config.image.mode === 'prebuilt') {
    const { reference, digest, verify } = config.image;
    if (verify) {
      const { verifiedPrebuilt } = await import('./image/verify-prebuilt');
      const ref = verifiedPrebuilt(reference, digest);
      return { ref, digest: ref.apply(() => digest) };
    }
    return {
      ref: pulumi.output(config.image.reference),
      digest: pulumi.output(config.image.digest),
    };
  }
  const { UserServiceImage } = await import('./image/user-service-image');
  return new UserServiceImage('user-service', {
    repository: config.image.repository ?? environment.image.repository,
    version: environment.version,
    context: SERVICE_DIR,
  });
}

/** What {@link deploy} registered. */
export interface DeployResult {
  readonly outputs: StackOutputs;
  readonly environment: UserServiceEnvironment;
}

/**
 * Deploys one stack: plans (see {@link planStack}), gets the image (built, or prebuilt), pins
 * it by digest in every pod template and registers the objects under one
 * {@link UserServiceEnvironment} with its own Kubernetes provider.
 */
export async function deploy(config: StackConfig): Promise<DeployResult> {
  const plan = planStack(config);
  const image = await deployedImage(config, plan.environment);
  const { objects } = pinImage(plan.objects, plan.chartImage, image.ref);
  const { context, kubeconfig, clusterIdentifier, renderYamlTo } = config.kubernetes;
  // Render-only: no context and no kubeconfig (an empty one, so the SDK does not fill in
  // $KUBECONFIG): the provider refuses either together with renderYamlToDirectory.
  const target =
    renderYamlTo === undefined
      ? {
          context,
          kubeconfig: kubeconfig === undefined ? undefined : pulumi.secret(kubeconfig),
        }
      : { kubeconfig: '', renderYamlToDirectory: renderYamlTo };
  const environment = new UserServiceEnvironment(`user-service-${plan.environment.name}`, {
    objects,
    protect: protectedKinds(plan.environment),
    provider: {
      ...target,
      clusterIdentifier,
      // Update ConfigMaps and Secrets in place, as `kubectl apply` of dist/ does; the
      // checksum annotation of the pod template rolls the pods when the settings change.
      enableConfigMapMutable: true,
      enableSecretMutable: true,
    },
  });
  return {
    environment,
    outputs: {
      environment: plan.environment.name,
      imageRef: image.ref,
      imageDigest: image.digest,
      namespace: plan.environment.namespace,
      grpcAddress: plan.grpcAddress,
      httpAddress: plan.httpAddress,
      ...(renderYamlTo === undefined ? {} : { renderedTo: renderYamlTo }),
    },
  };
}

/**
 * The Pulumi program: reads and validates the stack config, checks that the kubeconfig context
 * exists (so `pulumi preview` fails as `up` would), deploys, returns the outputs.
 */
export async function run(): Promise<StackOutputs> {
  const config = loadStackConfig();
  checkKubernetesTarget(config, process.env);
  const result = await deploy(config);
  return result.outputs;
}

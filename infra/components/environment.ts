import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../../charts/synth/render';
import { creationOrder, dependencies } from '../kubernetes/dependencies';
import { resourceFactoryFor, type ResourceFactory } from '../kubernetes/kinds';
import { resourceName } from '../kubernetes/objects';

/** Props of {@link UserServiceEnvironment}. */
export interface UserServiceEnvironmentProps {
  /**
   * The objects to deploy: the charts' objects of the environment, with the image pinned and
   * each ExternalSecret replaced by a Secret (see ../program.ts). Values may be Outputs.
   */
  readonly objects: readonly KubeObject[];
  /**
   * Settings of this environment's own Kubernetes provider. Server-side apply is always on.
   */
  readonly provider: Omit<k8s.ProviderArgs, 'enableServerSideApply'>;
  /**
   * Kinds registered with `protect: true` (prod: the Namespace, whose deletion takes every
   * object and volume claim with it, and the StatefulSets). `pulumi destroy` then stops.
   * @default none
   */
  readonly protect?: ReadonlySet<string>;
}

/** One object to register: its resource name, class and what it waits for. */
export interface PlannedResource {
  readonly name: string;
  readonly object: KubeObject;
  readonly create: ResourceFactory;
  readonly waitsFor: readonly string[];
}

/**
 * The resources for the objects, in creation order. Throws (before anything is registered)
 * for a kind without a resource class, a duplicate name or a dependency cycle.
 */
export function planResources(objects: readonly KubeObject[]): PlannedResource[] {
  const byName = new Map(objects.map((o) => [resourceName(o), o]));
  const waits = dependencies(objects);
  return creationOrder(waits).flatMap((name) => {
    const object = byName.get(name);
    if (object === undefined) return [];
    return [{ name, object, create: resourceFactoryFor(object), waitsFor: waits.get(name) ?? [] }];
  });
}

/** The Pulumi type of {@link UserServiceEnvironment}. */
export const ENVIRONMENT_TYPE = 'user-service:platform:Environment';

/**
 * One environment of the user service in one cluster: an explicit Kubernetes provider (never
 * the ambient default one) and one child resource per object, named `<kind>-<name>` like its
 * dist/ file, so URNs read `...Environment$kubernetes:apps/v1:Deployment::deployment-user-service`.
 * Children wait for what they need (Namespace first, settings before workloads, the workload
 * before its autoscaler); see ../kubernetes/dependencies.ts.
 */
export class UserServiceEnvironment extends pulumi.ComponentResource {
  /** The provider every child uses. */
  readonly provider: k8s.Provider;
  /** The child resources by name (`deployment-user-service`, ...), in creation order. */
  readonly resources: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(
    name: string,
    props: UserServiceEnvironmentProps,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    const planned = planResources(props.objects);
    super(ENVIRONMENT_TYPE, name, {}, opts);
    this.provider = new k8s.Provider(
      'kubernetes',
      { ...props.provider, enableServerSideApply: true },
      { parent: this },
    );
    const resources = new Map<string, pulumi.CustomResource>();
    for (const { name: child, object, create, waitsFor } of planned) {
      const dependsOn = waitsFor.flatMap((d) => resources.get(d) ?? []);
      resources.set(
        child,
        create(child, object, {
          parent: this,
          provider: this.provider,
          dependsOn,
          ...(props.protect?.has(object.kind) === true ? { protect: true } : {}),
        }),
      );
    }
    this.resources = resources;
    this.registerOutputs({ resources: [...resources.keys()] });
  }
}

import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { KubeObject } from '../../charts/synth/render';
import { describeObject } from './objects';

/** Registers one object as a Pulumi resource. */
export type ResourceFactory = (
  name: string,
  object: KubeObject,
  opts: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

type TypedResource<Args> = new (
  name: string,
  args: Args,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/**
 * A factory for a typed resource class. The object goes in as the class's args: each class
 * copies the fields of its kind (metadata, spec, data, ...), so the tests compare what is
 * registered with what synth writes to catch any field a class would drop.
 */
function typed<Args>(resource: TypedResource<Args>): ResourceFactory {
  return (name, object, opts) => new resource(name, object as Args, opts);
}

/**
 * The typed resource class of each `apiVersion/kind` the charts can produce. Typed classes give
 * the provider's own type tokens (URNs like `kubernetes:apps/v1:Deployment`), its await logic and
 * its secret handling of Secret data. Kinds of API groups outside Kubernetes (custom resources)
 * fall back to CustomResource; an unknown built-in kind is an error, to be added here.
 */
export const RESOURCE_FACTORIES: Readonly<Record<string, ResourceFactory>> = {
  'v1/Namespace': typed(k8s.core.v1.Namespace),
  'v1/ServiceAccount': typed(k8s.core.v1.ServiceAccount),
  'v1/ConfigMap': typed(k8s.core.v1.ConfigMap),
  'v1/Secret': typed(k8s.core.v1.Secret),
  'v1/Service': typed(k8s.core.v1.Service),
  'v1/PersistentVolumeClaim': typed(k8s.core.v1.PersistentVolumeClaim),
  'apps/v1/Deployment': typed(k8s.apps.v1.Deployment),
  'apps/v1/StatefulSet': typed(k8s.apps.v1.StatefulSet),
  'apps/v1/DaemonSet': typed(k8s.apps.v1.DaemonSet),
  'batch/v1/Job': typed(k8s.batch.v1.Job),
  'batch/v1/CronJob': typed(k8s.batch.v1.CronJob),
  'autoscaling/v2/HorizontalPodAutoscaler': typed(k8s.autoscaling.v2.HorizontalPodAutoscaler),
  'policy/v1/PodDisruptionBudget': typed(k8s.policy.v1.PodDisruptionBudget),
  'networking.k8s.io/v1/NetworkPolicy': typed(k8s.networking.v1.NetworkPolicy),
  'rbac.authorization.k8s.io/v1/Role': typed(k8s.rbac.v1.Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': typed(k8s.rbac.v1.RoleBinding),
  // Gateway API: a CRD although its group ends in .k8s.io (no typed class in the provider).
  'gateway.networking.k8s.io/v1/HTTPRoute': (name, object, opts) =>
    new k8s.apiextensions.CustomResource(name, object, opts),
};

const customResource: ResourceFactory = (name, object, opts) =>
  new k8s.apiextensions.CustomResource(name, object, opts);

/** True for API groups served by Kubernetes itself: core (no group) and `*.k8s.io` or dotless. */
function isBuiltInGroup(apiVersion: string): boolean {
  if (!apiVersion.includes('/')) return true;
  const group = apiVersion.split('/')[0] ?? '';
  return !group.includes('.') || group.endsWith('.k8s.io');
}

/** The factory for an object; throws for a built-in kind that has no entry above. */
export function resourceFactoryFor(object: KubeObject): ResourceFactory {
  const factory = RESOURCE_FACTORIES[`${object.apiVersion}/${object.kind}`];
  if (factory !== undefined) return factory;
  if (!isBuiltInGroup(object.apiVersion)) return customResource;
  throw new Error(
    `${describeObject(object)}: no Pulumi resource class for ${object.apiVersion}/${object.kind}; ` +
      'add it to RESOURCE_FACTORIES in infra/kubernetes/kinds.ts',
  );
}

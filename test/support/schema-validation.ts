import Ajv from 'ajv';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { KubeObject } from '../../charts/synth/render';
import externalSecretSchema from './external-secret.schema.json';
import httpRouteSchema from './httproute.schema.json';
import podMonitorSchema from './podmonitor.schema.json';
import prometheusRuleSchema from './prometheusrule.schema.json';

interface Validatable {
  validate(): void;
}

/** Built-in kinds, validated by kubernetes-models (generated from the Kubernetes OpenAPI spec). */
const BUILT_IN: Record<string, (o: KubeObject) => Validatable> = {
  'v1/ConfigMap': (o) => new ConfigMap(o),
  'v1/Namespace': (o) => new Namespace(o),
  'v1/Service': (o) => new Service(o),
  'v1/ServiceAccount': (o) => new ServiceAccount(o),
  'apps/v1/Deployment': (o) => new Deployment(o),
  'apps/v1/StatefulSet': (o) => new StatefulSet(o),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) => new HorizontalPodAutoscaler(o),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o),
  'rbac.authorization.k8s.io/v1/Role': (o) => new Role(o),
  'rbac.authorization.k8s.io/v1/RoleBinding': (o) => new RoleBinding(o as never),
};

const ajv = new Ajv({ allErrors: true, strict: true });
/** CRD-backed kinds: strict JSON schemas of the fields this project writes. */
const CUSTOM: Record<string, ReturnType<typeof ajv.compile>> = {
  'external-secrets.io/v1/ExternalSecret': ajv.compile(externalSecretSchema),
  'gateway.networking.k8s.io/v1/HTTPRoute': ajv.compile(httpRouteSchema),
  'monitoring.coreos.com/v1/PodMonitor': ajv.compile(podMonitorSchema),
  'monitoring.coreos.com/v1/PrometheusRule': ajv.compile(prometheusRuleSchema),
};

/** Schema errors of one object, or an empty list. An unknown kind is an error too. */
export function schemaErrors(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const builtIn = BUILT_IN[key];
  if (builtIn !== undefined) {
    try {
      builtIn(object).validate();
      return [];
    } catch (error) {
      return [String(error instanceof Error ? error.message : error)];
    }
  }
  const custom = CUSTOM[key];
  if (custom === undefined) return [`no schema for ${key}`];
  if (custom(object)) return [];
  return (custom.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** `Kind/name: error` for every schema error of these objects; empty when all are valid. */
export function invalidObjects(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((o) => schemaErrors(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`));
}

/**
 * Stack policies judge what the program declared, not what the API server defaulted: the
 * engine hands validateStack the live objects after `pulumi up` (issue 13: a live Deployment
 * under an HPA carries the server's `spec.replicas: 1`). The live objects here are built the way
 * the API server records them: server-side apply owns the declared fields (managedFields,
 * operation Apply), defaults belong to nobody, the HPA's scale writes to the controller.
 */
import { loadEnvironments } from '../../charts/config/load';
import { renderEnvironments } from '../../charts/synth/render';
import type { KubeObject } from '../../charts/synth/render';
import { appliedFields, declaredObject } from './declared';
import { runPolicies, type PolicyInput } from './in-process';

type Json = Record<string, unknown>;

/** The fieldsV1 set of a declared value, as server-side apply records it. */
function fieldsOf(value: unknown): Json {
  if (Array.isArray(value)) {
    const keyed = value.every(
      (item) => typeof item === 'object' && item !== null && 'name' in (item as Json),
    );
    if (!keyed) return {};
    return Object.fromEntries(
      value.map((item: Json) => [
        `k:${JSON.stringify({ name: item.name })}`,
        { '.': {}, ...fieldsOf(item) },
      ]),
    );
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value as Json).map(([k, v]) => [`f:${k}`, fieldsOf(v)]),
    );
  }
  return {};
}

/** Deep copy that also turns the values into plain JSON. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The live object the API server returns for a declared one: the declared fields owned by the
 * Kubernetes provider (Apply), `defaults` merged in (owned by nobody), and `controller` writes
 * recorded as an Update by kube-controller-manager (e.g. the HPA's replicas).
 */
function live(declared: KubeObject, defaults: Json = {}, controller?: Json): Json {
  const { apiVersion, kind, metadata, ...rest } = copy(declared) as Json & KubeObject;
  const applied = { metadata: { name: metadata.name, namespace: metadata.namespace }, ...rest };
  const merge = (a: Json, b: Json): Json => {
    const out: Json = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const left = out[k];
      out[k] =
        typeof left === 'object' && left !== null && !Array.isArray(left) && typeof v === 'object'
          ? merge(left as Json, v as Json)
          : v;
    }
    return out;
  };
  const declaredFields: Json = { ...(copy(declared) as Json) };
  delete declaredFields.apiVersion;
  delete declaredFields.kind;
  const managedFields: Json[] = [
    {
      manager: 'pulumi-kubernetes-7d8e6f1a',
      operation: 'Apply',
      apiVersion,
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsOf(declaredFields),
    },
  ];
  if (controller !== undefined) {
    managedFields.push({
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion,
      subresource: 'scale',
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsOf(controller),
    });
  }
  const object = merge(merge(applied, defaults), controller ?? {});
  return {
    apiVersion,
    kind,
    ...object,
    metadata: {
      ...(object.metadata as Json),
      ...metadata,
      uid: '6f1c2b9e-0000-4000-8000-000000000001',
      resourceVersion: '4711',
      generation: 2,
      managedFields,
    },
  };
}

const STACK = 'prod';
const PROJECT = 'user-service-platform';

function prodObjects(): KubeObject[] {
  const prod = renderEnvironments(loadEnvironments()).find((r) => r.environment.name === STACK);
  if (prod === undefined) throw new Error('no prod environment');
  return copy([...prod.objects]);
}

/** The server defaults this test adds to every object of a kind. */
function serverDefaults(object: KubeObject): Json {
  if (object.kind === 'Deployment') {
    return { spec: { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 } };
  }
  if (object.kind === 'StatefulSet') return { spec: { replicas: 1, revisionHistoryLimit: 10 } };
  if (object.kind === 'Service') return { spec: { clusterIP: '10.96.0.17', type: 'ClusterIP' } };
  return {};
}

/** The prod stack after `pulumi up`: inputs as declared, outputs as the server returns them. */
function afterUp(objects: readonly KubeObject[]): PolicyInput[] {
  return objects.map((object) => {
    const type = `kubernetes:${object.apiVersion.includes('/') ? '' : 'core/'}${object.apiVersion}:${object.kind}`;
    const name = `${object.kind.toLowerCase()}-${object.metadata.name}`;
    const scaledByHpa = object.kind === 'Deployment' && object.metadata.name === 'user-service';
    return {
      type,
      name,
      urn: `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`,
      inputs: copy(object),
      outputs: live(
        object,
        serverDefaults(object),
        scaledByHpa ? { spec: { replicas: 4 } } : undefined,
      ),
    };
  });
}

async function mandatory(resources: readonly PolicyInput[]): Promise<string[]> {
  return (await runPolicies(resources, { PULUMI_NODEJS_STACK: STACK }))
    .filter((v) => v.mandatory)
    .map((v) => `${v.policy}: ${v.message}`);
}

describe('stack policies after pulumi up (live outputs)', () => {
  it('pass the prod stack whose live Deployment has replicas from the server and the HPA', async () => {
    const resources = afterUp(prodObjects());
    const deployment = resources.find((r) => r.name === 'deployment-user-service');
    expect((deployment?.outputs?.spec as Json).replicas).toBe(4);
    expect(await mandatory(resources)).toEqual([]);
  });

  it('refuse a Deployment under an HPA whose program sets replicas', async () => {
    const objects = prodObjects();
    const deployment = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'user-service',
    );
    if (deployment === undefined) throw new Error('no Deployment');
    (deployment.spec as Json).replicas = 3;
    expect(await mandatory(afterUp(objects))).toEqual([
      expect.stringMatching(
        /^hpa-no-static-replicas: Deployment\/user-service .*spec\.replicas: spec\.replicas is \d+ but /,
      ),
    ]);
  });
});

describe('declaredObject', () => {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'web',
      namespace: 'ns',
      uid: 'u',
      managedFields: [
        {
          manager: 'pulumi-kubernetes-1',
          operation: 'Apply',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:ports': {
                'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:name': {} },
              },
              'f:selector': {},
            },
          },
        },
        {
          manager: 'kubectl',
          operation: 'Update',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:sessionAffinity': {} } },
        },
      ],
      labels: { app: 'web', 'added-by': 'someone' },
    },
    spec: {
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'extra', port: 81, protocol: 'TCP', targetPort: 81 },
      ],
      selector: { app: 'web' },
      sessionAffinity: 'None',
      clusterIP: '10.0.0.1',
      type: 'ClusterIP',
    },
  };

  it('keeps only what Apply managers own: keyed list items, whole leaves, identity', () => {
    expect(declaredObject(service)).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
      spec: {
        ports: [{ name: 'http', port: 80 }],
        selector: { app: 'web' },
      },
    });
  });

  it('keeps set items (v:) and unions several Apply managers', () => {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'np',
        managedFields: [
          {
            operation: 'Apply',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:policyTypes': { 'v:"Egress"': {} } } },
          },
          {
            operation: 'Apply',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:podSelector': {} } },
          },
        ],
      },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    };
    expect(declaredObject(policy).spec).toEqual({ podSelector: {}, policyTypes: ['Egress'] });
    expect(appliedFields(policy)).toEqual({
      'f:spec': { 'f:policyTypes': { 'v:"Egress"': {} }, 'f:podSelector': {} },
    });
  });

  it('leaves objects without managedFields (preview of a create) as they are', () => {
    const metadata: Json = { ...service.metadata };
    delete metadata.managedFields;
    const plain = { ...service, metadata };
    expect(declaredObject(plain)).toBe(plain);
  });
});

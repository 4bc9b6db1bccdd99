/**
 * The policy pack under Pulumi's mocks: the chart objects are registered as the infra program
 * registers them (infra/kubernetes/kinds.ts), and the pack's validations judge the inputs the
 * engine received, exactly as `pulumi preview --policy-pack policies` hands them over.
 */
import * as pulumi from '@pulumi/pulumi';
import type { StackValidationPolicy } from '@pulumi/policy';
import { loadEnvironments } from '../../charts/config/load';
import { renderEnvironments } from '../../charts/synth/render';
import { resourceFactoryFor } from '../../infra/kubernetes/kinds';
import type { KubeObject } from '../../charts/synth/render';
import { RULES } from '../rules';
import { pulumiPolicies, stackEnvironment } from './policies';
import { kindOfType, toKubeObject } from './resources';
import { runPolicies, stackArgs } from './in-process';

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
}

const STACK = 'prod';
const PROJECT = 'user-service-platform';
let registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({
          type: args.type,
          name: args.name,
          urn: `urn:pulumi:${STACK}::${PROJECT}::${args.type}::${args.name}`,
          inputs: args.inputs as Record<string, unknown>,
        });
        return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    PROJECT,
    STACK,
    false,
  );
});

const prodObjects = (): KubeObject[] => {
  const prod = renderEnvironments(loadEnvironments()).find((r) => r.environment.name === 'prod');
  if (prod === undefined) throw new Error('no prod environment');
  // A JSON copy, not structuredClone: under jest that returns arrays of another realm, which
  // Pulumi's serializer (instanceof Array) would send as objects.
  return JSON.parse(JSON.stringify(prod.objects)) as KubeObject[];
};

/** Registers the objects as Pulumi resources (mocked engine) and returns what it received. */
async function register(objects: readonly KubeObject[]): Promise<Registered[]> {
  registered = [];
  const resources = objects.map((o) =>
    resourceFactoryFor(o)(`${o.kind.toLowerCase()}-${o.metadata.name}`, o, {}),
  );
  await Promise.all(
    resources.map(
      (r) =>
        new Promise<void>((resolve) => {
          r.urn.apply(() => {
            resolve();
          });
        }),
    ),
  );
  return registered;
}

/** Runs every policy of the pack over the registrations: `policy-name: message` lines. */
async function violations(
  regs: readonly Registered[],
  env: NodeJS.ProcessEnv = { PULUMI_NODEJS_STACK: STACK },
): Promise<string[]> {
  return (await runPolicies(regs, env))
    .map((v) => `${v.policy}: ${v.message}${v.urn === undefined ? '' : ` @ ${v.urn}`}`)
    .filter((line) => !line.startsWith('policy-exemptions:'));
}

const deploymentOf = (objects: KubeObject[]) => {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'user-service');
  if (d === undefined) throw new Error('no user-service Deployment');
  return d as KubeObject & {
    spec: { replicas?: number; template: { spec: { containers: Record<string, unknown>[] } } };
  };
};

describe('the Pulumi policy pack', () => {
  it('has one policy per rule (mandatory for errors, advisory for warnings) and the exemption list', () => {
    const policies = pulumiPolicies({});
    expect(policies.map((p) => p.name)).toEqual([...RULES.map((r) => r.id), 'policy-exemptions']);
    for (const rule of RULES) {
      const policy = policies.find((p) => p.name === rule.id);
      expect(policy?.enforcementLevel).toBe(rule.severity === 'error' ? 'mandatory' : 'advisory');
      expect('validateStack' in (policy ?? {})).toBe(rule.scope === 'set');
    }
  });

  it('accepts the prod stack as the infra program registers it', async () => {
    const regs = await register(prodObjects());
    expect(regs.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        'kubernetes:core/v1:Namespace',
        'kubernetes:apps/v1:Deployment',
        'kubernetes:autoscaling/v2:HorizontalPodAutoscaler',
        'kubernetes:external-secrets.io/v1:ExternalSecret',
      ]),
    );
    expect(await violations(regs)).toEqual([]);
  });

  it('rejects a privileged container through validateResource, naming the field', async () => {
    const objects = prodObjects();
    const container = deploymentOf(objects).spec.template.spec.containers[0] ?? {};
    container.securityContext = { ...(container.securityContext as object), privileged: true };
    expect(await violations(await register(objects))).toEqual([
      expect.stringMatching(
        /^pss-privileged: Deployment\/user-service \(user-service-prod\) spec\.template\.spec\.containers\[0\]\.securityContext\.privileged: container "user-service" is privileged\. Fix: /,
      ),
    ]);
  });

  it('rejects spec.replicas under the HPA through validateStack, with the resource URN', async () => {
    const objects = prodObjects();
    deploymentOf(objects).spec.replicas = 3;
    expect(await violations(await register(objects))).toEqual([
      expect.stringMatching(
        /^hpa-no-static-replicas: Deployment\/user-service .*spec\.replicas: .* @ urn:pulumi:prod::user-service-platform::kubernetes:apps\/v1:Deployment::deployment-user-service$/,
      ),
    ]);
  });

  it('allows a Secret with data on the Pulumi path, and judges tag-only images by the stack', async () => {
    const objects = prodObjects();
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'user-service-secrets',
        namespace: 'user-service-prod',
        labels: { 'app.kubernetes.io/name': 'user-service' },
      },
      stringData: { DB_PASSWORD: 'from encrypted stack config' },
    });
    const container = deploymentOf(objects).spec.template.spec.containers[0] ?? {};
    container.image = 'registry.example.com/platform/user-service:1.0.0';
    const regs = await register(objects);
    expect(await violations(regs)).toEqual([expect.stringMatching(/^image-digest: Deployment/)]);
    expect(
      await violations(regs, { POLICY_ENVIRONMENT: 'dev', PULUMI_NODEJS_STACK: 'prod' }),
    ).toEqual([]);
  });

  it('lists exemptions with their reasons', async () => {
    const objects = prodObjects();
    const deployment = deploymentOf(objects) as unknown as { metadata: Record<string, unknown> };
    deployment.metadata.annotations = {
      'exempt.user-platform.example.com/pss-run-as-user': 'no finding expected, reason listed',
    };
    const listed: string[] = [];
    const policy = pulumiPolicies({}).find(
      (p) => p.name === 'policy-exemptions',
    ) as StackValidationPolicy;
    await policy.validateStack(stackArgs(await register(objects)), (message) => {
      listed.push(message);
    });
    expect(listed).toEqual([
      'exempt from pss-run-as-user: Deployment/user-service (user-service-prod): no finding expected, reason listed (waives 0)',
    ]);
  });
});

describe('resource and environment mapping', () => {
  it.each([
    ['kubernetes:core/v1:Namespace', { apiVersion: 'v1', kind: 'Namespace' }],
    ['kubernetes:apps/v1:Deployment', { apiVersion: 'apps/v1', kind: 'Deployment' }],
    [
      'kubernetes:networking.k8s.io/v1:NetworkPolicy',
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
    ],
    ['kubernetes:apps/v1:DeploymentPatch', undefined],
    ['kubernetes:core/v1:ConfigMapList', undefined],
    ['kubernetes:yaml/v2:ConfigGroup', undefined],
    ['kubernetes:helm.sh/v4:Chart', undefined],
    ['pulumi:providers:kubernetes', undefined],
    ['docker-build:index:Image', undefined],
  ])('%s', (type, expected) => {
    expect(kindOfType(type)).toEqual(expected);
  });

  it('names an object Pulumi auto-names after its resource', () => {
    expect(
      toKubeObject('kubernetes:core/v1:ConfigMap', { metadata: { namespace: 'ns' } }, 'cm')
        ?.metadata,
    ).toEqual({ namespace: 'ns', name: 'cm' });
  });

  it('takes the environment from POLICY_ENVIRONMENT, else the stack name', () => {
    expect(stackEnvironment({ POLICY_ENVIRONMENT: 'staging', PULUMI_NODEJS_STACK: 'prod' })).toBe(
      'staging',
    );
    expect(stackEnvironment({ PULUMI_NODEJS_STACK: 'dev' })).toBe('dev');
    expect(stackEnvironment({ PULUMI_NODEJS_STACK: 'sandbox' })).toBeUndefined();
    expect(stackEnvironment({ POLICY_ENVIRONMENT: 'qa' })).toBeUndefined();
  });
});

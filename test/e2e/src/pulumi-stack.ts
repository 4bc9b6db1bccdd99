/**
 * The Pulumi path through the Automation API with an inline program (no language host binary
 * needed: this process serves the program). The program is the infra deploy function with the
 * stack config read and validated as `pulumi up` would.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  LocalWorkspace,
  type ConfigMap,
  type EngineEvent,
  type PolicyEvent,
  type Stack,
  type SummaryEvent,
} from '@pulumi/pulumi/automation';
import { loadStackConfig, REPOSITORY_ROOT } from '../../../infra/config/stack-config';
import { SECRET_NAMES, secretConfigKey } from '../../../infra/config/secret-sources';
import { deploy } from '../../../infra/program';

export const PROJECT = 'user-service-platform';
/** The policy pack folder (`pulumi preview --policy-pack policies`). */
export const POLICY_PACK_DIR = join(REPOSITORY_ROOT, 'policies');
/** policies/PulumiPolicy.yaml's pack name (policies/package.json `name`). */
export const POLICY_PACK_NAME = 'user-platform-policies';
export const IMAGE_REPOSITORY = 'registry.example.com/platform/user-service';

/** `registry.example.com/platform/user-service@sha256:<64 hex>` made of one repeated hex digit. */
export function imageRef(hexDigit: string, repository = IMAGE_REPOSITORY): string {
  return `${repository}@sha256:${hexDigit.repeat(64)}`;
}

/** The stack config: environment, the harness kubeconfig, a prebuilt image and every secret. */
export function stackConfig(environment: string, kubeconfig: string, image: string): ConfigMap {
  const config: ConfigMap = {
    [`${PROJECT}:environment`]: { value: environment },
    [`${PROJECT}:kubernetes.kubeconfig`]: { value: kubeconfig },
    [`${PROJECT}:image.prebuilt`]: { value: image },
  };
  for (const name of SECRET_NAMES) {
    config[`${PROJECT}:${secretConfigKey(name)}`] = { value: `e2e-${name}-value`, secret: true };
  }
  return config;
}

/** Creates (or selects) the stack in a local file backend under `stateDir`. */
export async function openStack(stackName: string, stateDir: string): Promise<Stack> {
  mkdirSync(join(stateDir, 'state'), { recursive: true });
  const backend = `file://${join(stateDir, 'state')}`;
  const program = async () => (await deploy(loadStackConfig())).outputs;
  return LocalWorkspace.createOrSelectStack(
    { stackName, projectName: PROJECT, program },
    {
      workDir: stateDir,
      projectSettings: { name: PROJECT, runtime: 'nodejs', backend: { url: backend } },
      envVars: { PULUMI_BACKEND_URL: backend },
    },
  );
}

/** The Kubernetes resource of one engine event (type, URN and inputs of a preview step). */
export interface PreviewedResource {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** What a preview reported: resources, policy violations, the policy packs that ran. */
export interface PreviewRecord {
  readonly onEvent: (event: EngineEvent) => void;
  readonly resources: PreviewedResource[];
  readonly violations: PolicyEvent[];
  /** Pack name → version, from the summary event (empty when no pack ran). */
  readonly policyPacks: Map<string, string>;
}

/** Collects the resources a preview would create or update, its policy events and packs. */
export function previewCollector(): PreviewRecord {
  const resources: PreviewedResource[] = [];
  const violations: PolicyEvent[] = [];
  const policyPacks = new Map<string, string>();
  const onEvent = (event: EngineEvent) => {
    if (event.policyEvent !== undefined) violations.push(event.policyEvent);
    // CLI 3.248 sends the field as `PolicyPacks` (Go's name; the TS type says `policyPacks`),
    // keyed `<name>|local|<path>` for a local pack.
    const summary: (SummaryEvent & { PolicyPacks?: Record<string, string> }) | undefined =
      event.summaryEvent;
    for (const [key, version] of Object.entries(summary?.PolicyPacks ?? summary?.policyPacks ?? {}))
      policyPacks.set(key.split('|')[0] ?? key, version);
    const step = event.resourcePreEvent?.metadata;
    const state = step?.new;
    if (step === undefined || state === undefined || !state.type.startsWith('kubernetes:')) return;
    resources.push({
      type: state.type,
      urn: state.urn,
      name: state.urn.split('::').at(-1) ?? state.urn,
      inputs: state.inputs as Record<string, unknown>,
    });
  };
  return { onEvent, resources, violations, policyPacks };
}

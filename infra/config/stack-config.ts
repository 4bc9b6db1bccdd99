import * as pulumi from '@pulumi/pulumi';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import {
  ENVIRONMENT_NAMES,
  environmentSchema,
  type EnvironmentName,
} from '../../charts/config/schema';
import {
  SECRET_NAMES,
  secretConfigKey,
  type SecretConfigKey,
  type SecretName,
} from './secret-sources';

/** Validators of the charts' image settings, reused so both paths accept the same strings. */
const imageFields = environmentSchema.shape.image.shape;
const PREBUILT_PATTERN = /^(?<repository>[^@]+)@(?<digest>sha256:[a-f0-9]{64})$/;

/** Not blank. Values are kept as given (never trimmed: they may be passwords). */
const nonEmpty = z.string().refine((value) => value.trim().length > 0, 'must not be empty');

const prebuiltReference = z
  .string()
  .regex(PREBUILT_PATTERN, 'must be "<registry>/<repository>@sha256:<64 hex digits>"')
  .refine((ref) => imageFields.repository.safeParse(ref.split('@')[0]).success, {
    message:
      'the part before "@" must be an image repository such as "registry.example.com/team/app"',
  });

const secretsShape = Object.fromEntries(
  SECRET_NAMES.map((name) => [secretConfigKey(name), nonEmpty.optional()]),
) as Record<SecretConfigKey, z.ZodOptional<typeof nonEmpty>>;

const flag = z.enum(['true', 'false'], { error: 'must be true or false' });

const kubeconfig = nonEmpty.refine((value) => value.includes('\n') || isAbsolute(value), {
  message: 'must be an absolute path to a kubeconfig file, or the kubeconfig YAML itself',
});

/**
 * Every config key of the project, flat (`pulumi config set image.prebuilt ...`, no `--path`).
 * Unknown keys are refused, so a typo never silently falls back to a default.
 */
const rawConfigSchema = z.strictObject({
  /** Which environment of charts/config/environments.ts this stack deploys. */
  environment: z.enum(ENVIRONMENT_NAMES, {
    error: (issue) =>
      issue.input === undefined
        ? `required: one of ${ENVIRONMENT_NAMES.join(', ')}`
        : `must be one of ${ENVIRONMENT_NAMES.join(', ')}`,
  }),
  /** kubeconfig context to deploy to. */
  'kubernetes.context': nonEmpty.optional(),
  /** Absolute path to a kubeconfig file, or its YAML content (then set it with --secret). */
  'kubernetes.kubeconfig': kubeconfig.optional(),
  /** Identity of the target cluster: the provider is replaced only when this changes. */
  'kubernetes.clusterIdentifier': nonEmpty.optional(),
  /** Render YAML to this folder instead of applying (absolute, or relative to the repository). */
  'kubernetes.renderYamlTo': nonEmpty.optional(),
  /**
   * With renderYamlTo: write the Secrets built from the stack secrets, values in plain text.
   * @default false: the ExternalSecrets are rendered as the charts make them, no Secret
   */
  'kubernetes.renderYamlSecrets': flag.optional(),
  /** Where build mode pushes the image. @default the environment's image.repository */
  'image.repository': imageFields.repository.optional(),
  /** Deploy this `repository@sha256:...` and build nothing (what CI pipelines do). */
  'image.prebuilt': prebuiltReference.optional(),
  /** Ask the registry for image.prebuilt (docker.getRegistryImage) and stop unless it is there. */
  'image.verifyPrebuilt': flag.optional(),
  /** The stack secrets (./secret-sources.ts), each set with `pulumi config set --secret`. */
  ...secretsShape,
});

/** At least one of these says where the objects go. */
const TARGET_KEYS = ['kubernetes.context', 'kubernetes.kubeconfig', 'kubernetes.renderYamlTo'];

type RawConfig = z.infer<typeof rawConfigSchema>;

/** How the stack gets its image. */
export type ImageSource =
  | {
      readonly mode: 'build';
      /** Registry and repository to push to. @default the environment's image.repository */
      readonly repository?: string;
    }
  | {
      readonly mode: 'prebuilt';
      /** `repository@sha256:...`, deployed as is. */
      readonly reference: string;
      readonly repository: string;
      readonly digest: string;
      /** Check in the registry that the digest exists before deploying it. */
      readonly verify: boolean;
    };

/** Where the explicit Kubernetes provider points. */
export interface KubernetesTarget {
  /** kubeconfig context. @default the kubeconfig's current context */
  readonly context?: string;
  /** Path or content of a kubeconfig. @default $KUBECONFIG or ~/.kube/config */
  readonly kubeconfig?: string;
  /** Provider replacement happens only when this changes. */
  readonly clusterIdentifier: string;
  /** Absolute folder to render YAML to instead of applying. @default apply to the cluster */
  readonly renderYamlTo?: string;
  /** Render Secrets (plain text) instead of the ExternalSecrets. @default false */
  readonly renderYamlSecrets: boolean;
}

/** The validated configuration of one stack. */
export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  readonly environment: EnvironmentName;
  readonly kubernetes: KubernetesTarget;
  readonly image: ImageSource;
  /** Secret values by name, already marked secret. */
  readonly secrets: Readonly<Partial<Record<SecretName, pulumi.Output<string>>>>;
}

/** One bad config key. */
export interface ConfigIssue {
  /** The key without the project namespace, e.g. `image.prebuilt`. */
  readonly key: string;
  readonly message: string;
}

/** Bad stack configuration, raised before any resource is registered. */
export class StackConfigError extends pulumi.RunError {
  constructor(
    readonly project: string,
    readonly stackName: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `stack ${stackName}: invalid configuration:\n` +
        issues.map((i) => `  - ${project}:${i.key}: ${i.message}`).join('\n') +
        '\nSet values with `pulumi config set <key> <value>` and secrets with ' +
        '`pulumi config set --secret <key>` (README.md, "Deploy with Pulumi").',
    );
    this.name = 'StackConfigError';
  }
}

function toIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          key,
          message: `unknown key (known: ${Object.keys(rawConfigSchema.shape).join(', ')})`,
        }))
      : [{ key: issue.path.map(String).join('.') || '(root)', message: issue.message }],
  );
}

/** Where the stack gets its image, from the validated raw config. */
function imageSource(raw: RawConfig): ImageSource {
  const prebuilt = raw['image.prebuilt'];
  if (prebuilt === undefined) return { mode: 'build', repository: raw['image.repository'] };
  const [repository = '', digest = ''] = prebuilt.split('@');
  const verify = raw['image.verifyPrebuilt'] === 'true';
  return { mode: 'prebuilt', reference: prebuilt, repository, digest, verify };
}

/** Options of {@link parseStackConfig}. */
export interface ParseStackConfigOptions {
  readonly project: string;
  readonly stack: string;
  /** Resolves a relative `kubernetes.renderYamlTo`. */
  readonly repositoryRoot: string;
}

/**
 * Validates the config of one stack: `values` maps `<project>:<key>` (as Pulumi passes it to
 * the program) to the string value. Keys of other namespaces (e.g. `kubernetes:`) are ignored.
 * Throws one {@link StackConfigError} listing every bad key.
 */
export function parseStackConfig(
  values: Readonly<Record<string, string>>,
  options: ParseStackConfigOptions,
): StackConfig {
  const prefix = `${options.project}:`;
  const own = Object.fromEntries(
    Object.entries(values)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  const parsed = rawConfigSchema.safeParse(own);
  const issues = parsed.success ? [] : toIssues(parsed.error);
  if (TARGET_KEYS.every((key) => own[key] === undefined)) {
    issues.push({
      key: 'kubernetes.context',
      message:
        'required: set kubernetes.context or kubernetes.kubeconfig (or kubernetes.renderYamlTo); ' +
        'the program never deploys to whatever cluster the ambient kubeconfig points at',
    });
  }
  if (own['image.verifyPrebuilt'] === 'true' && own['image.prebuilt'] === undefined) {
    issues.push({ key: 'image.verifyPrebuilt', message: 'only with image.prebuilt' });
  }
  if (
    own['kubernetes.renderYamlSecrets'] !== undefined &&
    own['kubernetes.renderYamlTo'] === undefined
  ) {
    issues.push({
      key: 'kubernetes.renderYamlSecrets',
      message: 'only with kubernetes.renderYamlTo',
    });
  }
  if (!parsed.success || issues.length > 0) {
    throw new StackConfigError(options.project, options.stack, issues);
  }
  const raw = parsed.data;
  const secrets: Partial<Record<SecretName, pulumi.Output<string>>> = {};
  const byKey: Readonly<Record<string, string | undefined>> = raw;
  for (const name of SECRET_NAMES) {
    const value = byKey[secretConfigKey(name)];
    if (value !== undefined) secrets[name] = pulumi.secret(value);
  }
  const renderYamlTo = raw['kubernetes.renderYamlTo'];
  const kubeconfigValue = raw['kubernetes.kubeconfig'];
  return {
    project: options.project,
    stack: options.stack,
    environment: raw.environment,
    kubernetes: {
      context: raw['kubernetes.context'],
      kubeconfig: kubeconfigValue,
      clusterIdentifier: raw['kubernetes.clusterIdentifier'] ?? `user-service-${raw.environment}`,
      renderYamlTo:
        renderYamlTo === undefined ? undefined : resolve(options.repositoryRoot, renderYamlTo),
      renderYamlSecrets: raw['kubernetes.renderYamlSecrets'] === 'true',
    },
    image: imageSource(raw),
    secrets,
  };
}

/** The repository root (where Pulumi.yaml lives); the program itself runs in infra/. */
export const REPOSITORY_ROOT = resolve(__dirname, '..', '..');

/** Reads and validates the config of the running stack (see {@link parseStackConfig}). */
export function loadStackConfig(): StackConfig {
  return parseStackConfig(pulumi.runtime.allConfig(), {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    repositoryRoot: REPOSITORY_ROOT,
  });
}

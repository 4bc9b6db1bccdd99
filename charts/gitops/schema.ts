import { z } from 'zod';
import { ENVIRONMENT_NAMES } from '../config/schema';

/** The placeholder of the environment name in path templates. */
export const ENV_PLACEHOLDER = '{env}';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 label (a-z, 0-9, "-")');

/** A Kubernetes duration as both Argo CD and Flux parse it (`30s`, `5m`, `1h30m`). */
const duration = z
  .string()
  .regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, 'must be a duration such as "30s", "5m" or "1h"');

/** A relative folder of the GitOps repository: no leading or trailing "/", no "." or "..". */
const relativeFolder = z
  .string()
  .regex(
    /^[A-Za-z0-9_{}][A-Za-z0-9_.{}-]*(\/[A-Za-z0-9_{}][A-Za-z0-9_.{}-]*)*$/,
    'must be a relative folder such as "apps/user-service" (no leading "/", no "..")',
  )
  .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), {
    message: 'must not contain "." or ".." segments',
  });

const clusterServer = z
  .string()
  .regex(/^https:\/\/[^\s/]+(\/\S*)?$/, 'must be an https:// API server URL');

/** Settings of the Argo CD objects (AppProject and ApplicationSet). */
const argocdSchema = z.strictObject({
  /** Namespace Argo CD runs in; its AppProject and ApplicationSet go there. */
  namespace: dnsLabel,
  /** The AppProject that confines the generated Applications. */
  project: dnsLabel,
  /** Sync automatically on every new commit (otherwise a person presses Sync). */
  automated: z.boolean(),
  /** Revert changes made in the cluster by hand (automated sync only). */
  selfHeal: z.boolean(),
  /** Failed syncs are retried `limit` times, waiting `backoff` (doubling) up to `maxBackoff`. */
  retry: z.strictObject({
    limit: z.number().int().min(0).max(20),
    backoff: duration,
    factor: z.number().int().min(1).max(10),
    maxBackoff: duration,
  }),
  /** API server of each environment's cluster (`https://kubernetes.default.svc`: Argo's own). */
  clusters: z.record(z.enum(ENVIRONMENT_NAMES), clusterServer),
});

/** Settings of the Flux objects (GitRepository and one Kustomization per environment). */
const fluxSchema = z.strictObject({
  /** Namespace of the Flux controllers; the GitRepository and Kustomizations go there. */
  namespace: dnsLabel,
  /** How often the source controller fetches the repository. */
  sourceInterval: duration,
  /** How often the kustomize controller re-applies (and detects drift). */
  interval: duration,
  /** How soon a failed apply or health check is retried. */
  retryInterval: duration,
  /** How long apply plus health checks may take before the reconciliation fails. */
  timeout: duration,
  /** Secret in the Flux namespace with credentials for a private repository; null: public. */
  secretRef: dnsLabel.nullable(),
  /** Flux Kustomizations (same namespace) that must be ready first, e.g. the external-secrets operator. */
  dependsOn: z.array(dnsLabel),
});

/** The validated GitOps settings. */
export const gitopsSettingsSchema = z
  .strictObject({
    /** The GitOps repository (https:// or ssh:// URL; Flux accepts no scp-like `git@host:path`). */
    repoURL: z
      .string()
      .regex(
        /^(https?|ssh):\/\/\S+$/,
        'must be an http(s):// or ssh:// URL (Flux rejects scp-like "git@host:path")',
      ),
    /** The branch the controllers follow and `gitops:publish` commits to. */
    branch: z
      .string()
      .regex(
        /^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
        'must be a branch name such as "main"',
      ),
    /** Folder of one environment in the GitOps repository; must contain "{env}". */
    envPath: relativeFolder.refine((p) => p.includes(ENV_PLACEHOLDER), {
      message: `must contain ${ENV_PLACEHOLDER}, e.g. "apps/user-service/${ENV_PLACEHOLDER}"`,
    }),
    /** Folder where `gitops:publish` writes the controller objects of dist/gitops/. */
    bootstrapPath: relativeFolder.refine((p) => !p.includes(ENV_PLACEHOLDER), {
      message: `must not contain ${ENV_PLACEHOLDER}`,
    }),
    /** Delete objects from the cluster when they disappear from the repository. */
    prune: z.boolean(),
    argocd: argocdSchema,
    flux: fluxSchema,
  })
  .superRefine((s, ctx) => {
    const probe = s.envPath.replaceAll(ENV_PLACEHOLDER, ENVIRONMENT_NAMES[0]);
    const inside = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
    if (inside(probe, s.bootstrapPath) || inside(s.bootstrapPath, probe)) {
      ctx.addIssue({
        code: 'custom',
        path: ['bootstrapPath'],
        message: `must not overlap the environment folders (${s.envPath})`,
      });
    }
  });

/** GitOps settings after validation. */
export type GitOpsSettings = z.infer<typeof gitopsSettingsSchema>;
/** GitOps settings as written in settings.ts (before validation). */
export type GitOpsSettingsInput = z.input<typeof gitopsSettingsSchema>;

/** Bad GitOps settings: the message names every field at fault. */
export class GitOpsSettingsError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid gitops settings:\n${issues.map((i) => `  - gitops: ${i}`).join('\n')}`);
    this.name = 'GitOpsSettingsError';
  }
}

/** Validates GitOps settings; throws {@link GitOpsSettingsError} naming each bad field. */
export function parseGitOpsSettings(input: unknown): GitOpsSettings {
  const parsed = gitopsSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new GitOpsSettingsError(
    parsed.error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`,
    ),
  );
}

/** The folder of one environment in the GitOps repository, e.g. `apps/user-service/prod`. */
export function environmentPath(settings: Pick<GitOpsSettings, 'envPath'>, env: string): string {
  return settings.envPath.replaceAll(ENV_PLACEHOLDER, env);
}

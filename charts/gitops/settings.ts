import type { GitOpsSettingsInput } from './schema';

const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * How a GitOps repository consumes the rendered manifests: where they live, which branch the
 * controllers follow, and how Argo CD and Flux sync them. Validated by ./schema.ts; `npm run
 * synth` writes dist/gitops/ from it and `npm run gitops:publish` uses the same layout.
 */
export const gitopsSettings: GitOpsSettingsInput = {
  repoURL: 'https://git.example.com/platform/gitops.git',
  branch: 'main',
  envPath: 'apps/user-service/{env}',
  bootstrapPath: 'bootstrap/user-service',
  prune: true,
  argocd: {
    namespace: 'argocd',
    project: 'user-service',
    automated: true,
    selfHeal: true,
    retry: { limit: 5, backoff: '10s', factor: 2, maxBackoff: '3m' },
    clusters: { dev: IN_CLUSTER, staging: IN_CLUSTER, prod: IN_CLUSTER },
  },
  flux: {
    namespace: 'flux-system',
    sourceInterval: '1m',
    interval: '10m',
    retryInterval: '1m',
    timeout: '5m',
    secretRef: null,
    dependsOn: [],
  },
};

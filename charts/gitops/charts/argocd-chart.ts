import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../../config/schema';
import { APP_NAME } from '../../model/contract';
import { ArgoAppProject } from '../constructs/argocd-app-project';
import { ArgoApplicationSet } from '../constructs/argocd-application-set';
import { deliveryLabels } from '../labels';
import { environmentPath, type GitOpsSettings } from '../schema';

/** Props of {@link ArgoCdChart}. */
export interface ArgoCdChartProps {
  /** Every environment (the ApplicationSet lists them all, whatever synth selected). */
  readonly environments: readonly Environment[];
  readonly settings: GitOpsSettings;
}

/** What Argo CD needs to sync every environment: an AppProject and an ApplicationSet. */
export class ArgoCdChart extends Chart {
  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { settings: s, environments } = props;
    const labels = deliveryLabels();
    const elements = environments.map((env) => ({
      env: env.name,
      path: environmentPath(s, env.name),
      server: s.argocd.clusters[env.name],
      namespace: env.namespace,
    }));
    const project = new ArgoAppProject(this, 'Project', {
      name: s.argocd.project,
      namespace: s.argocd.namespace,
      labels,
      sourceRepos: [s.repoURL],
      destinations: elements.map((e) => ({ server: e.server, namespace: e.namespace })),
    });
    new ArgoApplicationSet(this, 'ApplicationSet', {
      name: APP_NAME,
      namespace: s.argocd.namespace,
      labels,
      project: project.name,
      repoURL: s.repoURL,
      targetRevision: s.branch,
      elements,
      prune: s.prune,
      automated: s.argocd.automated,
      selfHeal: s.argocd.selfHeal,
      retry: s.argocd.retry,
    });
  }
}

import { App } from 'cdk8s';
import type { Environment } from '../config/schema';
import { UserServiceChart } from '../charts/user-service-chart';

/** A Kubernetes object as plain JSON, the form both delivery paths consume. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

/** The objects of one environment. */
export interface RenderedEnvironment {
  readonly environment: Environment;
  readonly objects: readonly KubeObject[];
}

/** Builds the chart of each environment and returns its objects in a stable order. */
export function renderEnvironments(environments: readonly Environment[]): RenderedEnvironment[] {
  const app = new App({ outdir: 'unused' });
  const charts = environments.map(
    (environment) => new UserServiceChart(app, environment.name, { environment }),
  );
  return charts.map((chart) => ({
    environment: chart.environment,
    objects: chart.toJson() as KubeObject[],
  }));
}

/** The objects of one environment (what the Pulumi program deploys). */
export function renderEnvironment(environment: Environment): readonly KubeObject[] {
  const [rendered] = renderEnvironments([environment]);
  if (rendered === undefined) throw new Error('unreachable: one environment in, one out');
  return rendered.objects;
}

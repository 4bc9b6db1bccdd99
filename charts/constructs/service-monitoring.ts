import { Construct } from 'constructs';
import type { Environment } from '../config/schema';
import { APP_NAME, NAMES, PORT_NAMES } from '../model/contract';
import { dashboardJson } from '../model/dashboard';
import { componentLabels } from '../model/labels';
import { alertRuleGroups } from '../model/slo-rules';
import { GrafanaDashboard } from './grafana-dashboard';
import { PodMonitor, type PodMetricsEndpoint } from './pod-monitor';
import { PrometheusRule } from './prometheus-rule';
import { userServiceSelector } from './user-service';

/**
 * A further scrape target of the environment (the collector's own telemetry, Consul), as the
 * workload's construct describes it: its PodMonitor carries the workload's own labels.
 */
export interface ScrapeTarget {
  /** Name of the PodMonitor. */
  readonly name: string;
  /** Labels of the PodMonitor (the workload's); the release label is added. */
  readonly labels: Record<string, string>;
  /** Labels of the pods to scrape. */
  readonly selector: Record<string, string>;
  readonly endpoint: Omit<PodMetricsEndpoint, 'interval'>;
}

/** Props of {@link ServiceMonitoring}. */
export interface ServiceMonitoringProps {
  readonly environment: Environment;
  /** @default none: only the user service is scraped */
  readonly extraTargets?: readonly ScrapeTarget[];
}

/**
 * What the Prometheus Operator and Grafana pick up for an environment where monitoring is on:
 * a PodMonitor per scraped workload (the service's `metrics` port and any extra target), the
 * PrometheusRule generated from the SLO settings, and the dashboard ConfigMap.
 */
export class ServiceMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    const env = props.environment;
    const m = env.monitoring;
    const namespace = env.namespace;
    const labels = {
      ...componentLabels({ version: env.version, component: 'monitoring' }),
      release: m.releaseLabel,
    };
    new PodMonitor(this, 'PodMonitor', {
      name: NAMES.podMonitor,
      namespace,
      labels,
      selector: userServiceSelector(),
      endpoints: [{ port: PORT_NAMES.metrics, path: '/metrics', interval: m.scrapeInterval }],
    });
    for (const t of props.extraTargets ?? []) {
      new PodMonitor(this, `PodMonitor-${t.name}`, {
        name: t.name,
        namespace,
        labels: { ...t.labels, release: m.releaseLabel },
        selector: t.selector,
        endpoints: [{ ...t.endpoint, interval: m.scrapeInterval }],
      });
    }
    new PrometheusRule(this, 'PrometheusRule', {
      name: NAMES.prometheusRule,
      namespace,
      labels,
      groups: alertRuleGroups(env),
    });
    new GrafanaDashboard(this, 'Dashboard', {
      name: NAMES.dashboard,
      namespace,
      labels,
      fileName: `${APP_NAME}.json`,
      dashboard: dashboardJson('user-service', APP_NAME),
    });
  }
}

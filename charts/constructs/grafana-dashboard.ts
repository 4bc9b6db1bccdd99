import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** The label Grafana's dashboard sidecar (kube-prometheus-stack default) looks for. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

/** Props of {@link GrafanaDashboard}. */
export interface GrafanaDashboardProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  /** File name in the ConfigMap (`<name>.json`). */
  readonly fileName: string;
  readonly dashboard: Record<string, unknown>;
}

/** A ConfigMap holding one dashboard, labelled for Grafana's sidecar to load it. */
export class GrafanaDashboard extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels, ...GRAFANA_DASHBOARD_LABEL },
      },
      data: { [props.fileName]: `${JSON.stringify(props.dashboard, null, 2)}\n` },
    });
  }
}

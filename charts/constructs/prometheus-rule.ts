import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RuleGroup } from '../model/slo-rules';
import { MONITORING_API_VERSION } from './pod-monitor';

/** Props of {@link PrometheusRule}. */
export interface PrometheusRuleProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly groups: readonly RuleGroup[];
}

/**
 * A PrometheusRule (monitoring.coreos.com/v1) with alerting rule groups. Every alert must carry
 * a severity label and summary and runbook_url annotations (checked here, and by promtool in CI).
 */
export class PrometheusRule extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusRuleProps) {
    super(scope, id);
    for (const group of props.groups) {
      for (const rule of group.rules) {
        if (
          rule.annotations.summary === '' ||
          !rule.annotations.runbook_url.startsWith('https://')
        ) {
          throw new Error(
            `PrometheusRule ${props.name}: alert ${rule.alert} lacks a summary or runbook`,
          );
        }
      }
    }
    new ApiObject(this, 'Resource', {
      apiVersion: MONITORING_API_VERSION,
      kind: 'PrometheusRule',
      metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
      spec: {
        groups: props.groups.map((g) => ({
          name: g.name,
          rules: g.rules.map((r) => ({
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { ...r.labels },
            annotations: { ...r.annotations },
          })),
        })),
      },
    });
  }
}

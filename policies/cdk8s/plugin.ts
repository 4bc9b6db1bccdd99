/**
 * The cdk8s validation plugin: `cdk8s synth` loads it through cdk8s.yaml `validations:` and
 * fails (exit 2) with a readable report when a synthesized manifest violates a policy.
 */
import type { Validation, ValidationContext } from 'cdk8s-cli/lib/plugins/validation';
import { loadManifests } from '../cli/load';
import { isEnvironmentName } from '../core/context';
import { hasErrors } from '../core/evaluate';
import { TARGETS, type Finding, type Report, type Target } from '../core/types';
import { checkObjects, ruleById } from '../index';
import { describeRef, summaryLine } from '../report/text';

/** `properties:` of the plugin in cdk8s.yaml. */
export interface PolicyValidationProps {
  /**
   * The delivery path the manifests are for.
   * @default 'gitops'
   */
  readonly target?: string;
  /**
   * Judge every namespace as this environment.
   * @default the environment label of each Namespace object (none: judged as prod)
   */
  readonly environment?: string;
}

function byRule(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.ruleId, [...(groups.get(f.ruleId) ?? []), f]);
  return groups;
}

/** Adds the report to cdk8s's: one violation per rule, its findings as locations. */
function addToCdk8sReport(report: Report, context: ValidationContext): void {
  for (const [ruleId, findings] of byRule(report.findings)) {
    const rule = ruleById(ruleId);
    context.report.addViolation({
      ruleName: `${ruleId} (${rule.severity})`,
      recommendation: rule.description,
      fix: rule.remediation,
      violatingResources: findings.map((f) => ({
        resourceName: describeRef(f.object),
        manifestPath: f.object.source ?? 'unknown',
        locations: [`${f.path}: ${f.message}`],
      })),
    });
  }
  const exemptions = Object.fromEntries(
    report.exemptions.map((e, i) => [
      `exemption ${i + 1}`,
      `${e.ruleId} ${describeRef(e.object)}: ${e.reason} (waives ${e.waived.length})`,
    ]),
  );
  context.report.submit(hasErrors(report) ? 'failure' : 'success', {
    summary: summaryLine(report),
    ...exemptions,
  });
}

export class PolicyValidation implements Validation {
  private readonly target: Target;
  private readonly environment: string | undefined;

  constructor(props: PolicyValidationProps = {}) {
    const target = props.target ?? 'gitops';
    if (!(TARGETS as readonly string[]).includes(target)) {
      throw new Error(`policies plugin: target must be gitops or pulumi, got "${target}"`);
    }
    if (props.environment !== undefined && !isEnvironmentName(props.environment)) {
      throw new Error(
        `policies plugin: environment must be dev, staging or prod, got "${props.environment}"`,
      );
    }
    this.target = target as Target;
    this.environment = props.environment;
  }

  validate(context: ValidationContext): Promise<void> {
    const loaded = loadManifests(context.manifests);
    const environment = this.environment;
    const report = checkObjects(loaded.objects, {
      target: this.target,
      ...(environment !== undefined && isEnvironmentName(environment) ? { environment } : {}),
      sourceOf: loaded.sourceOf,
    });
    context.logger.log(summaryLine(report));
    addToCdk8sReport(report, context);
    return Promise.resolve();
  }
}

/**
 * The vocabulary of the rule set: Kubernetes objects as plain JSON (what `cdk8s synth`, the
 * YAML of a GitOps repository and the `props` of a Pulumi resource all are), rules, findings.
 */

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** `error` fails every gate; `warning` is reported and never fails a gate. */
export type Severity = 'error' | 'warning';

/** The environments this repository ships to. */
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** The delivery path that produced the objects. */
export const TARGETS = ['gitops', 'pulumi'] as const;
export type Target = (typeof TARGETS)[number];

/**
 * What a rule may know besides the objects themselves.
 *
 * - `environment`: the environment the objects are deployed to. `undefined` means unknown, and
 *   environment-dependent rules then apply their strictest form (as for `prod`).
 * - `target`: `gitops` for YAML that is committed to a repository (plaintext secrets are
 *   forbidden there), `pulumi` for objects that Pulumi sends to the API server (where a Secret
 *   built from encrypted stack config is the intended path).
 */
export interface EvaluationContext {
  readonly environment?: EnvironmentName;
  readonly target: Target;
}

/** One problem a rule found in one object. */
export interface Violation {
  /** Dotted field path inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly message: string;
}

/** A violation of a rule that looks at several objects: it names the object at fault. */
export interface SetViolation extends Violation {
  readonly object: KubeObject;
}

/** What every rule declares about itself. */
export interface RuleInfo {
  /** Stable kebab-case id, used in reports and in exemption annotations. */
  readonly id: string;
  readonly severity: Severity;
  /** What the rule requires, in one sentence. */
  readonly description: string;
  /** How to fix a violation. */
  readonly remediation: string;
  /** Where the requirement comes from (Pod Security Standards, kube-score, Polaris, ...). */
  readonly sources: readonly string[];
  /** Whether an exemption annotation may waive it. @default true */
  readonly exemptable?: boolean;
}

/** A rule judged on each object alone. */
export interface ObjectRule extends RuleInfo {
  readonly scope: 'object';
  readonly check: (object: KubeObject, context: EvaluationContext) => readonly Violation[];
}

/** A rule judged on all objects of one namespace together (selectors, references). */
export interface SetRule extends RuleInfo {
  readonly scope: 'set';
  readonly check: (
    objects: readonly KubeObject[],
    context: EvaluationContext,
  ) => readonly SetViolation[];
}

export type Rule = ObjectRule | SetRule;

/** How a report names an object. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The file (CLI, cdk8s) or Pulumi URN the object came from, when known. */
  readonly source?: string;
}

/** A violation with everything a report needs. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly object: ObjectRef;
  readonly path: string;
  readonly message: string;
  readonly remediation: string;
}

/** A finding that an exemption annotation waived, with the reason written there. */
export interface Exemption {
  readonly ruleId: string;
  readonly object: ObjectRef;
  readonly reason: string;
  /** The findings it waived (none: the exemption is no longer needed). */
  readonly waived: readonly Finding[];
}

/** The outcome of one evaluation. */
export interface Report {
  readonly findings: readonly Finding[];
  readonly exemptions: readonly Exemption[];
  /** The context each namespace was judged in. */
  readonly contexts: readonly { readonly namespace: string; readonly context: EvaluationContext }[];
  readonly objectCount: number;
}

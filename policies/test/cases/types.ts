import type { EvaluateOptions } from '../../index';
import type { Fixture } from '../fixtures';

/** A change to the compliant fixture and what the rule must (or must not) report. */
export interface RuleCase {
  readonly rule: string;
  readonly name: string;
  readonly mutate: (f: Fixture) => void;
  /**
   * `Kind/name path` of every finding of the rule; empty for a case that must pass
   * (an alternative compliant form).
   */
  readonly expect: readonly string[];
  /** @default { target: 'gitops' } */
  readonly options?: EvaluateOptions;
}

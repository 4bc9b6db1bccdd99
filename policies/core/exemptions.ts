import type { KubeObject } from './types';

/**
 * Prefix of exemption annotations. `exempt.user-platform.example.com/<rule-id>: "<reason>"` on
 * an object waives that rule for that object; the reason is mandatory and listed in every report.
 */
export const EXEMPTION_PREFIX = 'exempt.user-platform.example.com/';

/** A reason shorter than this is not a written reason. */
export const MIN_REASON_LENGTH = 10;

/** One exemption annotation of an object. */
export interface ExemptionAnnotation {
  readonly ruleId: string;
  readonly reason: string;
  /** The annotation key, for field paths. */
  readonly key: string;
}

/** The exemption annotations of an object, valid or not. */
export function exemptionAnnotations(object: KubeObject): ExemptionAnnotation[] {
  return Object.entries(object.metadata.annotations ?? {})
    .filter(([key]) => key.startsWith(EXEMPTION_PREFIX))
    .map(([key, value]) => ({
      ruleId: key.slice(EXEMPTION_PREFIX.length),
      reason: value.trim(),
      key,
    }));
}

/** Whether an exemption carries a written reason. */
export function hasWrittenReason(exemption: ExemptionAnnotation): boolean {
  return exemption.reason.length >= MIN_REASON_LENGTH;
}

/** The field path of an annotation, in the bracket form that survives dots and slashes. */
export function annotationPath(key: string): string {
  return `metadata.annotations["${key}"]`;
}

import { list, obj, objects, str, stringMap } from './fields';

/** A label selector as Kubernetes defines it: `matchLabels` and `matchExpressions`. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly {
    readonly key: string;
    readonly operator: string;
    readonly values: readonly string[];
  }[];
}

/** Reads a `metav1.LabelSelector` (NetworkPolicy, PDB, Deployment, topology spread). */
export function labelSelector(value: unknown): LabelSelector | undefined {
  const o = obj(value);
  if (o === undefined) return undefined;
  return {
    matchLabels: stringMap(o.matchLabels),
    matchExpressions: objects(o.matchExpressions).map((e) => ({
      key: str(e.key) ?? '',
      operator: str(e.operator) ?? '',
      values: list(e.values).filter((v): v is string => typeof v === 'string'),
    })),
  };
}

/** A Service's `spec.selector`: a plain map, as a selector. */
export function mapSelector(value: unknown): LabelSelector {
  return { matchLabels: stringMap(value), matchExpressions: [] };
}

/** Whether the selector selects nothing at all-labels-wise, i.e. matches every pod. */
export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

/** Whether a selector matches a set of labels (In, NotIn, Exists, DoesNotExist). */
export function matches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  return selector.matchExpressions.every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && e.values.includes(value);
      case 'NotIn':
        return value === undefined || !e.values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}
